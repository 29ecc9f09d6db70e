/**
 * A run owns its output_dir: --overwrite removes the earlier run, a resume
 * continues only a checkpoint recorded with the same settings, a run that
 * fails validation leaves nothing behind, a folder with other files in it is
 * never taken, two runs never share a folder, and the metrics continue
 * across a resume as if the run had not stopped (a cut last line, the SFT
 * token count and logging window included).
 */
import assert from "node:assert/strict";
import { initEngine } from "../../lib/engine/mod.ts";
import type { RewardFunction } from "../../lib/rewards/types.ts";
import { readSafetensors } from "../../lib/safetensors/safetensors.ts";
import { listCheckpoints } from "../../lib/train/checkpoints.ts";
import { parseGrpoConfig } from "../../lib/train/grpo/config.ts";
import { runGrpo } from "../../lib/train/grpo/trainer.ts";
import { MetricsLog } from "../../lib/train/metrics_log.ts";
import { parseSftConfig } from "../../lib/train/sft/config.ts";
import { runSftFromConfig } from "../../lib/train/sft/from_config.ts";
import { runSft, type SftRunOptions } from "../../lib/train/sft/trainer.ts";
import { toyConversations, writeTinyChatModel } from "../helpers/chat_model.ts";

await initEngine({ verbose: false });

const quiet = { progress: false } as const;

/** A tiny model and data in a temp folder, and an SFT config writing to `<root>/out`. */
async function setUp(overrides: Record<string, unknown> = {}) {
  const root = await Deno.makeTempDir({ prefix: "run-folder-" });
  await writeTinyChatModel(`${root}/model`, { hidden: 32, layers: 1 });
  await Deno.writeTextFile(
    `${root}/train.json`,
    JSON.stringify(toyConversations(8)),
  );
  const raw: Record<string, unknown> = {
    model: `${root}/model`,
    train_data: `${root}/train.json`,
    output_dir: `${root}/out`,
    lora: { r: 4, lora_alpha: 8, lora_dropout: 0.1 },
    per_device_train_batch_size: 2,
    learning_rate: 5e-3,
    max_steps: 6,
    save_steps: 2,
    logging_steps: 1,
    seed: 7,
    ...overrides,
  };
  return { root, raw, out: `${root}/out` };
}

function sft(
  raw: Record<string, unknown>,
  changes: Record<string, unknown> = {},
  options: SftRunOptions = {},
) {
  return runSftFromConfig({ ...raw, ...changes }, "test", {
    ...quiet,
    ...options,
  });
}

async function adapter(dir: string): Promise<Map<string, Float32Array>> {
  const { tensors } = await readSafetensors(`${dir}/adapter_model.safetensors`);
  return new Map([...tensors].map(([k, t]) => [k, t.data]));
}

