/**
 * The math experiment's data: GSM8K-format rows read and validated (a bad
 * file is an error naming the file, line and field), the SFT targets built
 * from the worked answers, and the two training files written into the
 * run's checkpoints folder.
 *
 * ```ts
 * sftTarget("She buys 5 * 2 = $<<5*2=10>>10.\n#### 10", 10);
 * // "<think>\nShe buys 5 * 2 = $10.\n</think>\n<answer>10</answer>"
 * ```
 *
 * @module
 */
import { gsm8kRows } from "../../data/gsm8k.ts";
import { readRows } from "../../data/read.ts";
import { type StageData, writeStageData } from "../sft_then_grpo.ts";
import { type MathSettings, mathTaskPrompt } from "./settings.ts";

/** A validated problem: GSM8K's columns, the parsed final number, and its story template. */
export interface MathProblem {
  question: string;
  /** The worked answer ending in `#### n` (the gold column of the rewards). */
  answer: string;
  final: number;
  /** The generator's story kind, or "other" for files without one. */
  template: string;
}

/** Reads and validates a GSM8K-format file (JSONL, JSON, CSV or parquet). */
export async function readMathProblems(path: string): Promise<MathProblem[]> {
  let raw;
  try {
    raw = await readRows(path);
  } catch (error) {
    // The readers' errors name the file already (and its line).
    if ((error as Error).message.includes(path)) throw error;
    throw new Error(`${path}: ${(error as Error).message}`);
  }
  if (raw.length === 0) throw new Error(`${path}: no rows`);
  return gsm8kRows(raw, path).map((row, i) => ({
    question: row.question,
    answer: row.answer,
    final: row.final,
    template: typeof raw[i].template === "string"
      ? raw[i].template as string
      : "other",
  }));
}

/** GSM8K's calculator annotations `<<3*4=12>>` removed, leaving the prose and results. */
export function stripCalculatorAnnotations(text: string): string {
  return text.replace(/<<[^<>]*>>/g, "");
}

/** The worked steps of a GSM8K answer: annotations stripped, the `#### n` line dropped. */
export function workedSteps(answer: string): string {
  const at = answer.lastIndexOf("####");
  const body = at < 0 ? answer : answer.slice(0, at);
  return stripCalculatorAnnotations(body).trim();
}

/**
 * The SFT target of a problem, in the format the rewards check:
 * `<think>\n{steps}\n</think>\n<answer>{final}</answer>`.
 */
export function sftTarget(answer: string, final: number): string {
  return `<think>\n${workedSteps(answer)}\n</think>\n<answer>${final}</answer>`;
}

/** Writes the GRPO prompts (with the `answer` gold column) and the SFT pairs of the training problems into the checkpoints folder. */
export async function writeTrainingData(
  settings: MathSettings,
): Promise<StageData> {
  const problems = await readMathProblems(settings.trainData);
  return await writeStageData(
    settings.checkpointsDir,
    problems.map((p) => ({
      prompt: mathTaskPrompt(p.question),
      answer: p.answer,
      template: p.template,
    })),
    problems.map((p) => [...mathTaskPrompt(p.question), {
      role: "assistant",
      content: sftTarget(p.answer, p.final),
    }]),
  );
}
