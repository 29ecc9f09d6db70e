/**
 * GRPO rewarded by a trained reward model, end to end on the embedded
 * default model: `deno task reward`'s output (a SEQ_CLS adapter on
 * tiny-base) named by a `reward_model` entry, and inside a `hybrid` with
 * the Gemma-Alignment-Paradigms heuristic, whose components are logged
 * beside it (`rewards/<name>/mean`).
 */
import assert from "node:assert/strict";
import { initEngine } from "../../lib/engine/mod.ts";
import { DEFAULT_MODEL_DIR } from "../../lib/model/default_model.ts";
import { runGrpoFromConfig } from "../../lib/train/grpo/from_config.ts";
import { runRewardFromConfig } from "../../lib/train/reward/from_config.ts";

await initEngine({ verbose: false });

const root = await Deno.makeTempDir({ prefix: "grpo-rm-" });
const topics = ["the sea", "a farm", "winter", "a ship"];
await Deno.writeTextFile(
  `${root}/pairs.json`,
  JSON.stringify(topics.map((t) => ({
    prompt: `Write about ${t}.`,
    chosen: ` ${t} is calm and quiet.`,
    rejected: ` ${t} ${t} ${t}!`,
  }))),
);
await Deno.writeTextFile(
  `${root}/prompts.json`,
  JSON.stringify(topics.map((t) => ({ prompt: `Write about ${t}.` }))),
);
const rm = await runRewardFromConfig(
  {
    model: DEFAULT_MODEL_DIR,
    train_data: `${root}/pairs.json`,
    output_dir: `${root}/rm`,
    lora: { r: 4, lora_alpha: 8 },
    learning_rate: 1e-3,
    per_device_train_batch_size: 4,
    max_steps: 3,
    save_steps: 0,
  },
  "rm",
  { progress: false },
);

const grpo = (rewards: unknown[], out: string) =>
  runGrpoFromConfig(
    {
      model: DEFAULT_MODEL_DIR,
      train_data: `${root}/prompts.json`,
      output_dir: `${root}/${out}`,
      lora: { r: 4, lora_alpha: 8 },
      rewards,
      learning_rate: 1e-3,
      per_device_train_batch_size: 4,
      num_generations: 2,
      max_completion_length: 8,
      max_steps: 2,
      save_steps: 0,
      log_completions_steps: 1,
    },
    "grpo.json",
    { progress: false },
  );

Deno.test("GRPO with a reward_model reward runs 2 steps on tiny-base, the reward logged", async () => {
  const { history, steps } = await grpo(
    [{ name: "reward_model", path: rm.outputDir, batch_size: 4 }],
    "plain",
  );
  assert.equal(steps, 2);
  for (const r of history) {
    assert.ok(Number.isFinite(r["rewards/reward_model/mean"]), `${r.step}`);
    assert.equal(r.reward, r["rewards/reward_model/mean"]);
  }
});

Deno.test("GRPO with a hybrid of the reward model and the heuristic logs each component", async () => {
  const { history, outputDir } = await grpo([{
    name: "hybrid",
    components: [
      { name: "reward_model", path: rm.outputDir, weight: 0.5 },
      { name: "gemma_alignment_heuristic", weight: 0.5 },
    ],
  }], "hybrid");
  for (const r of history) {
    const model = r["rewards/reward_model/mean"] as number;
    const heuristic = r["rewards/gemma_alignment_heuristic/mean"] as number;
    assert.ok(heuristic >= 0 && heuristic <= 1, `${heuristic}`);
    assert.ok(
      Math.abs(
        (r["rewards/hybrid/mean"] as number) - (0.5 * model + 0.5 * heuristic),
      ) <
        1e-5,
    );
  }
  const rows = (await Deno.readTextFile(`${outputDir}/completions.jsonl`))
    .trim().split("\n").map((l) => JSON.parse(l));
  assert.ok("reward/reward_model" in rows[0] && "reward/hybrid" in rows[0]);
});

Deno.test("cleanup", async () => {
  await Deno.remove(root, { recursive: true });
});
