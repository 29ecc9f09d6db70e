/**
 * Runs stopped from outside, as users stop them, then resumed: each must end
 * with the weights, metrics and completion tables of a run never stopped,
 * bit for bit. `deno task grpo` is killed (SIGKILL, through
 * TUNEBOOK_CRASH_AT) at every moment of a checkpoint write in turn;
 * `deno task dpo` likewise, its precomputed reference log-probs carried by
 * the checkpoints; `deno task sft` gets a Ctrl-C mid-run and must save, say
 * how to resume and exit 130; `deno task reward` is killed mid-checkpoint (its score
 * head, in the adapter file, must come back with the LoRA and the
 * optimizer moments). All train the embedded default model for a few steps.
 */
import assert from "node:assert/strict";
import { DEFAULT_MODEL_DIR } from "../../lib/model/default_model.ts";
import { readSafetensors } from "../../lib/safetensors/safetensors.ts";
import { listCheckpoints } from "../../lib/train/checkpoints.ts";
import { REFERENCE_FILE } from "../../lib/train/dpo/reference.ts";
import { MetricsLog } from "../../lib/train/metrics_log.ts";
import { toyConversations } from "../helpers/chat_model.ts";

const CLI = {
  sft: new URL("../../lib/cli/sft.ts", import.meta.url).pathname,
  grpo: new URL("../../lib/cli/grpo.ts", import.meta.url).pathname,
  dpo: new URL("../../lib/cli/dpo.ts", import.meta.url).pathname,
  reward: new URL("../../lib/cli/reward.ts", import.meta.url).pathname,
};

/** `deno task <task> --config <root>/config.json …extra`, with `env` added. */
function cli(
  task: keyof typeof CLI,
  root: string,
  extra: string[] = [],
  env: Record<string, string> = {},
) {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--no-check",
      CLI[task],
      "--config",
      `${root}/config.json`,
      ...extra,
    ],
    env,
    stdout: "piped",
    stderr: "piped",
  });
}

async function run(
  task: keyof typeof CLI,
  root: string,
  extra: string[] = [],
  env: Record<string, string> = {},
) {
  const out = await cli(task, root, extra, env).output();
  return {
    code: out.code,
    signal: out.signal,
    stderr: new TextDecoder().decode(out.stderr),
  };
}

/** A temp folder with `config.json` (output_dir `<root>/out`) and its data. */
async function setUp(
  name: string,
  config: Record<string, unknown>,
  rows: unknown[],
) {
  const root = await Deno.makeTempDir({ prefix: `crash-${name}-` });
  await Deno.writeTextFile(`${root}/data.json`, JSON.stringify(rows));
  await Deno.writeTextFile(
    `${root}/config.json`,
    JSON.stringify({
      model: DEFAULT_MODEL_DIR,
      train_data: `${root}/data.json`,
      output_dir: `${root}/out`,
      ...config,
    }),
  );
  return { root, out: `${root}/out` };
}

/** Asserts that two output folders hold the same results, bit for bit. */
async function assertSameRun(a: string, b: string): Promise<void> {
  const timeless = async (path: string) =>
    (await MetricsLog.read(path)).map((r) =>
      Object.fromEntries(
        Object.entries(r).filter(([k]) =>
          k !== "step_time" && k !== "tokens_per_s" && !k.startsWith("time/")
        ),
      )
    );
  assert.deepEqual(
    await timeless(`${b}/metrics.jsonl`),
    await timeless(`${a}/metrics.jsonl`),
  );
  const tables = await Promise.all(
    [a, b].map((d) =>
      Deno.readTextFile(`${d}/completions.jsonl`).catch(() => null)
    ),
  );
  assert.equal(tables[1], tables[0], "completions.jsonl");
  const [wa, wb] = await Promise.all(
    [a, b].map(async (d) =>
      (await readSafetensors(`${d}/adapter_model.safetensors`)).tensors
    ),
  );
  assert.ok(wa.size > 0);
  for (const [key, t] of wa) {
    assert.deepEqual(wb.get(key)?.data, t.data, `${key} differs`);
  }
  const left = [...Deno.readDirSync(b)].map((e) => e.name)
    .filter((n) => n.startsWith("."));
  assert.deepEqual(left, [], "no lock or temporaries left behind");
}

const steps = async (out: string) =>
  (await listCheckpoints(out)).map((c) => c.step);

