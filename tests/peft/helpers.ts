/** Shared pieces of the LoRA tests: batches, log-probs, random B values. */
import { tf } from "../../lib/engine/mod.ts";
import type { CausalLM } from "../../lib/model/decoder.ts";
import { sequenceLogProbs } from "../../lib/model/logprobs.ts";
import type { LoraAdapters } from "../../lib/peft/lora.ts";
import type { TokenBatch } from "../../lib/model/batch.ts";
import { Rng } from "../../lib/util/random.ts";

/** A [batch × length] batch of random token ids with one padded row end. */
export function randomBatch(
  vocab: number,
  seed: number,
  batch = 2,
  length = 7,
): TokenBatch {
  const rng = new Rng(seed);
  const ids = Int32Array.from(
    { length: batch * length },
    () => rng.int(vocab),
  );
  const attentionMask = new Uint8Array(batch * length).fill(1);
  attentionMask[batch * length - 1] = 0;
  return { ids, batch, length, attentionMask };
}

/** Next-token log-probs of the batch as a flat array. */
export function logProbs(model: CausalLM, b: TokenBatch): Float32Array {
  return tf.tidy(() => {
    const ids = tf.tensor2d(b.ids, [b.batch, b.length], "int32");
    return sequenceLogProbs(model, ids, b.attentionMask)
      .dataSync() as Float32Array;
  });
}

/** Largest |a − b|. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  }
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
  }
  return worst;
}

/** Gives every B seeded non-zero values (a trained adapter's state). */
export function randomizeB(lora: LoraAdapters, seed: number, std = 0.2) {
  let i = 0;
  for (const [key, v] of lora.parameters()) {
    if (!key.endsWith(".lora_B.weight")) continue;
    tf.tidy(() =>
      v.assign(tf.randomNormal(v.shape, 0, std, "float32", seed + i++))
    );
  }
}

/** Copies of every base weight's bytes, by name. */
export function baseBytes(model: CausalLM): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const [name, w] of model.namedWeights()) {
    out.set(
      name,
      new Uint8Array((w.dataSync() as Float32Array).slice().buffer),
    );
  }
  return out;
}
