/**
 * A task's rows, written as the files the stages train on: SFT
 * conversations (user turn → reference answer), conversational preference
 * pairs (DPO and the reward model) and prompts (PPO and GRPO, which see the
 * user turn only, never the reference answer: the reference project fed its
 * rollouts the SFT row, answer included, §1.13).
 *
 * @module
 */
import { readSafetyJsonl, type SafetyRow } from "../../data/safety_rows.ts";
import { writeJsonl } from "../../util/json_files.ts";
import { repoPath } from "../../util/paths.ts";
import { assistantTurn, evalSubset, safetyPrompt } from "../safety/settings.ts";
import { conversationalPair } from "../safety/train.ts";
import type { ResolvedExperiment } from "./load.ts";

/** The stage files of a run (in its checkpoint folder). */
export interface TaskFiles {
  /** `{messages}` conversations: train, and held-out for eval_loss. */
  sft: string;
  evalSft: string;
  /** Conversational pairs `{prompt, chosen, rejected}`; null when the task has none. */
  trainPairs: string | null;
  evalPairs: string | null;
  /** How many train and held-out rows were written. */
  trainRows: number;
  evalRows: number;
}

/** Rows of `--debug` runs: train, and held-out (half harmful, half benign). */
export const DEBUG_ROWS = { train: 8, eval: 4 } as const;

/** The folder holding `{task}/train.jsonl` and `eval.jsonl`. */
export function datasetFolder(config: ResolvedExperiment): string {
  return `${config.datasetPath ?? repoPath("data")}/${config.task}`;
}

/** Reads the task's rows (all, or `--debug`'s few). */
export function taskRows(
  config: ResolvedExperiment,
): { train: SafetyRow[]; held: SafetyRow[] } {
  const folder = datasetFolder(config);
  const train = readSafetyJsonl(`${folder}/train.jsonl`);
  const held = readSafetyJsonl(`${folder}/eval.jsonl`);
  return config.debug
    ? {
      train: evalSubset(train, DEBUG_ROWS.train),
      held: evalSubset(held, DEBUG_ROWS.eval),
    }
    : { train, held };
}

/** Writes the stage files of `config`'s task into `dir`. */
export async function writeTaskFiles(
  config: ResolvedExperiment,
  dir: string,
): Promise<TaskFiles> {
  const { train, held } = taskRows(config);
  await Deno.mkdir(dir, { recursive: true });
  const conversation = (r: SafetyRow) => ({
    messages: [...safetyPrompt(r.prompt), ...assistantTurn(r.chosen)],
  });
  const files: TaskFiles = {
    sft: `${dir}/sft.jsonl`,
    evalSft: `${dir}/eval_sft.jsonl`,
    trainPairs: `${dir}/train_pairs.jsonl`,
    evalPairs: `${dir}/eval_pairs.jsonl`,
    trainRows: train.length,
    evalRows: held.length,
  };
  await writeJsonl(files.sft, train.map(conversation));
  await writeJsonl(files.evalSft, held.map(conversation));
  await writeJsonl(files.trainPairs!, train.map(conversationalPair));
  await writeJsonl(files.evalPairs!, held.map(conversationalPair));
  return files;
}
