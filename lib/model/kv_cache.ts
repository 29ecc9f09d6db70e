/**
 * Key/value cache for incremental decoding.
 *
 * Slots are the cache's time axis, shared by all rows of the batch: slot s of
 * every row holds that row's s-th token, real or padding. Each row records
 * which of its slots are real, and positions (for RoPE) count real tokens
 * only, so a left-padded prompt gets the same positions as the unpadded one.
 * Sliding-window layers keep just the slots their next query can still see
 * (the last window − 1), the HF "hybrid" cache.
 *
 * @module
 */
import { tf } from "../engine/mod.ts";

/** What a step adds: where its queries sit in slot space and their positions. */
export interface StepSlots {
  /** First slot of the new tokens. */
  queryStart: number;
  /** Number of new tokens per row. */
  queryLength: number;
  /** RoPE positions of the new tokens, [batch × queryLength]. */
  positions: Int32Array;
}

interface LayerEntry {
  k: tf.Tensor4D;
  v: tf.Tensor4D;
  /** Slot index of the first cached entry. */
  start: number;
}

/** Which slots of each row hold real tokens. */
export interface SlotValidity {
  readonly batch: number;
  isValid(row: number, slot: number): boolean;
}

/**
 * Slots of a single forward pass without a cache (training, scoring): the
 * tokens are slots 0…T−1 and positions count real tokens per row.
 */
export function transientSlots(
  batch: number,
  length: number,
  mask?: ArrayLike<number>,
): { validity: SlotValidity; step: StepSlots } {
  const positions = new Int32Array(batch * length);
  for (let b = 0; b < batch; b++) {
    let real = 0;
    for (let t = 0; t < length; t++) {
      const i = b * length + t;
      positions[i] = !mask || mask[i] !== 0 ? real++ : 0;
    }
  }
  const validity = {
    batch,
    isValid: (row: number, slot: number) =>
      !mask || mask[row * length + slot] !== 0,
  };
  return { validity, step: { queryStart: 0, queryLength: length, positions } };
}

/** Per-layer cached keys and values ([B, KV, S, D], post-RoPE) plus slot bookkeeping. */
export class KVCache implements SlotValidity {
  /** Slots filled so far. */
  length = 0;
  private valid: Uint8Array[];
  private realCount: Int32Array;
  private layers: (LayerEntry | undefined)[];

  constructor(readonly batch: number, numLayers: number) {
    this.valid = Array.from({ length: batch }, () => new Uint8Array(0));
    this.realCount = new Int32Array(batch);
    this.layers = new Array(numLayers);
  }

  /** Whether slot `slot` of row `row` holds a real token. */
  isValid(row: number, slot: number): boolean {
    return this.valid[row][slot] === 1;
  }

  /**
   * Registers `queryLength` new slots per row. `mask` is [batch × queryLength],
   * 1 for real tokens (default all real).
   */
  beginStep(queryLength: number, mask?: ArrayLike<number>): StepSlots {
    const queryStart = this.length;
    const positions = new Int32Array(this.batch * queryLength);
    for (let b = 0; b < this.batch; b++) {
      const grown = new Uint8Array(queryStart + queryLength);
      grown.set(this.valid[b]);
      for (let t = 0; t < queryLength; t++) {
        const real = mask ? mask[b * queryLength + t] !== 0 : true;
        grown[queryStart + t] = real ? 1 : 0;
        positions[b * queryLength + t] = real ? this.realCount[b]++ : 0;
      }
      this.valid[b] = grown;
    }
    this.length += queryLength;
    return { queryStart, queryLength, positions };
  }

  /**
   * Appends a layer's new keys and values and returns everything the step's
   * queries attend to. Sliding layers then trim what no later query can see.
   */
  extend(
    layer: number,
    k: tf.Tensor4D,
    v: tf.Tensor4D,
    window: number | null,
  ): LayerEntry {
    const previous = this.layers[layer];
    const full: LayerEntry = previous
      ? {
        k: tf.concat([previous.k, k], 2),
        v: tf.concat([previous.v, v], 2),
        start: previous.start,
      }
      : { k, v, start: this.length - k.shape[2] };
    let kept = full;
    const size = full.k.shape[2];
    if (window !== null && size > window - 1) {
      const drop = size - (window - 1);
      kept = {
        k: tf.slice(full.k, [0, 0, drop, 0], [-1, -1, -1, -1]),
        v: tf.slice(full.v, [0, 0, drop, 0], [-1, -1, -1, -1]),
        start: full.start + drop,
      };
    }
    tf.keep(kept.k);
    tf.keep(kept.v);
    if (previous) {
      previous.k.dispose();
      previous.v.dispose();
    }
    this.layers[layer] = kept;
    return full;
  }

  /** Frees every cached tensor. */
  dispose(): void {
    for (const entry of this.layers) {
      entry?.k.dispose();
      entry?.v.dispose();
    }
    this.layers.fill(undefined);
  }
}

/** Value added to masked attention scores: finite, so fully masked (padding) rows stay NaN-free. */
export const MASKED = -1e9;

/**
 * Additive attention mask [B, 1, G·T, S] for queries at slots
 * [queryStart, queryStart + T) against keys at slots [keyStart, keyStart + S):
 * causal, within `window` when sliding, and only real keys. The T query rows
 * are repeated G times to match the grouped-query layout of `attention`.
 */
export function attentionMask(
  slots: SlotValidity,
  step: StepSlots,
  keyStart: number,
  keyLength: number,
  window: number | null,
  groups: number,
): tf.Tensor4D {
  const { batch } = slots;
  const t = step.queryLength;
  const rowSize = t * keyLength;
  const values = new Float32Array(batch * groups * rowSize);
  for (let b = 0; b < batch; b++) {
    const base = b * groups * rowSize;
    for (let i = 0; i < t; i++) {
      const q = step.queryStart + i;
      for (let s = 0; s < keyLength; s++) {
        const key = keyStart + s;
        const visible = key <= q && (window === null || key > q - window) &&
          slots.isValid(b, key);
        if (!visible) values[base + i * keyLength + s] = MASKED;
      }
    }
    for (let g = 1; g < groups; g++) {
      values.copyWithin(base + g * rowSize, base, base + rowSize);
    }
  }
  return tf.tensor4d(values, [batch, 1, groups * t, keyLength]);
}
