/**
 * Reproducible dropout masks for LoRA inputs.
 *
 * A mask is a pure function of (seed, step, module, shape): running a layer
 * twice in one step — as layer recomputation does when it runs a layer again
 * during the backward pass — draws the same mask both times, and the
 * masks are the same on every backend because they are drawn in JS.
 *
 * @module
 */
import { tf } from "../engine/mod.ts";
import { Rng } from "../util/random.ts";

/** murmur3's 32-bit finaliser: spreads every input bit over the output. */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A 32-bit seed from several non-negative integers (each up to 2^53). */
export function seedFrom(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    if (!Number.isSafeInteger(part) || part < 0) {
      throw new Error(
        `seedFrom: parts must be non-negative integers, got ${part}`,
      );
    }
    const low = part >>> 0;
    const high = Math.floor(part / 0x100000000) >>> 0;
    h = mix32((h ^ low) + 0x7f4a7c15);
    h = mix32((h ^ high) + 0x632be5ab);
  }
  return h;
}

/**
 * Inverted dropout mask of `shape`: each entry is 0 with probability `p`
 * (rounded to a multiple of 2^-16), else 1 / (1 − p), so the expected value
 * of x · mask is x (torch's nn.Dropout in training mode).
 */
export function dropoutMask(
  shape: number[],
  p: number,
  seed: number,
): tf.Tensor {
  if (!(p >= 0 && p < 1)) {
    throw new Error(`dropout probability must be in [0, 1), got ${p}`);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  const keep = 1 / (1 - p);
  // Each 32-bit draw decides two entries, one per 16-bit half: p is
  // resolved to 2^-16, and the masks of large layers cost half the draws.
  const threshold = Math.round(p * 0x10000);
  const rng = new Rng(seed);
  for (let i = 0; i < size; i += 2) {
    const bits = rng.next();
    data[i] = (bits & 0xffff) < threshold ? 0 : keep;
    if (i + 1 < size) data[i + 1] = bits >>> 16 < threshold ? 0 : keep;
  }
  return tf.tensor(data, shape, "float32");
}
