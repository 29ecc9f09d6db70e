/**
 * GRPO's group-relative advantages, as TRL computes them.
 *
 * Completions come in groups of G (one group per prompt, consecutive). Each
 * completion's reward is compared with its own group's mean:
 *
 *   Â_i = (r_i − mean(r_group)) / (std + 1e-4)
 *
 * where std is the group's (scale_rewards "group", TRL's default), the whole
 * batch's ("batch"), or 1 with no division ("none"). Standard deviations are
 * the unbiased (n − 1) kind, as torch's `.std()`. A reward of NaN (every
 * reward function returned null for that completion) gives a zero advantage.
 *
 * @module
 */

/** How rewards are scaled before becoming advantages. */
export type ScaleRewards = "group" | "batch" | "none";

/** Advantages and the statistics TRL logs alongside them. */
export interface GroupAdvantages {
  advantages: Float64Array;
  /** Mean of the per-group reward standard deviations (TRL's `reward_std`). */
  rewardStd: number;
  /** Share of groups whose rewards are all equal (no learning signal). */
  fracZeroStd: number;
}

const EPS = 1e-4;

/** Group-relative advantages of `rewards` (length a multiple of `groupSize`). */
export function groupAdvantages(
  rewards: ArrayLike<number>,
  groupSize: number,
  scale: ScaleRewards = "group",
): GroupAdvantages {
  const n = rewards.length;
  if (!Number.isInteger(groupSize) || groupSize < 1) {
    throw new Error(
      `groupAdvantages: group size must be ≥ 1, got ${groupSize}`,
    );
  }
  if (n % groupSize !== 0) {
    throw new Error(
      `groupAdvantages: ${n} rewards do not split into groups of ${groupSize}`,
    );
  }
  const groups = n / groupSize;
  const advantages = new Float64Array(n);
  const groupStds: number[] = [];
  let zeroStd = 0;
  const batchStd = std(Array.from(rewards).filter((r) => !Number.isNaN(r)));
  for (let g = 0; g < groups; g++) {
    const values = Array.from(
      { length: groupSize },
      (_, i) => rewards[g * groupSize + i],
    );
    const finite = values.filter((r) => !Number.isNaN(r));
    const mean = finite.reduce((a, b) => a + b, 0) / Math.max(1, finite.length);
    const s = std(finite);
    groupStds.push(s);
    if (finite.length === 0 || Math.abs(s) < 1e-8) zeroStd++;
    const divisor = scale === "group"
      ? s + EPS
      : scale === "batch"
      ? batchStd + EPS
      : 1;
    values.forEach((r, i) => {
      advantages[g * groupSize + i] = Number.isNaN(r)
        ? 0
        : (r - mean) / divisor;
    });
  }
  return {
    advantages,
    rewardStd: groupStds.reduce((a, b) => a + b, 0) / groups,
    fracZeroStd: zeroStd / groups,
  };
}

/** Unbiased standard deviation (0 for fewer than two values). */
export function std(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const ss = values.reduce((a, b) => a + (b - mean) ** 2, 0);
  return Math.sqrt(ss / (values.length - 1));
}
