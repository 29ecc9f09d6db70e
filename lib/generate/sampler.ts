/**
 * Picks the next token from one row of logits: temperature, then top-k,
 * top-p and min-p filtering (the order transformers' warpers apply), then a
 * draw from a seeded {@link Rng}, so sampling is reproducible.
 *
 * Works in JavaScript on the logits row: for a 262 144-token vocabulary the
 * top-k cut uses a selection pass, not a full sort.
 *
 * @module
 */
import type { Rng } from "../util/random.ts";
import type { SamplingOptions } from "./presets.ts";

/** Index of the largest value (first on ties). */
export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/** Indices of the k largest values, in descending order of value. */
export function topKIndices(row: ArrayLike<number>, k: number): number[] {
  const n = row.length;
  if (k >= n) {
    return Array.from({ length: n }, (_, i) => i).sort((a, b) =>
      row[b] - row[a] || a - b
    );
  }
  // Min-heap of the best k seen so far.
  const heap: number[] = [];
  const less = (a: number, b: number) =>
    row[a] < row[b] || (row[a] === row[b] && a > b);
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l], heap[m])) m = l;
      if (r < heap.length && less(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  for (let i = 0; i < n; i++) {
    if (heap.length < k) {
      heap.push(i);
      for (let j = heap.length - 1; j > 0;) {
        const p = (j - 1) >> 1;
        if (!less(heap[j], heap[p])) break;
        [heap[j], heap[p]] = [heap[p], heap[j]];
        j = p;
      }
    } else if (less(heap[0], i)) {
      heap[0] = i;
      down(0);
    }
  }
  return heap.sort((a, b) => row[b] - row[a] || a - b);
}

/** Samples a token id from one row of `logits`. */
export function sampleToken(
  logits: Float32Array,
  options: SamplingOptions,
  rng: Rng,
): number {
  if (options.temperature === 0 || options.topK === 1) return argmax(logits);
  const k = options.topK > 0
    ? Math.min(options.topK, logits.length)
    : logits.length;
  if (k === logits.length && options.topP >= 1 && options.minP === 0) {
    return sampleFull(logits, options.temperature, rng);
  }
  const candidates = topKIndices(logits, k);
  // Softmax over the candidates at the given temperature (max-subtracted for stability).
  const top = logits[candidates[0]];
  const probs = candidates.map((i) =>
    Math.exp((logits[i] - top) / options.temperature)
  );
  let total = probs.reduce((a, b) => a + b, 0);
  let keep = candidates.length;
  if (options.topP < 1) {
    // Smallest prefix whose mass reaches top_p; always at least one token.
    let mass = 0;
    for (let i = 0; i < candidates.length; i++) {
      mass += probs[i] / total;
      if (mass >= options.topP) {
        keep = i + 1;
        break;
      }
    }
  }
  if (options.minP > 0) {
    const floor = options.minP * (probs[0] / total);
    let i = 1;
    while (i < keep && probs[i] / total >= floor) i++;
    keep = i;
  }
  total = 0;
  for (let i = 0; i < keep; i++) total += probs[i];
  let u = rng.uniform() * total;
  for (let i = 0; i < keep; i++) {
    u -= probs[i];
    if (u < 0) return candidates[i];
  }
  return candidates[keep - 1];
}

/**
 * A draw from softmax(logits / T) over the whole vocabulary, without sorting
 * (no filter applies; GRPO's default). Same distribution as the filtered path.
 */
function sampleFull(
  logits: Float32Array,
  temperature: number,
  rng: Rng,
): number {
  let top = -Infinity;
  for (let i = 0; i < logits.length; i++) top = Math.max(top, logits[i]);
  const probs = new Float64Array(logits.length);
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    probs[i] = Math.exp((logits[i] - top) / temperature);
    total += probs[i];
  }
  let u = rng.uniform() * total;
  for (let i = 0; i < logits.length; i++) {
    u -= probs[i];
    if (u < 0) return i;
  }
  return argmax(logits);
}
