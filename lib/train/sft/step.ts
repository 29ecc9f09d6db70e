/**
 * One SFT optimizer step: the causal-LM loss of each micro-batch, weighted
 * by its target tokens in the shared step (lib/train/step.ts), so a
 * micro-batch with more assistant tokens counts for more, as one big batch
 * would.
 *
 * @module
 */
import type { CausalLM } from "../../model/decoder.ts";
import { attendedTokens, type TokenBatch } from "../../model/batch.ts";
import { causalLmLoss } from "../lm_loss.ts";
import { optimizerStep, type StepTarget } from "../step.ts";

/** What the step needs besides the batches. */
export interface SftStepContext extends StepTarget {
  model: CausalLM;
  /** Clip the global gradient norm to this (0: no clipping). */
  maxGradNorm: number;
}

/** Measurements of one step. */
export interface SftStepResult {
  /** Token-weighted mean loss over the step's micro-batches. */
  loss: number;
  /** Target (trained) tokens. */
  targets: number;
  /** Attended (non-padding) tokens. */
  tokens: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

/**
 * Runs one optimizer step over `batches` (the micro-batches of gradient
 * accumulation) at learning rate `lr`. `dropoutStep` numbers the first
 * micro-batch's forward pass for seeded LoRA dropout.
 */
export function sftStep(
  ctx: SftStepContext,
  batches: readonly TokenBatch[],
  lr: number,
  dropoutStep: number,
): SftStepResult {
  const r = optimizerStep(ctx, {
    microBatches: batches,
    loss: (batch) => {
      const { loss, tokens } = causalLmLoss(ctx.model, batch);
      return { loss, weight: tokens };
    },
    lr,
    maxGradNorm: ctx.maxGradNorm,
    dropoutStep,
  });
  return {
    loss: r.loss,
    targets: r.totalWeight,
    tokens: batches.reduce((n, b) => n + attendedTokens(b), 0),
    gradNorm: r.gradNorm,
  };
}
