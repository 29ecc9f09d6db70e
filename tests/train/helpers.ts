/** Shared pieces of the optimisation tests: tiny token batches and gradient maps by name. */
import { tf } from "../../lib/engine/mod.ts";
import type { TokenBatch } from "../../lib/model/batch.ts";
import { Rng } from "../../lib/util/random.ts";

/** A [batch × length] batch of uniform random token ids, fixed by `seed`. */
export function tinyBatch(
  seed: number,
  batch: number,
  length: number,
  vocab: number,
): TokenBatch {
  const rng = new Rng(seed);
  const ids = new Int32Array(batch * length);
  for (let i = 0; i < ids.length; i++) ids[i] = rng.int(vocab);
  return { ids, batch, length };
}

/**
 * `tf.variableGrads` keys gradients by tfjs variable name; the optimisation
 * code takes them by parameter (HF) name.
 */
export function gradsByName(
  named: [string, tf.Variable][],
  grads: tf.NamedTensorMap,
): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [name, v] of named) {
    const g = grads[v.name];
    if (g) out.set(name, g);
  }
  return out;
}