/** Metrics without the timing columns, which no two runs share. */
async function metrics(dir: string): Promise<Record<string, unknown>[]> {
  return (await MetricsLog.read(`${dir}/metrics.jsonl`)).map((r) =>
    Object.fromEntries(
      Object.entries(r).filter(([k]) =>
        !["step_time", "tokens_per_s"].includes(k) && !k.startsWith("time/")
      ),
    )
  );
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test("--overwrite then --resume continues the new run, never the old one's checkpoints", async () => {
  const { root, raw, out } = await setUp({ save_total_limit: 2 });
  await sft(raw); // the old run: checkpoints 4 and 6, final adapter
  const other = { learning_rate: 1e-2, seed: 11 };
  await sft(raw, other, { overwrite: true, stopAfterStep: 2 });
  assert.deepEqual(
    (await listCheckpoints(out)).map((c) => c.step),
    [2],
    "only the new run's checkpoint is left",
  );
  assert.equal(await exists(`${out}/adapter_model.safetensors`), false);
  const resumed = await sft(raw, other, { resume: true });
  assert.equal(resumed.steps, 6);
  assert.equal(
    resumed.history[0].step,
    3,
    "resumed after the new run's step 2",
  );

  const fresh = await setUp({ save_total_limit: 2 });
  await sft(fresh.raw, other);
  const [a, b] = [await adapter(fresh.out), await adapter(out)];
  for (const [k, v] of a) assert.deepEqual(b.get(k), v, `${k} differs`);
  assert.deepEqual(await metrics(out), await metrics(fresh.out));
  await Deno.remove(root, { recursive: true });
  await Deno.remove(fresh.root, { recursive: true });
});

Deno.test("--resume refuses a checkpoint trained with other settings, naming each with both values", async () => {
  const { root, raw, out } = await setUp();
  await sft(raw, {}, { stopAfterStep: 2 });
  const before = await Deno.readTextFile(`${out}/metrics.jsonl`);
  await assert.rejects(
    () =>
      sft(raw, {
        lora: { r: 16, lora_alpha: 8, lora_dropout: 0.1 },
        learning_rate: 1e-3,
      }, { resume: true }),
    (error: Error) => {
      assert.match(
        error.message,
        /checkpoint-2 was trained with other settings/,
      );
      assert.match(error.message, /lora\.r: 4 in the checkpoint, 16 now/);
      assert.match(
        error.message,
        /learning_rate: 0\.005 in the checkpoint, 0\.001 now/,
      );
      assert.match(error.message, /--overwrite/);
      assert.doesNotMatch(error.message, /\n/);
      return true;
    },
  );
  await Deno.writeTextFile(
    `${root}/train.json`,
    JSON.stringify(toyConversations(9)),
  );
  await assert.rejects(
    () => sft(raw, {}, { resume: true }),
    /train_data_sha256: [0-9a-f]{64} in the checkpoint, [0-9a-f]{64} now/,
    "the same file name with other rows is other data",
  );
  assert.equal(await Deno.readTextFile(`${out}/metrics.jsonl`), before);
  await Deno.writeTextFile(
    `${root}/train.json`,
    JSON.stringify(toyConversations(8)),
  );
  // When to stop, save and log may change.
  const more = await sft(raw, { max_steps: 8, save_steps: 4 }, {
    resume: true,
  });
  assert.equal(more.steps, 8);
  await Deno.remove(root, { recursive: true });
});

Deno.test("--resume refuses a checkpoint that records no settings, saying how to go on", async () => {
  const { root, raw, out } = await setUp();
  await sft(raw, {}, { stopAfterStep: 2 });
  const path = `${out}/checkpoint-2/trainer_state.json`;
  const { config: _, ...older } = JSON.parse(await Deno.readTextFile(path));
  await Deno.writeTextFile(path, JSON.stringify(older));
  await assert.rejects(
    () => sft(raw, {}, { resume: true }),
    /trainer_state\.json records no training settings.*start over with --overwrite/,
  );
  await Deno.remove(root, { recursive: true });
});

Deno.test("a run that fails validation leaves no folder, metrics.jsonl or lock behind", async () => {
  const { root, raw } = await setUp();
  const out = `${root}/new/parent/out`;
  // Every example truncated to nothing trainable: refused after the model loads.
  await assert.rejects(
    () => sft(raw, { output_dir: out, max_length: 1 }),
    /no usable examples/,
  );
  assert.equal(await exists(`${root}/new`), false, "no folder created");
  await assert.rejects(
    () => sft(raw, { output_dir: out, model: `${root}/missing` }),
  );
  assert.equal(await exists(`${root}/new`), false);

  const grpo = parseGrpoConfig({
    model: `${root}/model`,
    train_data: `${root}/train.json`,
    output_dir: out,
    rewards: [{ name: "constant" }],
    per_device_train_batch_size: 2,
    num_generations: 2,
    max_steps: 1,
  }, "test");
  const constant: RewardFunction = {
    name: "constant",
    range: [1, 1],
    description: "the same reward for everything",
    score: (samples) => samples.map(() => 1),
  };
  await assert.rejects(() =>
    runGrpo(grpo, [], { rewards: [constant], ...quiet })
  );
  assert.equal(await exists(`${root}/new`), false);
  // An existing folder stays as it was: the earlier run is still there.
  await sft(raw, { max_steps: 2 });
  const listing = async () => {
    const names = [...Deno.readDirSync(`${root}/out`)].map((e) => e.name);
    return [names.sort(), await Deno.readTextFile(`${root}/out/metrics.jsonl`)];
  };
  const before = await listing();
  await assert.rejects(
    () => sft(raw, { max_length: 1 }, { overwrite: true }),
    /no usable examples/,
  );
  assert.deepEqual(await listing(), before);
  await Deno.remove(root, { recursive: true });
});

Deno.test("a folder with files tunebook did not write is never taken, with or without --overwrite", async () => {
  const { root, raw, out } = await setUp({ max_steps: 1 });
  await Deno.mkdir(out);
  await Deno.writeTextFile(`${out}/notes.txt`, "mine");
  await assert.rejects(
    () => sft(raw),
    /out\/notes\.txt was not written by tunebook/,
  );
  await assert.rejects(
    () => sft(raw, {}, { overwrite: true }),
    /--overwrite: .*notes\.txt was not written by tunebook/,
  );
  assert.equal(await Deno.readTextFile(`${out}/notes.txt`), "mine");
  // A model folder holds names tunebook also writes, but no run.
  await assert.rejects(
    () => sft(raw, { output_dir: `${root}/model` }, { overwrite: true }),
    /model\/config\.json was not written by tunebook/,
  );
  assert.ok(await exists(`${root}/model/model.safetensors`));
  await Deno.remove(root, { recursive: true });
});

Deno.test("files the caller wrote for the run (keep) are neither refused nor removed, and nothing else is let in", async () => {
  const { root, raw, out } = await setUp({ max_steps: 2, save_steps: 1 });
  await Deno.mkdir(out);
  await Deno.writeTextFile(`${out}/pairs.jsonl`, "mine");
  const keep = ["pairs.jsonl"];
  await sft(raw, {}, { keep, stopAfterStep: 1 });
  await sft(raw, {}, { keep, resume: true });
  assert.ok(await exists(`${out}/adapter_model.safetensors`));
  await sft(raw, {}, { keep, overwrite: true });
  assert.equal(await Deno.readTextFile(`${out}/pairs.jsonl`), "mine");
  // Kept names are the caller's only: another file is still refused.
  await Deno.writeTextFile(`${out}/notes.txt`, "mine");
  await assert.rejects(
    () => sft(raw, {}, { keep, overwrite: true }),
    /notes\.txt was not written by tunebook/,
  );
  await Deno.remove(root, { recursive: true });
});

Deno.test("two runs into one folder: the second refuses, naming the first's pid and host", async () => {
  const { root, raw } = await setUp({ max_steps: 4 });
  const results = await Promise.allSettled([sft(raw), sft(raw)]);
  const refused = results.filter((r) => r.status === "rejected");
  assert.equal(refused.length, 1, "exactly one run refused");
  assert.match(
    String((refused[0] as PromiseRejectedResult).reason),
    new RegExp(`is in use by another run \\(pid ${Deno.pid} on host \\S+`),
  );
  assert.equal(await exists(`${root}/out/.tunebook.lock`), false, "released");
  await Deno.remove(root, { recursive: true });
});

Deno.test("resume: a cut last metrics line is dropped, a malformed line inside is refused", async () => {
  const { root, raw, out } = await setUp();
  await sft(raw, {}, { stopAfterStep: 3 });
  const path = `${out}/metrics.jsonl`;
  const whole = await Deno.readTextFile(path);
  await Deno.writeTextFile(path, whole + '{"step":4,"loss":0.12');
  await sft(raw, {}, { resume: true });
  const straight = await setUp();
  await sft(straight.raw);
  assert.deepEqual(await metrics(out), await metrics(straight.out));

  const lines = (await Deno.readTextFile(path)).split("\n");
  lines[1] = lines[1].slice(0, 10);
  await Deno.writeTextFile(path, lines.join("\n"));
  await assert.rejects(
    () => sft(raw, {}, { resume: `${out}/checkpoint-4` }),
    /metrics\.jsonl line 2: not a JSON record/,
  );
  await Deno.remove(root, { recursive: true });
  await Deno.remove(straight.root, { recursive: true });
});

Deno.test("sft resume continues num_tokens and the logging window of the stopped run", async () => {
  const settings = { logging_steps: 2, max_steps: 6, save_steps: 0 };
  const a = await setUp(settings);
  await sft(a.raw);
  const b = await setUp(settings);
  await sft(b.raw, {}, { stopAfterStep: 3 });
  await sft(b.raw, {}, { resume: true });
  const [ma, mb] = [await metrics(a.out), await metrics(b.out)];
  assert.deepEqual(ma.map((r) => r.step), [2, 4, 6]);
  assert.deepEqual(mb, ma);
  await Deno.remove(a.root, { recursive: true });
  await Deno.remove(b.root, { recursive: true });
});

Deno.test("--resume and --overwrite together are refused before anything is touched", async () => {
  const { root, raw, out } = await setUp();
  const config = parseSftConfig(raw, "test");
  await assert.rejects(
    () =>
      runSft(config, {
        train: { source: "x", examples: [] },
        eval: null,
      }, { resume: true, overwrite: true, ...quiet }),
    /--resume and --overwrite/,
  );
  assert.equal(await exists(out), false);
  await Deno.remove(root, { recursive: true });
});
