/**
 * One SFT optimizer step: forward and backward over each micro-batch,
 * gradients averaged over target tokens across the micro-batches (so a
 * micro-batch with more assistant tokens counts for more, as one big batch
 * would), global-norm clipping, then the AdamW update.
 *
 * @module
 */
import { tf } from "../../engine/mod.ts";
import type { CausalLM } from "../../model/decoder.ts";
import type { LoraAdapters } from "../../peft/mod.ts";
import { GradientAccumulator } from "../accumulate.ts";
import { clipGradNorm } from "../clip.ts";
import { causalLmLoss, type TokenBatch } from "../lm_loss.ts";
import type { AdamW } from "../optimizer.ts";

/** What the step needs besides the batches. */
export interface SftStepContext {
  model: CausalLM;
  /** The adapters being trained, or null for full fine-tuning. */
  lora: LoraAdapters | null;
  /** Trained parameters by name (PEFT keys for LoRA, HF names otherwise). */
  params: [string, tf.Variable][];
  optimizer: AdamW;
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
  const names = new Map(ctx.params.map(([name, v]) => [v.name, name]));
  const vars = ctx.params.map(([, v]) => v);
  const accumulator = new GradientAccumulator();
  let lossSum = 0, targets = 0, tokens = 0;
  ctx.lora?.train();
  batches.forEach((batch, micro) => {
    ctx.lora?.setDropoutStep(dropoutStep + micro);
    let count = 0;
    const { value, grads } = tf.variableGrads(() => {
      const r = causalLmLoss(ctx.model, batch);
      count = r.tokens;
      return r.loss;
    }, vars);
    const named = new Map<string, tf.Tensor>();
    for (const [id, g] of Object.entries(grads)) named.set(names.get(id)!, g);
    accumulator.add(named, count);
    tf.dispose(Object.values(grads));
    lossSum += value.dataSync()[0] * count;
    value.dispose();
    targets += count;
    tokens += batch.attentionMask
      ? batch.attentionMask.reduce((a, b) => a + b, 0)
      : batch.batch * batch.length;
  });
  const { grads, norm } = clipGradNorm(
    accumulator.result(),
    // HF: max_grad_norm 0 turns clipping off; the norm is still measured.
    ctx.maxGradNorm > 0 ? ctx.maxGradNorm : Infinity,
    { disposeInputs: true },
  );
  accumulator.dispose();
  ctx.optimizer.step(grads, lr);
  tf.dispose([...grads.values()]);
  return { loss: lossSum / targets, targets, tokens, gradNorm: norm };
}
