/**
 * One GRPO optimizer step: the step's completions split into micro-batches,
 * the policy loss (loss.ts) and its gradient per micro-batch, averaged,
 * clipped, and applied with AdamW; plus the reference and old-policy
 * log-probs the loss compares against.
 *
 * @module
 */
import { tf } from "../../engine/mod.ts";
import { GradientAccumulator } from "../accumulate.ts";
import { clipGradNorm } from "../clip.ts";
import type { TrainingSession } from "../session.ts";
import type { GrpoConfig } from "./config.ts";
import { policyLoss } from "./loss.ts";
import {
  policyLogProbs,
  type ScoringBatch,
  scoringBatch,
} from "./policy_logprobs.ts";
import type { Rollout } from "./rollout.ts";

/** A micro-batch of completions laid out for scoring. */
export interface MicroBatch {
  batch: ScoringBatch;
  /** Counted completion tokens [B × (L − 1)] (padding and masked completions are 0). */
  mask: Float32Array;
  /** Index of each row's rollout in the step. */
  rows: number[];
}

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
    const batch = scoringBatch(rows.map((i) => rollouts[i]), padId);
    const mask = batch.completionMask.slice();
    if (config.maskTruncatedCompletions) {
      rows.forEach((i, r) => {
        if (rollouts[i].truncated) {
          mask.fill(0, r * (batch.length - 1), (r + 1) * (batch.length - 1));
        }
      });
    }
    out.push({ batch, mask, rows });
  }
  return out;
}

export function referenceLogProbs(
  session: TrainingSession,
  micro: readonly MicroBatch[],
  config: GrpoConfig,
): tf.Tensor2D[] {
  if (!session.lora) {
    throw new Error(
      "beta > 0 needs a reference model: use LoRA (the reference is the base model with adapters disabled)",
    );
  }
  session.lora.disable();
  try {
    return micro.map((m) =>
      tf.tidy(() => policyLogProbs(session.model, m.batch, config.temperature))
    );
  } finally {
    session.lora.enable();
  }
}

export interface UpdateInputs {
  config: GrpoConfig;
  activeTokens: number;
  lr: number;
  refLogps: tf.Tensor2D[] | null;
  oldLogps: tf.Tensor2D[] | null;
  dropoutStep: number;
}

/** One optimizer step over the micro-batches; returns the loss statistics. */
export function updateStep(
  session: TrainingSession,
  micro: readonly MicroBatch[],
  advantages: Float64Array,
  u: UpdateInputs,
): Record<string, number> {
  const { model, lora, params, optimizer } = session;
  const names = new Map(params.map(([name, v]) => [v.name, name]));
  const vars = params.map(([, v]) => v);
  const accumulator = new GradientAccumulator();
  const totals = { loss: 0, kl: 0, low: 0, high: 0, region: 0 };
  lora?.train();
  micro.forEach((m, k) => {
    lora?.setDropoutStep(u.dropoutStep + k);
    const stats: tf.Scalar[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const logp = policyLogProbs(model, m.batch, u.config.temperature);
      const [b, l] = [m.batch.batch, m.batch.length - 1];
      const r = policyLoss({
        logp,
        oldLogp: u.oldLogps?.[k] ?? null,
        refLogp: u.refLogps?.[k] ?? null,
        advantages: tf.tensor1d(m.rows.map((i) => advantages[i])),
        mask: tf.tensor2d(m.mask, [b, l]),
      }, {
        lossType: u.config.lossType,
        epsilonLow: u.config.epsilon,
        epsilonHigh: u.config.epsilonHigh,
        beta: u.config.beta,
        maxCompletionLength: u.config.maxCompletionLength,
        activeTokensInStep: u.activeTokens,
        microBatches: micro.length,
      });
      stats.push(
        ...[r.kl, r.clipLow, r.clipHigh, r.clipRegion].map((t) => tf.keep(t)),
      );
      return r.loss;
    }, vars);
    const named = new Map<string, tf.Tensor>();
    for (const [id, g] of Object.entries(grads)) named.set(names.get(id)!, g);
    accumulator.add(named, 1);
    tf.dispose(Object.values(grads));
    // One read from the heap per micro-batch for all five statistics.
    const read = tf.tidy(() => tf.stack([value, ...stats]).dataSync());
    const [loss, kl, low, high, region] = read;
    totals.loss += loss;
    totals.kl += kl;
    totals.low += low;
    totals.high += high;
    totals.region += region;
    tf.dispose([value, ...stats]);
  });
  const { grads, norm } = clipGradNorm(
    accumulator.result(),
    u.config.maxGradNorm > 0 ? u.config.maxGradNorm : Infinity,
    { disposeInputs: true },
  );
  accumulator.dispose();
  optimizer.step(grads, u.lr);
  tf.dispose([...grads.values()]);
  const n = micro.length;
  return {
    loss: totals.loss / n,
    grad_norm: norm,
    ...(u.config.beta !== 0 ? { kl: totals.kl / n } : {}),
    "clip_ratio/low_mean": totals.low / n,
    "clip_ratio/high_mean": totals.high / n,
    "clip_ratio/region_mean": totals.region / n,
  };
}

/** Sum of an array's values. */
export function sum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s;
}
