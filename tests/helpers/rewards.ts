/** Reward functions for trainer tests, learnable by a tiny random model. */
import type { RewardFunction } from "../../lib/rewards/types.ts";

/**
 * Share of the completion's tokens with an even id: a random tiny model
 * scores ≈ 0.5 with real spread, and a policy can learn to raise it.
 */
export const evenTokens: RewardFunction = {
  name: "even",
  range: [0, 1],
  description: "share of completion tokens whose id is even",
  score: (samples) =>
    samples.map((s) => {
      const ids = s.completionIds ?? [];
      return ids.length
        ? ids.filter((t) => t % 2 === 0).length / ids.length
        : 0;
    }),
};
