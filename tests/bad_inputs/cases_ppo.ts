/**
 * Bad inputs of `deno task ppo`, in the shape of cases.ts: PPOConfig fields
 * out of range or inconsistent, a value model that does not fit the
 * policy, and prompts that leave no room for response_length in the
 * model's context. Each fails before the output folder appears.
 *
 * @module
 */
import { DEFAULT_MODEL_DIR } from "../../lib/model/default_model.ts";
import type { Case } from "./cases.ts";
import { CONTEXT, type Fixtures } from "./fixtures.ts";

/** A valid PPO config on the fixture model, with `overrides`, and its output dir. */
function ppoConfig(
  f: Fixtures,
  name: string,
  overrides: Record<string, unknown>,
): { config: string; outputDir: string } {
  const outputDir = f.out(name);
  const config = f.file(`${name}.json`, {
    model: f.model,
    train_data: f.file(`${name}.prompts.json`, [{ prompt: "Say rain" }]),
    output_dir: outputDir,
    lora: { r: 2, lora_alpha: 4 },
    rewards: [{ name: "length", target: 10 }],
    per_device_train_batch_size: 2,
    response_length: 8,
    max_steps: 1,
    ...overrides,
  });
  return { config, outputDir };
}

/**
 * A PPO config case: `overrides` make it bad; the error names `mentions`,
 * and the config file when `fileNamed`.
 */
function ppoCase(
  name: string,
  overrides: (f: Fixtures) => Record<string, unknown>,
  mentions: (f: Fixtures) => string[],
  fileNamed = false,
): Case {
  return {
    name,
    task: "ppo",
    setUp(f) {
      const { config, outputDir } = ppoConfig(
        f,
        name.replace(/\W+/g, "_"),
        overrides(f),
      );
      return {
        args: ["--config", config],
        mentions: [...mentions(f), ...(fileNamed ? [config] : [])],
        absent: [outputDir],
      };
    },
  };
}

export const PPO_CASES: Case[] = [
  ppoCase(
    "ppo: cliprange 0",
    () => ({ cliprange: 0 }),
    () => ['"cliprange"', "greater than 0"],
    true,
  ),
  ppoCase(
    "ppo: num_mini_batches that does not divide the batch",
    () => ({ gradient_accumulation_steps: 2, num_mini_batches: 3 }),
    () => ['"num_mini_batches"', "must divide"],
    true,
  ),
  ppoCase(
    "ppo: a value model trained on another tokenizer than the policy's",
    (f) => ({ model: DEFAULT_MODEL_DIR, value_model_path: f.rewardModel }),
    (f) => ["value_model_path", f.rewardModel, "differs from the policy's"],
  ),
  ppoCase(
    "ppo: a value model folder without a score head",
    (f) => ({ value_model_path: f.model }),
    (f) => ["value_model_path", f.model, "score.weight"],
  ),
  ppoCase(
    "ppo: response_length that leaves no room for the prompt",
    () => ({ response_length: CONTEXT }),
    () => ["response_length", "no room for a prompt"],
  ),
];