Deno.test("deno task grpo killed inside each step of a checkpoint write resumes bit-identical", async () => {
  const config = {
    lora: { r: 4, lora_alpha: 8, lora_dropout: 0.1 },
    rewards: [{ name: "length", unit: "words", target: 3 }],
    learning_rate: 3e-3,
    per_device_train_batch_size: 4,
    num_generations: 2,
    max_completion_length: 5,
    beta: 0.05,
    max_steps: 6,
    save_steps: 1,
    save_total_limit: 1,
    log_completions_steps: 2,
    seed: 3,
  };
  const prompts = ["the sea", "a farm", "winter", "a ship"].map((t) => ({
    prompt: `Write about ${t}.`,
  }));
  const straight = await setUp("grpo-straight", config, prompts);
  const done = await run("grpo", straight.root);
  assert.equal(done.code, 0, done.stderr);

  const { root, out } = await setUp("grpo-killed", config, prompts);
  const crash = async (at: string, resume: boolean) => {
    const r = await run("grpo", root, resume ? ["--resume"] : [], {
      TUNEBOOK_CRASH_AT: at,
    });
    assert.equal(r.signal, "SIGKILL", `${at} was reached:\n${r.stderr}`);
    return r.stderr;
  };
  // Weights and optimizer state of checkpoint-2 written, no trainer state.
  await crash("checkpoint:contents@2", false);
  assert.deepEqual(await steps(out), [1]);
  // Trainer state written too, the folder not yet renamed into place.
  assert.match(
    await crash("checkpoint:state@1", true),
    /resuming from .*checkpoint-1 at step 1/,
  );
  assert.deepEqual(await steps(out), [1]);
  // checkpoint-2 in place, checkpoint-1 renamed away but not yet deleted.
  await crash("checkpoint:removing@1", true);
  assert.deepEqual(await steps(out), [2]);
  // checkpoint-4 renamed into place, checkpoint-3 not yet pruned.
  assert.match(
    await crash("checkpoint:renamed@2", true),
    /resuming from .*checkpoint-2 at step 2/,
  );
  assert.deepEqual(await steps(out), [3, 4]);
  const last = await run("grpo", root, ["--resume"]);
  assert.equal(last.code, 0, last.stderr);
  assert.match(last.stderr, /resuming from .*checkpoint-4 at step 4/);
  await assertSameRun(straight.out, out);
  await Deno.remove(straight.root, { recursive: true });
  await Deno.remove(root, { recursive: true });
});

Deno.test("deno task dpo killed inside a checkpoint write resumes bit-identical, precomputed reference included", async () => {
  const config = {
    lora: { r: 4, lora_alpha: 8 },
    precompute_ref_log_probs: true,
    learning_rate: 1e-3,
    per_device_train_batch_size: 2,
    max_steps: 4,
    save_steps: 1,
    save_total_limit: 1,
    logging_steps: 1,
    seed: 3,
  };
  const pairs = ["the sea", "a farm", "winter", "a ship"].map((t) => ({
    prompt: [{ role: "user", content: `Write about ${t}.` }],
    chosen: [{ role: "assistant", content: `Here is ${t}, calm and slow.` }],
    rejected: [{ role: "assistant", content: "No." }],
  }));
  const straight = await setUp("dpo-straight", config, pairs);
  const done = await run("dpo", straight.root);
  assert.equal(done.code, 0, done.stderr);

  const { root, out } = await setUp("dpo-killed", config, pairs);
  const crash = async (at: string, resume: boolean) => {
    const r = await run("dpo", root, resume ? ["--resume"] : [], {
      TUNEBOOK_CRASH_AT: at,
    });
    assert.equal(r.signal, "SIGKILL", `${at} was reached:\n${r.stderr}`);
    return r.stderr;
  };
  // checkpoint-2's contents written, its trainer state not.
  await crash("checkpoint:contents@2", false);
  assert.deepEqual(await steps(out), [1]);
  await Deno.stat(`${out}/checkpoint-1/${REFERENCE_FILE}`);
  // Resumed from checkpoint-1's stored reference; killed with checkpoint-3
  // in place and checkpoint-2 not yet pruned.
  const log = await crash("checkpoint:renamed@2", true);
  assert.match(log, /resuming from .*checkpoint-1 at step 1/);
  assert.doesNotMatch(log, /precomputing/, "the stored reference is reused");
  assert.deepEqual(await steps(out), [2, 3]);
  const last = await run("dpo", root, ["--resume"]);
  assert.equal(last.code, 0, last.stderr);
  assert.match(last.stderr, /resuming from .*checkpoint-3 at step 3/);
  await assertSameRun(straight.out, out);
  await Deno.remove(straight.root, { recursive: true });
  await Deno.remove(root, { recursive: true });
});

