/**
 * One reward-model optimizer step: each micro-batch's 2B rows (chosen
 * first) scored in one forward pass, the Bradley–Terry loss with margin
 * and centring (loss.ts) and TRL's statistics, through the shared step
 * (lib/train/step.ts) with weight 1 per micro-batch — TRL's loss is a
 * per-batch mean, averaged over gradient accumulation.
 *
 * @module
 */
import { attendedTokens } from "../../model/batch.ts";
import type { SequenceClassifier } from "../../model/sequence_classifier.ts";
import { optimizerStep, type StepResult, type StepTarget } from "../step.ts";
import type { PairBatch } from "./data.ts";
import { rewardLoss } from "./loss.ts";

/** What the step needs besides the batches. */
export interface RewardStepContext extends StepTarget {
  classifier: SequenceClassifier;
  /** Clip the global gradient norm to this (0: no clipping). */
  maxGradNorm: number;
  /** `center_rewards_coefficient` (null: off). */
  centerCoefficient: number | null;
}

/** The shared step's result and the step's attended tokens. */
export interface RewardStepResult extends StepResult {
  /** Real (attended) tokens of both sides, for TRL's num_tokens. */
  tokens: number;
}

/**
 * Runs one optimizer step over `micro` at learning rate `lr`;
 * `dropoutStep` numbers the first micro-batch for seeded LoRA dropout.
 */
export function rewardStep(
  ctx: RewardStepContext,
  micro: readonly PairBatch[],
  lr: number,
  dropoutStep: number,
): RewardStepResult {
  const result = optimizerStep(ctx, {
    microBatches: micro,
    loss: ({ batch, margins }) => {
      const r = rewardLoss(
        ctx.classifier.scores(batch),
        margins,
        ctx.centerCoefficient,
      );
      return { loss: r.loss, weight: 1, stats: r.stats };
    },
    lr,
    maxGradNorm: ctx.maxGradNorm,
    dropoutStep,
  });
  return {
    ...result,
    tokens: micro.reduce((n, m) => n + attendedTokens(m.batch), 0),
  };
}
