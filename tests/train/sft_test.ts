import assert from "node:assert/strict";
import { initEngine } from "../../lib/engine/mod.ts";
import { loadTokenizer } from "../../lib/tokenizer/mod.ts";
import { padBatch } from "../../lib/model/batch.ts";
import { packExamples } from "../../lib/train/sft/batches.ts";
import { parseSftConfig, type SftConfig } from "../../lib/train/sft/config.ts";
import {
  parseSftRows,
  tokenizeExamples,
} from "../../lib/train/sft/examples.ts";
import {
  loadSftData,
  runSftFromConfig,
} from "../../lib/train/sft/from_config.ts";
import { runSft } from "../../lib/train/sft/trainer.ts";
import { MetricsLog } from "../../lib/train/metrics_log.ts";
import { readSafetensors } from "../../lib/safetensors/safetensors.ts";
import { toyConversations, writeTinyChatModel } from "../helpers/chat_model.ts";

await initEngine({ verbose: false });

const CHATML =
  new URL("../fixtures/tokenizers/chatml/", import.meta.url).pathname;
const SFT_CLI = new URL("../../lib/cli/sft.ts", import.meta.url).pathname;

Deno.test("sft config: TRL field names, defaults, and errors that name the field", () => {
  const c = parseSftConfig({
    model: "m",
    train_data: "t.json",
    output_dir: "out",
    lora: { r: 4, lora_alpha: 8, target_modules: ["q_proj", "v_proj"] },
    max_steps: 10,
  }, "cfg.json");
  assert.equal(c.lora!.r, 4);
  assert.deepEqual(c.lora!.targetModules, ["q_proj", "v_proj"]);
  assert.equal(c.learningRate, 2e-4);
  assert.equal(c.schedule, "linear");
  assert.throws(
    () =>
      parseSftConfig({
        model: "m",
        train_data: "t",
        output_dir: "o",
        lerning_rate: 1,
      }, "cfg.json"),
    /cfg\.json: field "lerning_rate" is not a known setting/,
  );
  assert.throws(
    () =>
      parseSftConfig({
        model: "m",
        train_data: "t",
        output_dir: "o",
        lora: { r: "8" },
      }, "cfg.json"),
    /cfg\.json: field "lora\.r" must be a finite number, got "8"/,
  );
  assert.match(
    parseSftConfig({ train_data: "t", output_dir: "o" }, "c").model,
    /checkpoints\/tiny-base$/,
    "the embedded default model when none is given",
  );
  assert.throws(
    () => parseSftConfig({ model: "m", output_dir: "o" }, "cfg.json"),
    /field "train_data" is missing/,
  );
  assert.throws(
    () =>
      parseSftConfig({
        model: "m",
        train_data: "t",
        output_dir: "o",
        lr_scheduler_type: "poly",
      }, "c"),
    /"lr_scheduler_type" must be one of "constant", "constant_with_warmup", "linear", "cosine"/,
  );
});

Deno.test("sft rows: seed conversations, messages and prompt/completion; bad rows name the row", () => {
  const examples = parseSftRows([
    {
      conversations: [{ role: "user", content: "a" }, {
        role: "assistant",
        content: "b",
      }],
    },
    {
      messages: [{ role: "user", content: "a" }, {
        role: "assistant",
        content: "b",
      }],
    },
    { prompt: "Q: 1+1?\nA:", completion: " 2" },
  ], "d.json");
  assert.deepEqual(examples.map((e) => e.kind), [
    "conversation",
    "conversation",
    "prompt-completion",
  ]);
  assert.throws(
    () =>
      parseSftRows(
        [{ conversations: [{ role: "user", content: "a" }] }],
        "d.json",
      ),
    /d\.json row 1: field "conversations" has no assistant message/,
  );
  assert.throws(
    () => parseSftRows([{}, { text: "x" }], "d.json"),
    /d\.json row 1: expected a "conversations" or "messages" list/,
  );
  assert.throws(
    () =>
      parseSftRows(
        [{ conversations: [{ role: "bot", content: "a" }] }],
        "d.json",
      ),
    /d\.json row 1: conversations\[0\]\.role must be/,
  );
});

