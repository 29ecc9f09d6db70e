/**
 * One DPO optimizer step, and the same loss measured without a step
 * (evaluation): each micro-batch of pairs goes through the policy once
 * (batch.ts), its loss and TRL's statistics come from loss.ts, and the
 * shared step (lib/train/step.ts) accumulates, clips and applies AdamW.
 * Every micro-batch weighs 1: TRL's loss is a mean per micro-batch, and
 * gradient accumulation averages the micro-batches.
 *
 * `logits/chosen` is the chosen completions' mean over tokens of the
 * vocabulary-mean logit, per micro-batch (TRL's token-weighted mean within
 * a batch).
 *
 * @module
 */
import { tf } from "../../engine/mod.ts";
import type { CausalLM } from "../../model/decoder.ts";
import { optimizerStep, type StepTarget } from "../step.ts";
import { completionSums, halves, type PairBatch } from "./batch.ts";
import { dpoLoss, type DpoLossOptions } from "./loss.ts";

/** What the step needs besides the batches. */
export interface DpoStepContext extends StepTarget {
  model: CausalLM;
  /** Clip the global gradient norm to this (0: no clipping). */
  maxGradNorm: number;
  loss: DpoLossOptions;
}

/** The loss of one micro-batch and its statistics under TRL's names. */
function batchLoss(
  model: CausalLM,
  batch: PairBatch,
  reference: Float32Array,
  options: DpoLossOptions,
): { loss: tf.Scalar; stats: Record<string, tf.Scalar> } {
  return tf.tidy(() => {
    const sums = completionSums(model, batch);
    const [chosenLogps, rejectedLogps] = halves(sums.logps);
    const [refChosen, refRejected] = halves(tf.tensor1d(reference));
    const [chosenLengths, rejectedLengths] = halves(tf.tensor1d(batch.lengths));
    const { loss, terms: _terms, ...stats } = dpoLoss({
      chosenLogps,
      rejectedLogps,
      refChosenLogps: refChosen,
      refRejectedLogps: refRejected,
      chosenLengths,
      rejectedLengths,
    }, options);
    const [chosenLogits, rejectedLogits] = halves(sums.meanLogits);
    const tokenMean = (total: tf.Tensor, n: tf.Tensor) =>
      tf.div(tf.sum(total), tf.maximum(tf.sum(n), 1)) as tf.Scalar;
    return {
      loss,
      stats: {
        ...stats,
        "logits/chosen": tokenMean(chosenLogits, chosenLengths),
        "logits/rejected": tokenMean(rejectedLogits, rejectedLengths),
      },
    };
  });
}

/**
 * Runs one optimizer step over `batches` (the micro-batches of gradient
 * accumulation) with their reference sums; returns `loss`, `grad_norm`
 * and TRL's DPO statistics, each the mean over the micro-batches.
 */
export function dpoStep(
  ctx: DpoStepContext,
  batches: readonly PairBatch[],
  references: readonly Float32Array[],
  lr: number,
  dropoutStep: number,
): Record<string, number> {
  const r = optimizerStep(ctx, {
    microBatches: batches,
    loss: (batch, k) => {
      const { loss, stats } = batchLoss(
        ctx.model,
        batch,
        references[k],
        ctx.loss,
      );
      return { loss, weight: 1, stats };
    },
    lr,
    maxGradNorm: ctx.maxGradNorm,
    dropoutStep,
  });
  return { loss: r.loss, grad_norm: r.gradNorm, ...r.stats };
}

/**
 * The loss and statistics of `batch` without gradients (evaluation), read
 * to the host.
 */
export function measureBatch(
  model: CausalLM,
  batch: PairBatch,
  reference: Float32Array,
  options: DpoLossOptions,
): Record<string, number> {
  const { loss, stats } = batchLoss(model, batch, reference, options);
  const names = ["loss", ...Object.keys(stats)];
  const tensors = [loss, ...Object.values(stats)];
  try {
    const values = tf.tidy(() => tf.stack(tensors).dataSync());
    return Object.fromEntries(names.map((n, i) => [n, values[i]]));
  } finally {
    tf.dispose(tensors);
  }
}
