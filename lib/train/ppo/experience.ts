/**
 * One PPO update's experience: the sampled completions with, per
 * completion token, the sampling policy's and the reference's log-probs,
 * the value model's values, the KL, the rewards, GAE's advantages
 * (whitened over the batch) and returns — computed once, without
 * gradients, in forward passes of `local_rollout_forward_batch_size`
 * sequences — and the micro-batches the loss reads them from.
 *
 * Every array of a completion covers its own tokens t = 0 … n − 1, where
 * token t of row r sits on the log-prob grid [B × (L − 1)] at
 * r·(L − 1) + |prompt| − 1 + t (position |prompt| − 1 + t predicts it).
 *
 * @module
 */
import { tf } from "../../engine/mod.ts";
import { promptCompletionBatch, type TokenBatch } from "../../model/batch.ts";
import { scoreBatch } from "../../model/score.ts";
import type { SequenceClassifier } from "../../model/sequence_classifier.ts";
import type { CausalLM } from "../../model/decoder.ts";
import { type Rollout, rolloutSupport } from "../rollout.ts";
import type { TokenSupport } from "../../model/token_support.ts";
import { gae, klPerToken, tokenRewards, whiten } from "./advantages.ts";
import type { PpoConfig } from "./config.ts";
import type { PolicyReference } from "./reference.ts";

/** One completion's per-token numbers. */
export interface Experience {
  rollout: Rollout;
  /** The reward of the whole completion (after missing_eos_penalty). */
  score: number;
  logps: Float64Array;
  refLogps: Float64Array;
  values: Float64Array;
  kl: Float64Array;
  rewards: Float64Array;
  advantages: Float64Array;
  returns: Float64Array;
}

/** What experience is computed with. */
export interface ExperienceModels {
  policy: CausalLM;
  reference: PolicyReference;
  value: SequenceClassifier;
  padId: number;
}

/** The settings the experience is computed with. */
export type ExperienceSettings = Pick<
  PpoConfig,
  | "localRolloutForwardBatchSize"
  | "temperature"
  | "klEstimator"
  | "klCoef"
  | "whitenRewards"
  | "gamma"
  | "lam"
>;

/** Per-token log-probs, values, KL, rewards, advantages and returns of the rollouts. */
export function collectExperience(
  rollouts: readonly Rollout[],
  scores: readonly number[],
  models: ExperienceModels,
  config: ExperienceSettings,
): Experience[] {
  const chunk = config.localRolloutForwardBatchSize;
  const per: Record<"logps" | "refLogps" | "values", Float64Array>[] = rollouts
    .map(() => ({
      logps: new Float64Array(),
      refLogps: new Float64Array(),
      values: new Float64Array(),
    }));
  for (let start = 0; start < rollouts.length; start += chunk) {
    const rows = rollouts.slice(start, start + chunk);
    const batch = promptCompletionBatch(rows, models.padId);
    const t = config.temperature;
    // Constrained draws are scored under the distribution they came from.
    const support = rolloutSupport(rows, batch);
    const grids = {
      logps: scoreBatch(models.policy, batch, { temperature: t, support }),
      refLogps: models.reference.logProbs(batch, t, support),
      values: valueGrid(models.value, batch),
    };
    rows.forEach((r, k) => {
      for (const key of ["logps", "refLogps", "values"] as const) {
        per[start + k][key] = completionSlice(grids[key], batch, k, r);
      }
    });
  }
  const kl = per.map((p) =>
    klPerToken(p.logps, p.refLogps, config.klEstimator)
  );
  let rewards = kl.map((k, i) => tokenRewards(k, config.klCoef, scores[i]));
  if (config.whitenRewards) rewards = whiten(rewards, false);
  const estimates = rewards.map((r, i) =>
    gae(r, per[i].values, config.gamma, config.lam)
  );
  const advantages = whiten(estimates.map((e) => e.advantages), true);
  return rollouts.map((rollout, i) => ({
    rollout,
    score: scores[i],
    ...per[i],
    kl: kl[i],
    rewards: rewards[i],
    advantages: advantages[i],
    returns: estimates[i].returns,
  }));
}

/** A micro-batch laid out for the loss: the batch and its host grids [B × (L − 1)]. */
export interface PpoMicroBatch {
  batch: TokenBatch;
  oldLogps: Float32Array;
  advantages: Float32Array;
  oldValues: Float32Array;
  returns: Float32Array;
  /** 1 on completion tokens. */
  mask: Float32Array;
  /** What the sampler could draw at each position (constrained rollouts). */
  support?: TokenSupport;
}

/** The experience of `rows` as one micro-batch. */
export function microBatch(
  experience: readonly Experience[],
  padId: number,
): PpoMicroBatch {
  const rollouts = experience.map((e) => e.rollout);
  const batch = promptCompletionBatch(rollouts, padId);
  const support = rolloutSupport(rollouts, batch);
  const size = batch.batch * (batch.length - 1);
  const grid = () => new Float32Array(size);
  const out = {
    batch,
    oldLogps: grid(),
    advantages: grid(),
    oldValues: grid(),
    returns: grid(),
    mask: grid(),
    ...(support ? { support } : {}),
  };
  experience.forEach((e, r) => {
    const at = r * (batch.length - 1) + e.rollout.promptIds.length - 1;
    out.oldLogps.set(e.logps, at);
    out.advantages.set(e.advantages, at);
    out.oldValues.set(e.values, at);
    out.returns.set(e.returns, at);
    out.mask.fill(1, at, at + e.rollout.completionIds.length);
  });
  return out;
}

/** The value model's V at every next-token position, [B × (L − 1)], on the host. */
function valueGrid(value: SequenceClassifier, batch: TokenBatch): Float32Array {
  const values = tf.tidy(() =>
    tf.slice(value.tokenScores(batch), [0, 0], [batch.batch, batch.length - 1])
  );
  try {
    return new Float32Array(values.dataSync());
  } finally {
    values.dispose();
  }
}

/** Row `k`'s completion tokens out of a [B × (L − 1)] grid. */
function completionSlice(
  grid: Float32Array,
  batch: TokenBatch,
  k: number,
  r: Rollout,
): Float64Array {
  const at = k * (batch.length - 1) + r.promptIds.length - 1;
  return Float64Array.from(grid.subarray(at, at + r.completionIds.length));
}