Deno.test("deno task sft: Ctrl-C mid-run saves a checkpoint, says how to resume, and resumes bit-identical", async () => {
  const config = {
    lora: { r: 4, lora_alpha: 8, lora_dropout: 0.1 },
    per_device_train_batch_size: 2,
    learning_rate: 5e-3,
    max_steps: 20,
    save_steps: 0,
    logging_steps: 1,
    seed: 7,
  };
  const straight = await setUp("sft-straight", config, toyConversations(8));
  const done = await run("sft", straight.root);
  assert.equal(done.code, 0, done.stderr);

  const { root, out } = await setUp(
    "sft-interrupted",
    config,
    toyConversations(8),
  );
  const child = cli("sft", root).spawn();
  const stderr = new Response(child.stderr).text();
  await child.stdout.cancel();
  for (let i = 0; i < 2000; i++) {
    const text = await Deno.readTextFile(`${out}/metrics.jsonl`).catch(() =>
      ""
    );
    if (text.split("\n").length > 3) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  child.kill("SIGINT");
  const status = await child.status;
  const log = await stderr;
  assert.equal(status.code, 130, log);
  const message = log.trim().split("\n").at(-1)!;
  assert.match(
    message,
    /^sft: stopped by SIGINT after step (\d+) of 20 \(saved .*\/out\/checkpoint-\1\); continue with --resume \(output_dir .*\/out\)$/,
  );
  assert.doesNotMatch(log, /^\s+at /m, "no stack");
  const [saved] = await steps(out);
  assert.ok(saved > 0 && saved < 20, `stopped mid-run (step ${saved})`);

  const resumed = await run("sft", root, ["--resume"]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, new RegExp(`at step ${saved}`));
  await assertSameRun(straight.out, out);
  await Deno.remove(straight.root, { recursive: true });
  await Deno.remove(root, { recursive: true });
});

Deno.test("deno task reward killed while writing a checkpoint resumes bit-identical, score head included", async () => {
  const config = {
    lora: { r: 4, lora_alpha: 8, lora_dropout: 0.1 },
    // Dropout on, so its masks must replay after the resume too.
    disable_dropout: false,
    center_rewards_coefficient: 0.01,
    learning_rate: 3e-3,
    per_device_train_batch_size: 2,
    gradient_accumulation_steps: 2,
    max_steps: 5,
    logging_steps: 2,
    save_steps: 1,
    save_total_limit: 1,
    eval_steps: 3,
    seed: 5,
  };
  const pairs = ["the sea", "a farm", "winter", "a ship", "rain"].map((
    t,
    i,
  ) => ({
    prompt: `Write about ${t}.`,
    chosen: ` ${t} is calm.`,
    rejected: ` ${t} ${t} ${t}!`,
    margin: i % 2 ? 0.5 : 0,
  }));
  const withEval = (root: string) =>
    Deno.writeTextFile(
      `${root}/config.json`,
      JSON.stringify({
        ...JSON.parse(Deno.readTextFileSync(`${root}/config.json`)),
        eval_data: `${root}/data.json`,
      }),
    );
  const straight = await setUp("reward-straight", config, pairs);
  await withEval(straight.root);
  const done = await run("reward", straight.root);
  assert.equal(done.code, 0, done.stderr);

  const { root, out } = await setUp("reward-killed", config, pairs);
  await withEval(root);
  // Weights and optimizer state of checkpoint-3 written, no trainer state:
  // mid logging window (logging_steps 2), so its sums must resume too.
  const killed = await run("reward", root, [], {
    TUNEBOOK_CRASH_AT: "checkpoint:contents@3",
  });
  assert.equal(killed.signal, "SIGKILL", killed.stderr);
  assert.deepEqual(await steps(out), [2]);
  const last = await run("reward", root, ["--resume"]);
  assert.equal(last.code, 0, last.stderr);
  assert.match(last.stderr, /resuming from .*checkpoint-2 at step 2/);
  await assertSameRun(straight.out, out);
  const { tensors } = await readSafetensors(`${out}/adapter_model.safetensors`);
  assert.ok(tensors.has("base_model.model.score.weight"));
  await Deno.remove(straight.root, { recursive: true });
  await Deno.remove(root, { recursive: true });
});
