/**
 * The GRPO update: the step's completions split into micro-batches, the
 * reference and old-policy log-probs the loss compares against (host
 * values, computed once per generation), and the optimizer step on the
 * policy loss (loss.ts) through the shared step (lib/train/step.ts), with
 * every micro-batch weighted 1: the loss is already normalised per
 * micro-batch by its `loss_type`.
 *
 * @module
 */
import { tf } from "../../engine/mod.ts";
import {
  promptCompletionBatch,
  targetMask,
  type TokenBatch,
} from "../../model/batch.ts";
import { batchLogProbs } from "../../model/logprobs.ts";
import type { TokenSupport } from "../../model/token_support.ts";
import { scoreBatch } from "../../model/score.ts";
import type { TrainingSession } from "../session.ts";
import { optimizerStep } from "../step.ts";
import type { GrpoConfig } from "./config.ts";
import { policyLoss } from "./loss.ts";
import { type Rollout, rolloutSupport } from "../rollout.ts";

/** A micro-batch of completions laid out for scoring. */
export interface MicroBatch {
  /** Prompt + completion per row; the completion tokens are the targets. */
  batch: TokenBatch;
  /** Counted completion tokens [B × (L − 1)] (padding and masked completions are 0). */
  mask: Float32Array;
  /** Index of each row's rollout in the step. */
  rows: number[];
  /** What the sampler could draw at each position (constrained rollouts). */
  support?: TokenSupport;
}

/** Splits the step's rollouts into micro-batches of `per_device_train_batch_size`. */
export function microBatches(
  rollouts: readonly Rollout[],
  config: GrpoConfig,
  padId: number,
): MicroBatch[] {
  const out: MicroBatch[] = [];
  for (let start = 0; start < rollouts.length; start += config.batchSize) {
    const rows = Array.from(
      { length: Math.min(config.batchSize, rollouts.length - start) },
      (_, i) => start + i,
    );
    const batch = promptCompletionBatch(rows.map((i) => rollouts[i]), padId);
    const mask = targetMask(batch).weights;
    if (config.maskTruncatedCompletions) {
      rows.forEach((i, r) => {
        if (rollouts[i].truncated) {
          mask.fill(0, r * (batch.length - 1), (r + 1) * (batch.length - 1));
        }
      });
    }
    const support = rolloutSupport(rows.map((i) => rollouts[i]), batch);
    out.push({ batch, mask, rows, ...(support ? { support } : {}) });
  }
  return out;
}

/** The model's log-probs of each micro-batch at the sampling temperature, on the host. */
function scoreMicroBatches(
  session: TrainingSession,
  micro: readonly MicroBatch[],
  config: GrpoConfig,
): Float32Array[] {
  return micro.map((m) =>
    scoreBatch(session.model, m.batch, {
      temperature: config.temperature,
      support: m.support,
    })
  );
}

/** log π_old per micro-batch: the policy as it sampled (before this generation's updates). */
export function oldLogProbs(
  session: TrainingSession,
  micro: readonly MicroBatch[],
  config: GrpoConfig,
): Float32Array[] {
  return scoreMicroBatches(session, micro, config);
}

/** log π_ref per micro-batch: the base model, i.e. the adapters disabled. */
export function referenceLogProbs(
  session: TrainingSession,
  micro: readonly MicroBatch[],
  config: GrpoConfig,
): Float32Array[] {
  if (!session.lora) {
    throw new Error(
      "beta > 0 needs a reference model: use LoRA (the reference is the base model with adapters disabled)",
    );
  }
  session.lora.disable();
  try {
    return scoreMicroBatches(session, micro, config);
  } finally {
    session.lora.enable();
  }
}

/** What one update needs besides the session and the micro-batches. */
export interface UpdateInputs {
  config: GrpoConfig;
  /** Counted completion tokens of the whole step (dapo's normaliser). */
  activeTokens: number;
  lr: number;
  refLogps: Float32Array[] | null;
  oldLogps: Float32Array[] | null;
  dropoutStep: number;
}

/**
 * One optimizer step over the micro-batches; returns `loss`, `grad_norm`
 * and the loss's statistics under TRL's names.
 */
export function updateStep(
  session: TrainingSession,
  micro: readonly MicroBatch[],
  advantages: Float64Array,
  u: UpdateInputs,
): Record<string, number> {
  const { config } = u;
  const r = optimizerStep(session, {
    microBatches: micro,
    loss: (m, k) => {
      const shape: [number, number] = [m.batch.batch, m.batch.length - 1];
      const host = (values: Float32Array[] | null) =>
        values ? tf.tensor2d(values[k], shape) : null;
      const { loss, ...stats } = policyLoss({
        logp: batchLogProbs(session.model, m.batch, {
          temperature: config.temperature,
          support: m.support,
        }),
        oldLogp: host(u.oldLogps),
        refLogp: host(u.refLogps),
        advantages: tf.tensor1d(m.rows.map((i) => advantages[i])),
        mask: tf.tensor2d(m.mask, shape),
      }, {
        lossType: config.lossType,
        epsilonLow: config.epsilon,
        epsilonHigh: config.epsilonHigh,
        beta: config.beta,
        maxCompletionLength: config.maxCompletionLength,
        activeTokensInStep: u.activeTokens,
        microBatches: micro.length,
      });
      return { loss, weight: 1, stats };
    },
    lr: u.lr,
    maxGradNorm: config.maxGradNorm,
    dropoutStep: u.dropoutStep,
  });
  return { loss: r.loss, grad_norm: r.gradNorm, ...r.stats };
}

/** Sum of an array's values. */
export function sum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s;
}
