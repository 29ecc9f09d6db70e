/**
 * The study's three tasks as rows of one shape — a user turn, the
 * reference answer, and for safety the rejected answer — and the files the
 * stages train on: SFT conversations (user turn → reference answer),
 * conversational preference pairs (DPO and the reward model; safety only)
 * and prompts (PPO and GRPO, which see the user turn alone, never the
 * reference answer: the reference project fed its rollouts the SFT row,
 * answer included, alignment.md §1.13).
 *
 * | task       | rows (data/<task>/)                       | user turn (the reference project's)           |
 * | ---------- | ----------------------------------------- | --------------------------------------------- |
 * | `safety`   | prompt, chosen, rejected (+ kind)         | the prompt                                    |
 * | `clinical` | dialogue, summary                         | `Summarize this medical dialogue:\n{dialogue}` |
 * | `conala`   | intent, snippet                           | `Write Python code: {intent}`                 |
 *
 * @module
 */
import { readClinicalJsonl } from "../../data/clinical_rows.ts";
import { readConalaJsonl } from "../../data/conala_rows.ts";
import { readSafetyJsonl, type SafetyRow } from "../../data/safety_rows.ts";
import { writeJsonl } from "../../util/json_files.ts";
import { repoPath } from "../../util/paths.ts";
import { assistantTurn, evalSubset, safetyPrompt } from "../safety/settings.ts";
import { TASKS_WITH_PAIRS } from "./config.ts";
import type { ResolvedExperiment } from "./load.ts";

/** One row of any task. */
export interface TaskRow {
  id: string;
  /** The user turn. */
  user: string;
  /** The reference answer (SFT's target; ROUGE's and BLEU's reference). */
  answer: string;
  /** The dispreferred answer, for tasks with preference pairs (safety). */
  rejected?: string;
  /** Safety rows: harmful or benign (refusal vs over-refusal). */
  kind?: SafetyRow["kind"];
}

/** The stage files of a run (in its checkpoint folder). */
export interface TaskFiles {
  /** `{messages}` conversations: train, and held-out for eval_loss. */
  sft: string;
  evalSft: string;
  /** `{prompt}` conversational prompts of the train rows (PPO, GRPO). */
  prompts: string;
  /** Conversational pairs `{prompt, chosen, rejected}`; null when the task has none. */
  trainPairs: string | null;
  evalPairs: string | null;
  /** How many train and held-out rows were written. */
  trainRows: number;
  evalRows: number;
}

/** Rows of `--debug` runs: train, and held-out (safety: half harmful, half benign). */
export const DEBUG_ROWS = { train: 8, eval: 4 } as const;

/** The folder holding `{task}/train.jsonl` and `eval.jsonl`. */
export function datasetFolder(config: ResolvedExperiment): string {
  return `${config.datasetPath ?? repoPath("data")}/${config.task}`;
}

/** Reads one split file of `task` as task rows. */
export function readTaskRows(
  task: ResolvedExperiment["task"],
  path: string,
): TaskRow[] {
  if (task === "clinical") {
    return readClinicalJsonl(path).map((r) => ({
      id: r.id,
      user: `Summarize this medical dialogue:\n${r.dialogue}`,
      answer: r.summary,
    }));
  }
  if (task === "conala") {
    return readConalaJsonl(path).map((r) => ({
      id: r.id,
      user: `Write Python code: ${r.intent}`,
      answer: r.snippet,
    }));
  }
  return readSafetyJsonl(path).map((r) => ({
    id: r.id,
    user: r.prompt,
    answer: r.chosen,
    rejected: r.rejected,
    kind: r.kind,
  }));
}

/** The task's train and held-out rows (all, or `--debug`'s few). */
export function taskRows(
  config: ResolvedExperiment,
): { train: TaskRow[]; held: TaskRow[] } {
  const folder = datasetFolder(config);
  const train = readTaskRows(config.task, `${folder}/train.jsonl`);
  const held = readTaskRows(config.task, `${folder}/eval.jsonl`);
  if (!config.debug) return { train, held };
  // Safety keeps both kinds of prompt even in a few rows.
  const few = (rows: TaskRow[], n: number) =>
    config.task === "safety"
      ? evalSubset(rows as (TaskRow & Pick<SafetyRow, "kind">)[], n)
      : rows.slice(0, n);
  return {
    train: few(train, DEBUG_ROWS.train),
    held: few(held, DEBUG_ROWS.eval),
  };
}

/** Writes the stage files of `config`'s task into `dir`. */
export async function writeTaskFiles(
  config: ResolvedExperiment,
  dir: string,
): Promise<TaskFiles> {
  const { train, held } = taskRows(config);
  await Deno.mkdir(dir, { recursive: true });
  const conversation = (r: TaskRow) => ({
    messages: [...safetyPrompt(r.user), ...assistantTurn(r.answer)],
  });
  const pair = (r: TaskRow) => ({
    id: r.id,
    prompt: safetyPrompt(r.user),
    chosen: assistantTurn(r.answer),
    rejected: assistantTurn(r.rejected!),
  });
  const pairs = TASKS_WITH_PAIRS.includes(config.task);
  const files: TaskFiles = {
    sft: `${dir}/sft.jsonl`,
    evalSft: `${dir}/eval_sft.jsonl`,
    prompts: `${dir}/prompts.jsonl`,
    trainPairs: pairs ? `${dir}/train_pairs.jsonl` : null,
    evalPairs: pairs ? `${dir}/eval_pairs.jsonl` : null,
    trainRows: train.length,
    evalRows: held.length,
  };
  await writeJsonl(files.sft, train.map(conversation));
  await writeJsonl(files.evalSft, held.map(conversation));
  await writeJsonl(
    files.prompts,
    train.map((r) => ({ id: r.id, prompt: safetyPrompt(r.user) })),
  );
  if (files.trainPairs && files.evalPairs) {
    await writeJsonl(files.trainPairs, train.map(pair));
    await writeJsonl(files.evalPairs, held.map(pair));
  }
  return files;
}
