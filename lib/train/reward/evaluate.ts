/**
 * A reward model on held-out pairs, as TRL's RewardTrainer evaluates it:
 * batches of `per_device_eval_batch_size` pairs scored without gradients
 * or dropout; `loss` is the pair-weighted mean of the batch losses (the HF
 * evaluation loop repeats each batch's loss once per example), and
 * `accuracy`, `margin`, `min_reward`, `mean_reward`, `max_reward` are means
 * of the per-batch values (TRL's metric lists, averaged at log time). Each
 * pair's two scores come back as well, for intervals and tables.
 *
 * @module
 */
import { tf } from "../../engine/mod.ts";
import type { SequenceClassifier } from "../../model/sequence_classifier.ts";
import type { EncodedPair } from "../../prompt/preference.ts";
import { pairBatch } from "./data.ts";
import { rewardLoss } from "./loss.ts";

/** TRL's reward metrics over a set of pairs, and each pair's scores. */
export interface PairEvaluation {
  metrics: {
    loss: number;
    accuracy: number;
    margin: number;
    min_reward: number;
    mean_reward: number;
    max_reward: number;
  };
  /** Score of each pair's chosen and rejected sequence, in pair order. */
  chosen: number[];
  rejected: number[];
}

/** How to evaluate. */
export interface EvaluateOptions {
  batchSize: number;
  padId: number;
  /** `center_rewards_coefficient` (null: off), so eval_loss is the training loss. */
  centerCoefficient: number | null;
}

/** Scores `pairs` (switch LoRA dropout off first: `lora.eval()`). */
export function evaluatePairs(
  classifier: SequenceClassifier,
  pairs: readonly EncodedPair[],
  options: EvaluateOptions,
): PairEvaluation {
  if (pairs.length === 0) throw new Error("evaluatePairs: no pairs");
  const sums = {
    accuracy: 0,
    margin: 0,
    min_reward: 0,
    mean_reward: 0,
    max_reward: 0,
  };
  let lossSum = 0, batches = 0;
  const chosen: number[] = [], rejected: number[] = [];
  for (let start = 0; start < pairs.length; start += options.batchSize) {
    const slice = pairs.slice(start, start + options.batchSize);
    const { batch, margins } = pairBatch(slice, options.padId);
    const values = tf.tidy(() => {
      const scores = classifier.scores(batch);
      const r = rewardLoss(scores, margins, options.centerCoefficient);
      const s = r.stats;
      return tf.concat([
        tf.stack([
          r.loss,
          s.accuracy,
          s.margin,
          s.min_reward,
          s.mean_reward,
          s.max_reward,
        ]),
        scores,
      ]);
    });
    const read = values.dataSync();
    values.dispose();
    lossSum += read[0] * slice.length;
    sums.accuracy += read[1];
    sums.margin += read[2];
    sums.min_reward += read[3];
    sums.mean_reward += read[4];
    sums.max_reward += read[5];
    batches++;
    const scores = Array.from(read.subarray(6));
    chosen.push(...scores.slice(0, slice.length));
    rejected.push(...scores.slice(slice.length));
  }
  return {
    metrics: {
      loss: lossSum / pairs.length,
      accuracy: sums.accuracy / batches,
      margin: sums.margin / batches,
      min_reward: sums.min_reward / batches,
      mean_reward: sums.mean_reward / batches,
      max_reward: sums.max_reward / batches,
    },
    chosen,
    rejected,
  };
}