Deno.test("sft masking: only assistant tokens (and the end marker) are targets, checked on ids", async () => {
  const tok = await loadTokenizer(CHATML);
  const { tokens } = tokenizeExamples(
    tok,
    parseSftRows([{
      conversations: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hello" },
        { role: "assistant", content: "world" },
      ],
    }], "x"),
    512,
  );
  const [{ ids, mask }] = tokens;
  const trained = ids.filter((_, i) => mask[i] === 1);
  assert.deepEqual(trained, [
    ...tok.encode("world", { addSpecialTokens: false }),
    2,
  ]);
  assert.equal(
    tok.decode(ids.filter((_, i) => mask[i] === 0)).includes("world"),
    false,
  );
  const batch = padBatch([{ ids, mask }, {
    ids: ids.slice(0, 5),
    mask: mask.slice(0, 5),
  }], tok.padId);
  assert.equal(batch.length, ids.length);
  for (let t = 5; t < batch.length; t++) {
    assert.equal(
      batch.attentionMask![batch.length + t],
      0,
      "padding is not attended",
    );
    assert.equal(
      batch.labelMask![batch.length + t],
      0,
      "padding is not trained",
    );
  }
});

Deno.test("sft truncation is reported, and examples with no target left are dropped and counted", async () => {
  const tok = await loadTokenizer(CHATML);
  const rows = [
    {
      conversations: [{ role: "user", content: "x".repeat(40) }, {
        role: "assistant",
        content: "y",
      }],
    },
    {
      conversations: [{ role: "user", content: "a" }, {
        role: "assistant",
        content: "b".repeat(40),
      }],
    },
  ];
  const { tokens, report } = tokenizeExamples(tok, parseSftRows(rows, "x"), 30);
  assert.equal(report.truncated, 2);
  assert.equal(report.dropped, 1);
  assert.equal(tokens.length, 1);
  assert.ok(tokens[0].ids.length <= 30);
});

Deno.test("packing: best-fit decreasing, deterministic, never splits an example, keeps masks", () => {
  const ex = [5, 9, 3, 7, 2, 6].map((n, k) => ({
    ids: Array.from({ length: n }, (_, i) => k * 100 + i),
    mask: Array.from({ length: n }, (_, i) => (i % 2)),
  }));
  const packed = packExamples(ex, 10);
  assert.deepEqual(packed, packExamples(ex, 10));
  assert.ok(packed.every((p) => p.ids.length <= 10));
  const all = packed.flatMap((p) => p.ids).sort((a, b) => a - b);
  assert.deepEqual(all, ex.flatMap((e) => e.ids).sort((a, b) => a - b));
  assert.equal(packed.length, 4); // 32 tokens in bins of 10
  for (const p of packed) {
    for (let i = 0; i < p.ids.length; i++) {
      assert.equal(p.mask[i], (p.ids[i] % 100) % 2);
    }
  }
  assert.throws(
    () => packExamples([{ ids: [1, 2, 3], mask: [0, 1, 1] }], 2),
    /more than maxLength 2/,
  );
});

async function setUp(name: string, overrides: Record<string, unknown> = {}) {
  const root = await Deno.makeTempDir({ prefix: `sft-${name}-` });
  await writeTinyChatModel(`${root}/model`, { hidden: 48, layers: 2 });
  await Deno.writeTextFile(
    `${root}/train.json`,
    JSON.stringify(toyConversations(8)),
  );
  const raw = {
    model: `${root}/model`,
    train_data: `${root}/train.json`,
    output_dir: `${root}/out`,
    lora: {
      r: 4,
      lora_alpha: 8,
      lora_dropout: 0.1,
      target_modules: "all-linear",
    },
    per_device_train_batch_size: 2,
    gradient_accumulation_steps: 2,
    learning_rate: 5e-3,
    lr_scheduler_type: "cosine",
    warmup_steps: 1,
    max_steps: 6,
    save_steps: 3,
    logging_steps: 1,
    seed: 7,
    ...overrides,
  };
  const config: SftConfig = parseSftConfig(raw, "test");
  return { root, config, raw };
}

async function adapterBytes(dir: string): Promise<Map<string, Float32Array>> {
  const { tensors } = await readSafetensors(`${dir}/adapter_model.safetensors`);
  return new Map([...tensors].map(([k, t]) => [k, t.data]));
}

Deno.test("sft resume: stopped after step 3 and resumed ends with the same losses and weights", async () => {
  const straight = await setUp("straight");
  const straightRun = await runSftFromConfig(straight.raw, "test", {
    progress: false,
  });
  assert.equal(straightRun.steps, 6);
  const split = await setUp("split");
  const first = await runSftFromConfig(split.raw, "test", {
    progress: false,
    stopAfterStep: 3,
  });
  assert.equal(first.steps, 3);
  const second = await runSftFromConfig(split.raw, "test", {
    progress: false,
    resume: true,
  });
  assert.equal(second.steps, 6);
  const lossesA =
    (await MetricsLog.read(`${straight.config.outputDir}/metrics.jsonl`)).map((
      r,
    ) => r.loss);
  const lossesB =
    (await MetricsLog.read(`${split.config.outputDir}/metrics.jsonl`)).map((
      r,
    ) => r.loss);
  assert.equal(lossesA.length, 6);
  assert.deepEqual(lossesB, lossesA);
  const wa = await adapterBytes(straight.config.outputDir);
  const wb = await adapterBytes(split.config.outputDir);
  assert.deepEqual([...wb.keys()], [...wa.keys()]);
  for (const [k, v] of wa) assert.deepEqual(wb.get(k), v, `${k} differs`);
  await Deno.remove(straight.root, { recursive: true });
  await Deno.remove(split.root, { recursive: true });
});

