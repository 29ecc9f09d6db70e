/**
 * One optimizer step, the same for every trainer (pre-training, SFT, GRPO,
 * and the alignment trainers to come): the trainer brings its parameters,
 * its AdamW, its micro-batches and a loss function per micro-batch; the
 * step does the rest.
 *
 * ```
 * for each micro-batch k:            (LoRA in train mode, dropout step d + k)
 *   ℓₖ, wₖ, statsₖ = loss(batchₖ)    inside tf.variableGrads
 *   Σ += wₖ·∇ℓₖ                      accumulate.ts
 * g = Σ / Σ wₖ
 * g ← g · min(1, max_grad_norm / (‖g‖ + 1e-6))   clip.ts (0: measured only)
 * AdamW(g, lr)                       optimizer.ts
 * ```
 *
 * The weight wₖ is the trainer's: the micro-batch's target tokens for a
 * token-mean loss (the mean over every token of the step, as one big batch
 * would give), 1 for a loss that is already normalised per micro-batch
 * (GRPO). A single micro-batch of weight 1 passes its gradient through
 * unchanged, since ×1 and ÷1 are exact in floating point.
 *
 * ```ts
 * const r = optimizerStep(session, {
 *   microBatches,
 *   loss: (batch) => {
 *     const { loss, tokens } = causalLmLoss(model, batch);
 *     return { loss, weight: tokens };
 *   },
 *   lr,
 *   maxGradNorm: config.maxGradNorm,
 *   dropoutStep: step * microBatches.length,
 * });
 * r.loss; r.gradNorm; r.stats["clip_ratio/low_mean"];
 * ```
 *
 * The tfjs bookkeeping (gradients by variable, keeping the statistics past
 * the gradient tape, reading them back, disposing) happens here, so a
 * trainer's loss function is a plain function of tensors.
 *
 * @module
 */
import { tf } from "../engine/mod.ts";
import { embeddingRowGradients } from "../model/embedding_rows.ts";
import type { LoraAdapters } from "../peft/mod.ts";
import { GradientAccumulator } from "./accumulate.ts";
import { clipGradNorm } from "./clip.ts";
import type { AdamW } from "./optimizer.ts";

/** What a trainer's loss function returns for one micro-batch. */
export interface MicroBatchLoss {
  /** The scalar to differentiate. */
  loss: tf.Scalar;
  /** The micro-batch's weight in the step's mean gradient and loss (> 0). */
  weight: number;
  /**
   * Named scalar statistics, under their final metric names (TRL's, e.g.
   * "kl", "clip_ratio/low_mean"); the step averages them like the loss.
   */
  stats?: Record<string, tf.Scalar>;
}

/** What stays the same from step to step. */
export interface StepTarget {
  /** Trained parameters by name (PEFT keys for LoRA, HF names otherwise). */
  params: [string, tf.Variable][];
  optimizer: AdamW;
  /**
   * The adapters being trained, if any: put in train mode, with the LoRA
   * dropout masks of micro-batch k seeded by `dropoutStep + k`.
   */
  lora?: LoraAdapters | null;
}

/** One step's inputs. */
export interface StepInputs<B> {
  /** The micro-batches of gradient accumulation, in order. */
  microBatches: readonly B[];
  /** The loss of micro-batch `index`; called inside the gradient tape. */
  loss: (batch: B, index: number) => MicroBatchLoss;
  /** Learning rate of this step. */
  lr: number;
  /** Clip the global gradient norm to this; 0 turns clipping off (HF), the norm is still measured. */
  maxGradNorm: number;
  /** Dropout step of the first micro-batch (default 0). */
  dropoutStep?: number;
}

/** What one step measured. */
export interface StepResult {
  /** Weighted mean loss over the micro-batches: Σ wₖ·ℓₖ / Σ wₖ. */
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Σ wₖ (e.g. the step's target tokens). */
  totalWeight: number;
  /** Each statistic's weighted mean over the micro-batches, in the order the loss named them. */
  stats: Record<string, number>;
}

/** Runs one optimizer step (see the module comment). */
export function optimizerStep<B>(
  target: StepTarget,
  inputs: StepInputs<B>,
): StepResult {
  const { params, optimizer, lora } = target;
  if (inputs.microBatches.length === 0) {
    throw new Error("optimizerStep: no micro-batches");
  }
  // tf.variableGrads keys gradients by tfjs variable name; AdamW by parameter name.
  const names = new Map(params.map(([name, v]) => [v.name, name]));
  // Large trained embeddings hand back the gradient of the rows they read,
  // through an anchor variable on the tape (see embedding_rows.ts).
  const rowSources = params.flatMap(([name, v]) => {
    const source = embeddingRowGradients(v);
    return source ? [{ name, source }] : [];
  });
  const anchors = new Set(rowSources.map(({ source }) => source.anchor.name));
  const vars = [
    ...params.map(([, v]) => v),
    ...rowSources.map(({ source }) => source.anchor),
  ];
  const accumulator = new GradientAccumulator();
  let lossSum = 0, totalWeight = 0;
  const statSums = new Map<string, number>();
  lora?.train();
  try {
    inputs.microBatches.forEach((batch, k) => {
      lora?.setDropoutStep((inputs.dropoutStep ?? 0) + k);
      let weight = 0;
      let stats: [string, tf.Scalar][] = [];
      rowSources.forEach(({ source }) => source.start());
      const { value, grads } = (() => {
        try {
          return tf.variableGrads(() => {
            const r = inputs.loss(batch, k);
            weight = r.weight;
            // The tape disposes everything but its result: keep the statistics.
            stats = Object.entries(r.stats ?? {}).map((
              [n, t],
            ) => [n, tf.keep(t)]);
            return r.loss;
          }, vars);
        } finally {
          rowSources.forEach(({ source }) => source.stop());
        }
      })();
      const named = new Map<string, tf.Tensor>();
      for (const [id, g] of Object.entries(grads)) {
        if (anchors.has(id)) g?.dispose();
        // Frozen variables come back as null: no gradient, left alone.
        else if (g) named.set(names.get(id)!, g);
      }
      for (const { name, source } of rowSources) {
        named.set(name, source.addInto(named.get(name)));
      }
      try {
        accumulator.add(named, weight);
      } finally {
        tf.dispose([...named.values()]);
      }
      // One read from the heap for the loss and all the statistics.
      const tensors = [value, ...stats.map(([, t]) => t)];
      const read = tf.tidy(() => tf.stack(tensors).dataSync());
      tf.dispose(tensors);
      lossSum += read[0] * weight;
      totalWeight += weight;
      stats.forEach(([name], i) => {
        statSums.set(name, (statSums.get(name) ?? 0) + read[i + 1] * weight);
      });
    });
    const mean = accumulator.result();
    accumulator.reset(); // frees the sums before clipping copies anything
    const { grads, norm } = clipGradNorm(
      mean,
      // HF: max_grad_norm 0 turns clipping off; the norm is still measured.
      inputs.maxGradNorm > 0 ? inputs.maxGradNorm : Infinity,
      { disposeInputs: true },
    );
    try {
      optimizer.step(grads, inputs.lr);
    } finally {
      tf.dispose([...grads.values()]);
    }
    const stats: Record<string, number> = {};
    for (const [name, sum] of statSums) stats[name] = sum / totalWeight;
    return {
      loss: lossSum / totalWeight,
      gradNorm: norm,
      totalWeight,
      stats,
    };
  } finally {
    accumulator.dispose();
  }
}
