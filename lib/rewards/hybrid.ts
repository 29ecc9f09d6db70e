/**
 * A hybrid reward: explicit weights over trained and heuristic rewards, as
 * Gemma-Alignment-Paradigms combines them (c = α·heuristic + β·model), with
 * one normalisation and each component kept for the logs.
 *
 * ```
 * c     = Σ_i w_i · x_i        over the components that apply (TRL's nansum)
 * c'    = c, or (c − mean) / (std + 1e-8) over the batch   normalize
 * value = clamp(c', −clip, clip)                            clip (null: none)
 * ```
 *
 * Gemma-Alignment-Paradigms z-scores the combination and then z-scores the
 * rewards again as advantages, and its z-score of one sample is NaN
 * (alignment.md §1.6). Here a component's own normalisation is refused
 * inside a hybrid (registry.ts), the hybrid's is "none" unless asked, and
 * a lone sample normalises to 0. GRPO's group advantages are unchanged by
 * any batch-wide shift and positive scale of the rewards, so "batch" only
 * matters there with `scale_rewards: "none"` or with `clip`.
 *
 * Each component is logged as `rewards/<component>/mean` (through
 * `scoreWithParts`), the combination as `rewards/hybrid/mean`.
 *
 * @module
 */
import { type RewardNormalization, zScores } from "./reward_model.ts";
import {
  type RewardFunction,
  type RewardParts,
  type RewardSample,
  scoreRewards,
} from "./types.ts";

/** Settings of {@link hybridReward}. */
export interface HybridOptions {
  components: RewardFunction[];
  /** One finite weight per component. */
  weights: number[];
  normalize: RewardNormalization;
  /** Clamp the result to [−clip, clip] (Gemma-Alignment-Paradigms: 10); null: no clamp. */
  clip: number | null;
}

/** The hybrid of `options.components` (see the module doc). */
export function hybridReward(options: HybridOptions): RewardFunction {
  const { components, weights, normalize, clip } = options;
  if (components.length === 0 || weights.length !== components.length) {
    throw new Error(
      `hybridReward: ${weights.length} weights for ${components.length} components`,
    );
  }
  const scoreWithParts = async (
    samples: readonly RewardSample[],
  ): Promise<RewardParts> => {
    const scored = await scoreRewards(components, samples, weights);
    let values = scored.total;
    if (normalize === "batch") values = zScores(values);
    if (clip !== null) {
      values = values.map((v) =>
        v === null ? null : Math.min(clip, Math.max(-clip, v))
      );
    }
    return {
      values,
      parts: { names: scored.names, values: scored.values },
    };
  };
  return {
    name: "hybrid",
    range: hybridRange(options),
    description: `${
      components.map((c, i) => `${weights[i]}·${c.name}`).join(" + ")
    }${normalize === "batch" ? ", z-scored over the batch" : ""}${
      clip !== null ? `, clamped to ±${clip}` : ""
    }`,
    scoreWithParts,
    score: async (samples) => (await scoreWithParts(samples)).values,
  };
}

/** The range the combination can take, from its components' ranges. */
function hybridRange(o: HybridOptions): [number, number] {
  let lo = 0, hi = 0;
  if (o.normalize === "batch") [lo, hi] = [-Infinity, Infinity];
  else {
    o.components.forEach((c, i) => {
      const w = o.weights[i];
      if (w === 0) return;
      const ends = [w * c.range[0], w * c.range[1]];
      lo += Math.min(...ends);
      hi += Math.max(...ends);
    });
  }
  if (o.clip === null) return [lo, hi];
  const c = o.clip;
  const clamp = (x: number) => Math.min(c, Math.max(-c, x));
  return [clamp(lo), clamp(hi)];
}
