/**
 * Timing for tensor work: warmup, repeated samples, best and median.
 *
 * Each call's output is read back (`await data()`) before the clock stops, so
 * a backend that queues work cannot make a call look free, and is disposed
 * right after, so memory stays flat over hundreds of calls.
 *
 * @module
 */
import { tf } from "../engine/mod.ts";

/** What a timed function returns: the tensors whose values prove the work is done. */
export type TimedResult = tf.Tensor | tf.Tensor[];

/** How long and how often to measure. */
export interface MeasureOptions {
  /** Untimed calls first (kernel setup, XNNPACK operator creation). Default 1. */
  warmup?: number;
  /** Most samples to take. Default 5. */
  repeats?: number;
  /** Fewest samples to take, whatever the budget. Default 2. */
  minRepeats?: number;
  /** Stop sampling once this much time was measured (after `minRepeats`). Default unlimited. */
  budgetMs?: number;
  /**
   * Calls per sample are chosen so that a sample lasts at least this long:
   * sub-millisecond calls are too short to time one by one. Sizing needs one
   * warmup call. Default 0 (one call per sample).
   */
  minSampleMs?: number;
}

/** Per-call times in milliseconds. */
export interface Timing {
  bestMs: number;
  medianMs: number;
  /** Number of samples taken. */
  samples: number;
  /** Calls averaged inside each sample. */
  callsPerSample: number;
  /** Every call made, warmup included (each call of a training step trains). */
  totalCalls: number;
}

/**
 * Times `run`. Throws if the tensor count grows across timed calls: a leak
 * would distort the timing and exhaust memory in long runs.
 */
export async function measure(
  run: () => TimedResult | Promise<TimedResult>,
  options: MeasureOptions = {},
): Promise<Timing> {
  const warmup = options.warmup ?? 1;
  const repeats = options.repeats ?? 5;
  const minRepeats = Math.min(options.minRepeats ?? 2, repeats);
  const budgetMs = options.budgetMs ?? Infinity;
  if (repeats < 1 || warmup < 0) {
    throw new Error(
      `measure: repeats must be ≥ 1 and warmup ≥ 0 (got ${repeats}, ${warmup})`,
    );
  }
  // Sizing samples needs one call's duration, so minSampleMs implies a warmup.
  const untimed = options.minSampleMs ? Math.max(warmup, 1) : warmup;
  let lastMs = 0;
  for (let i = 0; i < untimed; i++) lastMs = await timeCalls(run, 1);
  // Counted after warmup: the first call may legitimately create state
  // (optimizer slots, cached constants).
  const tensorsBefore = tf.memory().numTensors;
  const callsPerSample = options.minSampleMs && lastMs < options.minSampleMs
    ? Math.ceil(options.minSampleMs / Math.max(lastMs, 1e-3))
    : 1;
  const perCall: number[] = [];
  let spent = 0;
  while (perCall.length < repeats) {
    const ms = await timeCalls(run, callsPerSample);
    perCall.push(ms / callsPerSample);
    spent += ms;
    if (spent >= budgetMs && perCall.length >= minRepeats) break;
  }
  const leaked = tf.memory().numTensors - tensorsBefore;
  if (leaked > 0) {
    throw new Error(
      `measure: ${leaked} tensors leaked over ${
        perCall.length * callsPerSample
      } calls; dispose intermediates (tf.tidy) in the timed function`,
    );
  }
  const sorted = [...perCall].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return {
    bestMs: sorted[0],
    medianMs: sorted.length % 2
      ? sorted[mid]
      : (sorted[mid - 1] + sorted[mid]) / 2,
    samples: perCall.length,
    callsPerSample,
    totalCalls: untimed + perCall.length * callsPerSample,
  };
}

async function timeCalls(
  run: () => TimedResult | Promise<TimedResult>,
  calls: number,
): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < calls; i++) {
    const result = await run();
    const tensors = Array.isArray(result) ? result : [result];
    try {
      await Promise.all(tensors.map((t) => t.data()));
    } finally {
      for (const t of tensors) t.dispose();
    }
  }
  return performance.now() - start;
}
