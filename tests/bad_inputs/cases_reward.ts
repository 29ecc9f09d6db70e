/**
 * Bad inputs of reward-model training and of rewards from a reward model,
 * in the shape of cases.ts: preference rows missing a side or with both
 * sides the same, a RewardConfig field out of range, and a GRPO run whose
 * reward model was trained on another tokenizer than the policy's.
 *
 * @module
 */
import { DEFAULT_MODEL_DIR } from "../../lib/model/default_model.ts";
import type { Case } from "./cases.ts";
import { type Fixtures, jsonl } from "./fixtures.ts";

/** A reward-model config on the fixture model, with `overrides`. */
function rewardConfig(
  f: Fixtures,
  name: string,
  overrides: Record<string, unknown>,
): { config: string; outputDir: string } {
  const outputDir = f.out(name);
  const config = f.file(`${name}.json`, {
    model: f.model,
    train_data: f.file(
      `${name}.pairs.jsonl`,
      jsonl([{ prompt: "Say rain", chosen: " rain", rejected: " snow" }]),
    ),
    output_dir: outputDir,
    lora: { r: 2, lora_alpha: 4 },
    max_steps: 1,
    ...overrides,
  });
  return { config, outputDir };
}

/** A reward run on a pairs file; data errors come before the model loads. */
function rewardData(name: string, rows: unknown[], mentions: string[]): Case {
  return {
    name,
    task: "reward",
    setUp(f) {
      const data = f.file(`${name.replace(/\W+/g, "_")}.jsonl`, jsonl(rows));
      const { config, outputDir } = rewardConfig(f, name.replace(/\W+/g, "_"), {
        train_data: data,
      });
      return {
        args: ["--config", config],
        mentions: [data, ...mentions],
        absent: [outputDir],
      };
    },
  };
}

export const REWARD_CASES: Case[] = [
  rewardData(
    "reward: a row without rejected",
    [{ prompt: "p", chosen: "a", rejected: "b" }, { prompt: "p", chosen: "a" }],
    ["line 2", 'field "rejected" is missing'],
  ),
  rewardData(
    "reward: a row without chosen",
    [{ prompt: "p", rejected: "b" }],
    ["line 1", 'field "chosen" is missing'],
  ),
  rewardData(
    "reward: identical chosen and rejected",
    [{ prompt: "p", chosen: " same", rejected: " same" }],
    ["line 1", '"chosen" and "rejected" are identical'],
  ),
  {
    name: "reward: a negative center_rewards_coefficient",
    task: "reward",
    setUp(f) {
      const { config, outputDir } = rewardConfig(f, "negative_center", {
        center_rewards_coefficient: -0.01,
      });
      return {
        args: ["--config", config],
        mentions: [config, '"center_rewards_coefficient"'],
        absent: [outputDir],
      };
    },
  },
  {
    name: "grpo: a reward model trained on another tokenizer than the policy's",
    task: "grpo",
    setUp(f) {
      // The policy is tiny-base; the reward model is on the ChatML fixture model.
      const config = f.grpoConfig("foreign_rm.json", {
        model: DEFAULT_MODEL_DIR,
        rewards: [{ name: "reward_model", path: f.rewardModel }],
      });
      const outputDir = JSON.parse(Deno.readTextFileSync(config)).output_dir;
      return {
        args: ["--config", config],
        mentions: [
          config,
          '"rewards[0].path"',
          "differs from the policy's",
          "tiny-base",
          "/model)",
        ],
        absent: [outputDir],
      };
    },
  },
];
