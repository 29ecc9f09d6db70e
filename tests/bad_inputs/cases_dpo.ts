/**
 * Bad inputs of `deno task dpo`, in the shape of cases.ts: config fields
 * (β ≤ 0, loss types and weights, TRL fields it does not take) and
 * preference files (a side missing, identical sides, wrong types, no pairs,
 * prompts that fill max_length). Each ends in one line naming the field, or
 * the file and line, and leaves no output folder.
 *
 * @module
 */
import type { Case } from "./cases.ts";
import { type Fixtures, jsonl } from "./fixtures.ts";

const user = (content: string) => [{ role: "user", content }];
const assistant = (content: string) => [{ role: "assistant", content }];

/** Two good conversational pairs. */
const PAIRS = ["rain", "snow"].map((t) => ({
  prompt: user(`Write about ${t}`),
  chosen: assistant(`the ${t} is calm`),
  rejected: assistant("no"),
}));

/** A valid DPO config on the fixture model, with `overrides`, written as `name`. */
function dpoConfig(
  f: Fixtures,
  name: string,
  overrides: Record<string, unknown> = {},
): { path: string; outputDir: string } {
  const outputDir = f.out(name);
  const path = f.file(name, {
    model: f.model,
    train_data: f.file(`${name}.pairs.jsonl`, jsonl(PAIRS)),
    output_dir: outputDir,
    lora: { r: 2, lora_alpha: 4, target_modules: ["q_proj", "v_proj"] },
    per_device_train_batch_size: 2,
    max_steps: 1,
    ...overrides,
  });
  return { path, outputDir };
}

/** A DPO config case: `overrides` on a valid config. */
function dpoField(
  name: string,
  overrides: Record<string, unknown>,
  mentions: string[],
): Case {
  return {
    name,
    task: "dpo",
    setUp(f) {
      const { path, outputDir } = dpoConfig(
        f,
        `${name.replace(/\W+/g, "_")}.json`,
        overrides,
      );
      return {
        args: ["--config", path],
        mentions: [path, ...mentions],
        absent: [outputDir],
      };
    },
  };
}

/** A DPO run on a pairs file. */
function dpoData(
  name: string,
  fileName: string,
  content: string,
  mentions: string[],
  overrides: Record<string, unknown> = {},
): Case {
  return {
    name,
    task: "dpo",
    setUp(f) {
      const data = f.file(fileName, content);
      const { path, outputDir } = dpoConfig(f, `${fileName}.config.json`, {
        train_data: data,
        ...overrides,
      });
      return {
        args: ["--config", path],
        mentions: [data, ...mentions],
        // The file is named once, not wrapped again by the trainer.
        not: [`${data}: ${data}`],
        absent: [outputDir],
      };
    },
  };
}

export const DPO_CASES: Case[] = [
  dpoField("dpo: beta 0", { beta: 0 }, ['"beta" must be greater than 0']),
  dpoField("dpo: negative beta", { beta: -0.1 }, ['"beta"', "-0.1"]),
  dpoField("dpo: unknown loss_type", { loss_type: ["sigmoid", "dpop"] }, [
    '"loss_type"',
    '"dpop"',
  ]),
  dpoField(
    "dpo: loss_weights not one per loss_type",
    { loss_type: ["sigmoid", "sft"], loss_weights: [1, 0.5, 2] },
    ['"loss_weights"', "3 weights for 2 loss types"],
  ),
  dpoField("dpo: robust with label_smoothing 0.5", {
    loss_type: "robust",
    label_smoothing: 0.5,
  }, ['"label_smoothing"', "robust"]),
  dpoField("dpo: rpo_alpha (removed from TRL)", { rpo_alpha: 1 }, [
    '"rpo_alpha"',
  ]),
  dpoData(
    "dpo: a row without rejected",
    "norejected.jsonl",
    jsonl([PAIRS[0], { prompt: "p", chosen: "a" }]),
    ["line 2", '"rejected" is missing'],
  ),
  dpoData(
    "dpo: a row without chosen",
    "nochosen.jsonl",
    jsonl([{ prompt: "p", rejected: "b" }]),
    ["line 1", '"chosen" is missing'],
  ),
  dpoData(
    "dpo: identical chosen and rejected",
    "identical.jsonl",
    jsonl([PAIRS[0], { ...PAIRS[1], rejected: PAIRS[1].chosen }]),
    ["line 2", '"chosen" and "rejected" are identical'],
  ),
  dpoData(
    "dpo: chosen a number",
    "dpo_types.jsonl",
    jsonl([{ prompt: "p", chosen: 3, rejected: "b" }]),
    ["line 1", '"chosen" must be a string or a list'],
  ),
  dpoData("dpo: empty pairs file", "nopairs.jsonl", "", [
    "no preference pairs",
  ]),
  dpoData(
    "dpo: every prompt fills max_length",
    "longprompts.jsonl",
    jsonl(PAIRS),
    ["max_length (8 tokens)", "no pair is left"],
    { max_length: 8 },
  ),
];
