/**
 * Math answers in completions: extraction, the gold answer of a dataset
 * row, and accuracy rewards (equivalence itself is in math_equiv.ts).
 *
 * ```ts
 * extractAnswer("…so she earns <answer>$1,080</answer>");  // { text: "$1,080", source: "answer_tag" }
 * mathAccuracyReward({ column: "answer", gold: "gsm8k" });  // 1, 0, or null
 * mathAccuracyReward({ column: "solution", gold: "boxed" }); // NuminaMath
 * ```
 *
 * A gold answer that cannot be read gives `null` (skipped), never a free
 * reward (finetuned-llama gave 1.0 when math_verify could not parse the gold).
 *
 * @module
 */
import { parseGsm8kAnswer } from "../data/gsm8k.ts";
import { extractTagged } from "../prompt/tags.ts";
import { lastBoxed } from "./latex.ts";
import {
  answersMatch,
  type AnswerValue,
  NUMBER_PATTERN,
  readAnswer,
  type Tolerance,
} from "./math_equiv.ts";
import {
  perSampleReward,
  requireColumn,
  type RewardFunction,
} from "./types.ts";

export {
  answersMatch,
  type AnswerValue,
  close,
  readAnswer,
  type Tolerance,
} from "./math_equiv.ts";

/** Where an extracted answer came from. */
export type AnswerSource =
  | "answer_tag"
  | "boxed"
  | "hashes"
  | "answer_is"
  | "last_number";

/** An answer found in a completion. */
export interface ExtractedAnswer {
  text: string;
  source: AnswerSource;
}

/**
 * The completion's final answer: the last `<answer>` block (its `\boxed`
 * content if it has one), else the last `\boxed{…}`, else the text after the
 * last `####`, else what follows the last "the answer is" / "answer:",
 * else the last number. Null when there is none.
 */
export function extractAnswer(text: string): ExtractedAnswer | null {
  const tagged = extractTagged(text, "answer", { last: true });
  if (tagged !== null && tagged !== "") {
    return { text: lastBoxed(tagged) ?? tagged, source: "answer_tag" };
  }
  const boxed = lastBoxed(text);
  if (boxed !== null) return { text: boxed.trim(), source: "boxed" };
  const hashes = [...text.matchAll(/####\s*([^\n]+)/g)].at(-1);
  if (hashes) return { text: hashes[1].trim(), source: "hashes" };
  const said = [...text.matchAll(/(?:answer is|answer:)\s*:?\s*([^\n]+)/gi)]
    .at(-1);
  if (said && said[1].trim()) {
    return { text: said[1].trim().replace(/\.$/, ""), source: "answer_is" };
  }
  const last = text.match(NUMBER_PATTERN)?.at(-1);
  return last ? { text: last, source: "last_number" } : null;
}

/** How the gold column is read. */
export type GoldFormat = "gsm8k" | "boxed" | "plain";

/**
 * The gold answer of a row, or null when it cannot be read: `"gsm8k"` —
 * the number after `####` (parseGsm8kAnswer); `"boxed"` — the last
 * `\boxed{…}` of a worked solution (NuminaMath's `solution`); `"plain"` —
 * the cell is the answer (a number or a string).
 */
export function readGold(
  value: unknown,
  format: GoldFormat,
): AnswerValue | null {
  if (format === "plain") {
    if (typeof value === "number") {
      return Number.isFinite(value)
        ? { kind: "number", value, percent: false }
        : null;
    }
    if (typeof value !== "string" || value.trim() === "") return null;
    return readAnswer(value);
  }
  if (typeof value !== "string") return null;
  if (format === "gsm8k") {
    try {
      return { kind: "number", value: parseGsm8kAnswer(value), percent: false };
    } catch {
      return null;
    }
  }
  if (format === "boxed") {
    const boxed = lastBoxed(value);
    return boxed === null || boxed.trim() === "" ? null : readAnswer(boxed);
  }
  throw new Error(`unknown gold format ${JSON.stringify(format)}`);
}

/** Options of the math accuracy rewards. */
export interface MathAccuracyOptions {
  /** Dataset column holding the gold (default "answer"). */
  column?: string;
  /** How to read it (default "gsm8k"; NuminaMath's `solution`: "boxed"). */
  gold?: GoldFormat;
  tolerance?: Tolerance;
  /** Metric name. */
  name?: string;
}

function goldOf(
  sample: Parameters<typeof requireColumn>[0],
  column: string,
  format: GoldFormat,
  name: string,
): AnswerValue | null {
  return readGold(requireColumn(sample, column, name), format);
}

/**
 * 1 when the completion's extracted answer equals the gold, 0 when it
 * differs or none is found, null when the gold cannot be read.
 */
export function mathAccuracyReward(
  options: MathAccuracyOptions = {},
): RewardFunction {
  const column = options.column ?? "answer";
  const format = options.gold ?? "gsm8k";
  const name = options.name ?? "math_accuracy";
  return perSampleReward({
    name,
    range: [0, 1],
    description:
      `1 when the final answer (answer tag, \\boxed, ####, "the answer is", last number) equals the gold in column "${column}" (${format}); null when the gold is unreadable`,
    scoreSample: (s) => {
      const gold = goldOf(s, column, format, name);
      if (gold === null) return null;
      const found = extractAnswer(s.completion);
      return found && answersMatch(found.text, gold, options.tolerance) ? 1 : 0;
    },
  });
}

/**
 * ee596-fp's partial accuracy: 1 when the predicted number is within 10 % of
 * a numeric gold (|p − g| ≤ 0.1·|g|; a gold of 0 needs p = 0), else 0; null
 * when the gold is not a number.
 */
export function mathPartialAccuracyReward(
  options: MathAccuracyOptions = {},
): RewardFunction {
  const column = options.column ?? "answer";
  const format = options.gold ?? "gsm8k";
  const name = options.name ?? "math_partial_accuracy";
  return perSampleReward({
    name,
    range: [0, 1],
    description:
      `1 when the final answer is a number within 10% of the numeric gold in column "${column}" (ee596-fp's partial accuracy), else 0`,
    scoreSample: (s) => {
      const gold = goldOf(s, column, format, name);
      if (gold === null || gold.kind !== "number") return null;
      const found = extractAnswer(s.completion);
      const p = found ? readAnswer(found.text) : null;
      if (p?.kind !== "number") return 0;
      return Math.abs(p.value - gold.value) <= 0.1 * Math.abs(gold.value)
        ? 1
        : 0;
    },
  });
}
