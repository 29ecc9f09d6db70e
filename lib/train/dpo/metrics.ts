/**
 * DPO's logged numbers, as TRL logs them: each step's statistics (means
 * over its micro-batches) averaged over the logging window of
 * `logging_steps` steps, and the evaluation's under `eval_` names: each
 * batch's value weighted by its pairs (so a per-pair statistic is its mean
 * over every held-out pair), as transformers' evaluation loop weighs the
 * loss of a last, smaller batch.
 *
 * The window's sums are part of every checkpoint's counters, so a resumed
 * run logs the numbers an uninterrupted one would.
 *
 * @module
 */
import type { CausalLM } from "../../model/decoder.ts";
import type { EncodedPair } from "../../prompt/preference.ts";
import { pairBatch } from "./batch.ts";
import type { DpoLossOptions } from "./loss.ts";
import type { Reference } from "./reference.ts";
import { measureBatch } from "./step.ts";

/** Running sums of each statistic over the steps of a logging window. */
export class MetricsWindow {
  #sums: Record<string, number>;
  #steps: number;

  /** A window, continuing `carried` (a checkpoint's {@link state}) when given. */
  constructor(carried?: unknown) {
    const c = carried as { sums?: Record<string, number>; steps?: number };
    this.#sums = { ...(c?.sums ?? {}) };
    this.#steps = c?.steps ?? 0;
  }

  /** Adds one step's statistics. */
  add(stats: Record<string, number>): void {
    for (const [k, v] of Object.entries(stats)) {
      this.#sums[k] = (this.#sums[k] ?? 0) + v;
    }
    this.#steps++;
  }

  /** The mean of each statistic over the window's steps; starts a new window. */
  take(): Record<string, number> {
    const out = Object.fromEntries(
      Object.entries(this.#sums).map(([k, v]) => [k, v / this.#steps]),
    );
    this.#sums = {};
    this.#steps = 0;
    return out;
  }

  /** JSON for a checkpoint. */
  state(): { sums: Record<string, number>; steps: number } {
    return { sums: { ...this.#sums }, steps: this.#steps };
  }
}

/** What an evaluation needs. */
export interface EvalInputs {
  model: CausalLM;
  pairs: readonly EncodedPair[];
  reference: Reference;
  loss: DpoLossOptions;
  batchSize: number;
  padId: number;
}

/**
 * The loss and statistics over every held-out pair, without gradients or
 * dropout (the caller puts adapters in eval mode), under `eval_` names.
 */
export function evaluatePairs(e: EvalInputs): Record<string, number> {
  const sums: Record<string, number> = {};
  let pairs = 0;
  for (let start = 0; start < e.pairs.length; start += e.batchSize) {
    const indices = Array.from(
      { length: Math.min(e.batchSize, e.pairs.length - start) },
      (_, k) => start + k,
    );
    const batch = pairBatch(e.pairs, indices, e.padId);
    const values = measureBatch(
      e.model,
      batch,
      e.reference.sums("eval", batch),
      e.loss,
    );
    for (const [k, v] of Object.entries(values)) {
      sums[k] = (sums[k] ?? 0) + v * batch.pairs;
    }
    pairs += batch.pairs;
  }
  return Object.fromEntries(
    Object.entries(sums).map(([k, v]) => [`eval_${k}`, v / pairs]),
  );
}
