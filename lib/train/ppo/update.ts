/**
 * One PPO update's optimisation, after the experience is collected:
 * `num_ppo_epochs` passes over the rollouts in seeded shuffled order, split
 * into `num_mini_batches` mini-batches, each one optimizer step (the shared
 * lib/train/step.ts) over micro-batches of `per_device_train_batch_size`,
 * on the clipped policy + value loss (loss.ts), policy and value model in
 * one AdamW. Dropout stays off (no LoRA train mode), as TRL turns it off.
 *
 * @module
 */
import { tf } from "../../engine/mod.ts";
import type { CausalLM } from "../../model/decoder.ts";
import { batchLogProbs } from "../../model/logprobs.ts";
import type { SequenceClassifier } from "../../model/sequence_classifier.ts";
import { deriveSeed, Rng } from "../../util/random.ts";
import type { AdamW } from "../optimizer.ts";
import { optimizerStep } from "../step.ts";
import type { PpoConfig } from "./config.ts";
import {
  type Experience,
  microBatch,
  type PpoMicroBatch,
} from "./experience.ts";
import { ppoLoss } from "./loss.ts";

/** What an update trains: the policy, the value model and their one optimizer. */
export interface PpoTarget {
  model: CausalLM;
  value: SequenceClassifier;
  /** The policy's and the value model's trained parameters. */
  params: [string, tf.Variable][];
  optimizer: AdamW;
  padId: number;
}

/** The settings an update reads. */
export type PpoUpdateSettings = Pick<
  PpoConfig,
  | "numPpoEpochs"
  | "numMiniBatches"
  | "batchSize"
  | "seed"
  | "temperature"
  | "cliprange"
  | "cliprangeValue"
  | "vfCoef"
  | "maxGradNorm"
>;

/** Statistics of the optimizer steps, averaged per update. */
const STEP_STATS = [
  "policy/approxkl_avg",
  "policy/clipfrac_avg",
  "loss/policy_avg",
  "loss/value_avg",
  "val/clipfrac_avg",
  "val/ratio",
] as const;

/**
 * Runs update `update`'s optimizer steps at learning rate `lr`; returns
 * their statistics averaged over the steps, with `loss` and `grad_norm`.
 */
export function ppoUpdate(
  target: PpoTarget,
  experience: readonly Experience[],
  config: PpoUpdateSettings,
  update: number,
  lr: number,
): Record<string, number> {
  const sums: Record<string, number> = {};
  let steps = 0;
  const miniSize = experience.length / config.numMiniBatches;
  for (let epoch = 0; epoch < config.numPpoEpochs; epoch++) {
    const order = shuffled(
      experience.length,
      deriveSeed(config.seed, update, epoch),
    );
    for (let m = 0; m < config.numMiniBatches; m++) {
      const rows = order.slice(m * miniSize, (m + 1) * miniSize);
      const micro: PpoMicroBatch[] = [];
      for (let k = 0; k < rows.length; k += config.batchSize) {
        micro.push(microBatch(
          rows.slice(k, k + config.batchSize).map((i) => experience[i]),
          target.padId,
        ));
      }
      const r = optimizerStep(
        { params: target.params, optimizer: target.optimizer, lora: null },
        {
          microBatches: micro,
          loss: (b) => microBatchLoss(target, b, config),
          lr,
          maxGradNorm: config.maxGradNorm,
        },
      );
      steps++;
      for (const k of STEP_STATS) sums[k] = (sums[k] ?? 0) + r.stats[k];
      sums.loss = (sums.loss ?? 0) + r.loss;
      sums.grad_norm = (sums.grad_norm ?? 0) + r.gradNorm;
    }
  }
  return Object.fromEntries(
    Object.entries(sums).map(([k, v]) => [k, v / steps]),
  );
}

function microBatchLoss(
  target: PpoTarget,
  m: PpoMicroBatch,
  config: PpoUpdateSettings,
) {
  const { batch } = m;
  const shape: [number, number] = [batch.batch, batch.length - 1];
  const host = (values: Float32Array) => tf.tensor2d(values, shape);
  const values = tf.slice(target.value.tokenScores(batch), [0, 0], shape);
  const { loss, stats } = ppoLoss({
    logp: batchLogProbs(target.model, batch, {
      temperature: config.temperature,
      support: m.support,
    }),
    oldLogp: host(m.oldLogps),
    advantages: host(m.advantages),
    values: values as tf.Tensor2D,
    oldValues: host(m.oldValues),
    returns: host(m.returns),
    mask: host(m.mask),
  }, config);
  return { loss, weight: 1, stats };
}

/** The indices 0 … n − 1 in a seeded random order (Fisher–Yates). */
function shuffled(n: number, seed: number): number[] {
  const rng = new Rng(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}
