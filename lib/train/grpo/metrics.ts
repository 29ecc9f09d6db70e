/**
 * GRPO's logged statistics under TRL's names: per-reward means and standard
 * deviations, completion lengths and truncation, and the completions table.
 *
 * @module
 */
import type { RewardSample } from "../../rewards/types.ts";
import { std } from "./advantages.ts";
import type { Rollout } from "../rollout.ts";

/** One row of the completions table. */
export interface CompletionRow {
  step: number;
  prompt: string;
  completion: string;
  reward: number | null;
  advantage: number;
  [reward: string]: string | number | null;
}

/** `rewards/<name>/mean` and `/std` over the samples each function scored. */
export function rewardColumns(
  names: readonly string[],
  values: readonly (number | null)[][],
): Record<string, number> {
  const out: Record<string, number> = {};
  names.forEach((name, f) => {
    const scored = values[f].filter((v): v is number => v !== null);
    out[`rewards/${name}/mean`] = mean(scored);
    out[`rewards/${name}/std`] = std(scored);
  });
  return out;
}

/** TRL's `completions/*` statistics and `num_tokens`. */
export function completionStats(
  rollouts: readonly Rollout[],
): Record<string, number> {
  const lengths = rollouts.map((r) => r.completionIds.length);
  const terminated = rollouts.filter((r) => !r.truncated).map((r) =>
    r.completionIds.length
  );
  return {
    "completions/mean_length": mean(lengths),
    "completions/min_length": Math.min(...lengths),
    "completions/max_length": Math.max(...lengths),
    "completions/clipped_ratio": rollouts.filter((r) => r.truncated).length /
      rollouts.length,
    "completions/mean_terminated_length": terminated.length
      ? mean(terminated)
      : 0,
    num_tokens: rollouts.reduce(
      (n, r) => n + r.promptIds.length + r.completionIds.length,
      0,
    ),
  };
}

/** The completions table of one step. */
export function completionRows(
  step: number,
  rollouts: readonly Rollout[],
  samples: readonly RewardSample[],
  names: readonly string[],
  values: readonly (number | null)[][],
  totals: readonly number[],
  advantages: Float64Array,
): CompletionRow[] {
  return rollouts.map((r, i) => {
    const prompt = samples[i].prompt;
    const row: CompletionRow = {
      step,
      prompt: typeof prompt === "string" ? prompt : prompt.at(-1)!.content,
      completion: r.text,
      reward: Number.isNaN(totals[i]) ? null : totals[i],
      advantage: advantages[i],
    };
    names.forEach((name, f) => (row[`reward/${name}`] = values[f][i]));
    return row;
  });
}

/** Mean of the non-NaN values (NaN when there are none). */
export function mean(values: readonly number[]): number {
  const finite = values.filter((v) => !Number.isNaN(v));
  return finite.length
    ? finite.reduce((a, b) => a + b, 0) / finite.length
    : NaN;
}