Deno.test("sft refuses to overwrite a run with checkpoints unless told", async () => {
  const { root, config } = await setUp("refuse", {
    max_steps: 1,
    save_steps: 1,
  });
  const data = await loadSftData(config);
  await runSft(config, data, { progress: false });
  await assert.rejects(
    () => runSft(config, data, { progress: false }),
    /already has checkpoints.*--resume/,
  );
  await Deno.remove(root, { recursive: true });
});

Deno.test("sft nearly memorises a small dataset (full fine-tuning of a tiny model)", async () => {
  const { root, config } = await setUp("memorise", {
    lora: null,
    learning_rate: 3e-3,
    lr_scheduler_type: "constant",
    warmup_steps: 0,
    max_steps: 60,
    save_steps: 0,
    gradient_accumulation_steps: 1,
    per_device_train_batch_size: 8,
    eval_steps: 0,
  });
  await Deno.writeTextFile(
    `${root}/eval.json`,
    JSON.stringify(toyConversations(8)),
  );
  const withEval = { ...config, evalData: `${root}/eval.json` };
  const result = await runSft(withEval, await loadSftData(withEval), {
    progress: false,
  });
  const losses = result.history.filter((r) => "loss" in r).map((r) =>
    r.loss as number
  );
  const evalLoss = result.history.findLast((r) => "eval_loss" in r)!
    .eval_loss as number;
  assert.ok(losses[0] > 3, `starts high (${losses[0]})`);
  assert.ok(
    evalLoss < 0.15,
    `final loss on the training conversations is ${evalLoss}`,
  );
  await Deno.remove(root, { recursive: true });
});

Deno.test("deno task sft: a process killed mid-run and resumed matches an uninterrupted run", async () => {
  const straight = await setUp("cli-straight", { max_steps: 8, save_steps: 1 });
  const killed = await setUp("cli-killed", { max_steps: 8, save_steps: 1 });
  const write = async (root: string, raw: Record<string, unknown>) => {
    await Deno.writeTextFile(`${root}/sft.json`, JSON.stringify(raw));
    return `${root}/sft.json`;
  };
  const cli = (configPath: string, ...extra: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--no-check",
        SFT_CLI,
        "--config",
        configPath,
        ...extra,
      ],
      stdout: "piped",
      stderr: "piped",
    });
  const done = await cli(await write(straight.root, straight.raw)).output();
  assert.equal(done.code, 0, new TextDecoder().decode(done.stderr));

  const killedConfig = await write(killed.root, killed.raw);
  const child = cli(killedConfig).spawn();
  const out = killed.config.outputDir;
  for (let i = 0; i < 600; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const have = await Deno.stat(`${out}/checkpoint-3/trainer_state.json`).then(
      () => true,
      () => false,
    );
    if (have) break;
  }
  child.kill("SIGKILL");
  const status = await child.status;
  await child.stdout.cancel();
  await child.stderr.cancel();
  assert.notEqual(
    status.code,
    0,
    "the first process was killed before finishing",
  );
  const resumed = await cli(killedConfig, "--resume").output();
  const log = new TextDecoder().decode(resumed.stderr);
  assert.equal(resumed.code, 0, log);
  assert.match(log, /resuming from .*checkpoint-\d+ at step \d+/);

  const lossesA =
    (await MetricsLog.read(`${straight.config.outputDir}/metrics.jsonl`)).map((
      r,
    ) => r.loss);
  const lossesB = (await MetricsLog.read(`${out}/metrics.jsonl`)).map((r) =>
    r.loss
  );
  assert.deepEqual(lossesB, lossesA);
  const wa = await adapterBytes(straight.config.outputDir);
  const wb = await adapterBytes(out);
  for (const [k, v] of wa) assert.deepEqual(wb.get(k), v, `${k} differs`);
  await Deno.remove(straight.root, { recursive: true });
  await Deno.remove(killed.root, { recursive: true });
});
