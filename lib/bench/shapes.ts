/**
 * What the model and training benchmarks share: the SmolLM-135M shape (or
 * a 2-layer slice for `--quick`), the fastest matmul kernel, and seeded
 * random token batches.
 *
 * @module
 */
import { tf } from "../engine/mod.ts";
import type { TokenBatch } from "../model/batch.ts";
import type { CausalLM } from "../model/decoder.ts";
import { causalLmLoss } from "../train/lm_loss.ts";
import { parseConfig } from "../model/config.ts";
import { SMOLLM_135M } from "../model/known_configs.ts";
import { Rng } from "../util/random.ts";
import { useVariant, wasmVariants } from "./variants.ts";

/** SmolLM-135M's shape, or a 2-layer slice of it for `--quick`. */
export function smolConfig(quick: boolean) {
  return parseConfig(
    quick
      ? { ...SMOLLM_135M, num_hidden_layers: 2, vocab_size: 4096 }
      : SMOLLM_135M,
    "SmolLM-135M shape",
  );
}

/** The fastest available kernel (OpenBLAS with every core, else XNNPACK), made current. */
export async function fastestVariant() {
  const { variants } = wasmVariants();
  const variant = variants.at(-1)!;
  await useVariant(variant);
  return variant;
}

/** A batch of uniformly random token ids. */
export function randomBatch(
  batch: number,
  length: number,
  vocab: number,
  seed: number,
): TokenBatch {
  const rng = new Rng(seed);
  const ids = new Int32Array(batch * length);
  for (let i = 0; i < ids.length; i++) ids[i] = rng.int(vocab);
  return { ids, batch, length };
}

/** The LoRA the training benchmarks attach: r 16 on every linear layer, no dropout. */
export const BENCH_LORA = {
  r: 16,
  alpha: 32,
  dropout: 0,
  targetModules: "all-linear" as const,
  useRslora: false,
  init: "default" as const,
};

/** One forward + backward of the LM loss for `params` only: the tensors to dispose. */
export function lossAndGrads(
  model: CausalLM,
  params: tf.Variable[],
  data: TokenBatch,
): tf.Tensor[] {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(
      () => causalLmLoss(model, data).loss,
      params,
    );
    return [value, ...Object.values(grads)];
  });
}
