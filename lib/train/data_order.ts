/**
 * Seeded order of dataset rows over epochs, resumable exactly.
 *
 * Epoch e visits every row once, in a permutation drawn from an Rng seeded by
 * (seed, e) alone, so the order of any epoch can be rebuilt from the seed
 * without replaying earlier ones, and a saved {@link SamplerState} (a small
 * JSON object) continues the identical sequence of batches.
 *
 * ```ts
 * const sampler = new EpochSampler(dataset.length, 42);
 * const rows = sampler.next(8); // 8 row indices
 * checkpoint.sampler = sampler.state();
 * const resumed = EpochSampler.fromState(checkpoint.sampler, dataset.length);
 * ```
 *
 * @module
 */
import { Rng } from "../util/random.ts";

/** Options of {@link EpochSampler}. */
export interface SamplerOptions {
  /** Shuffle each epoch (default true); false visits rows 0…size−1 in order. */
  shuffle?: boolean;
  /**
   * When fewer rows than the batch size remain in an epoch, drop them and
   * start the next epoch (default false: fill the batch from the next epoch,
   * so every batch is full and may straddle two epochs).
   */
  dropLast?: boolean;
}

/** A sampler's position, JSON-serialisable, for checkpoints. */
export interface SamplerState {
  size: number;
  seed: number;
  shuffle: boolean;
  dropLast: boolean;
  /** Epoch the next row comes from (0-based). */
  epoch: number;
  /** Index into that epoch's order of the next row. */
  position: number;
}

/** Hands out row indices in batches, epoch after epoch. */
export class EpochSampler {
  readonly size: number;
  readonly seed: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  #epoch = 0;
  #position = 0;
  #order: number[] = [];
  #orderEpoch = -1;

  /** A sampler over rows 0…size−1 starting at epoch 0. */
  constructor(size: number, seed: number, options: SamplerOptions = {}) {
    if (!Number.isSafeInteger(size) || size < 1) {
      throw new Error(
        `EpochSampler: dataset size must be a positive integer, got ${size}`,
      );
    }
    if (!Number.isSafeInteger(seed)) {
      throw new Error(`EpochSampler: seed must be an integer, got ${seed}`);
    }
    this.size = size;
    this.seed = seed;
    this.shuffle = options.shuffle ?? true;
    this.dropLast = options.dropLast ?? false;
  }

  /** Epoch the next row comes from (0-based). */
  get epoch(): number {
    return this.#epoch;
  }

  /** Index, within the current epoch's order, of the next row. */
  get position(): number {
    return this.#position;
  }

  /** The next `batchSize` row indices (see {@link SamplerOptions.dropLast}). */
  next(batchSize: number): number[] {
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
      throw new Error(
        `EpochSampler.next: batch size must be a positive integer, got ${batchSize}`,
      );
    }
    if (this.dropLast && batchSize > this.size) {
      throw new Error(
        `EpochSampler.next: batch size ${batchSize} exceeds the dataset's ${this.size} rows, so with dropLast every batch would be dropped`,
      );
    }
    if (this.dropLast && this.#position + batchSize > this.size) {
      this.#startEpoch(this.#epoch + 1);
    }
    const out: number[] = [];
    while (out.length < batchSize) {
      if (this.#position === this.size) this.#startEpoch(this.#epoch + 1);
      const order = this.#orderOf(this.#epoch);
      const take = Math.min(batchSize - out.length, this.size - this.#position);
      for (let i = 0; i < take; i++) out.push(order[this.#position + i]);
      this.#position += take;
    }
    // Move on now, so `epoch` names the epoch of the next row.
    if (this.#position === this.size) this.#startEpoch(this.#epoch + 1);
    return out;
  }

  /** The order of rows in epoch `epoch` (a copy). */
  epochOrder(epoch: number): number[] {
    if (!Number.isSafeInteger(epoch) || epoch < 0) {
      throw new Error(
        `EpochSampler.epochOrder: epoch must be a non-negative integer, got ${epoch}`,
      );
    }
    return [...this.#orderOf(epoch)];
  }

  /** The position, for a checkpoint. */
  state(): SamplerState {
    return {
      size: this.size,
      seed: this.seed,
      shuffle: this.shuffle,
      dropLast: this.dropLast,
      epoch: this.#epoch,
      position: this.#position,
    };
  }

  /**
   * Rebuilds a sampler from {@link state}; `size` is the dataset's current
   * row count, which must equal the saved one (a changed dataset cannot
   * resume the same order).
   */
  static fromState(s: SamplerState, size: number): EpochSampler {
    const where = "EpochSampler.fromState";
    if (typeof s !== "object" || s === null) {
      throw new Error(`${where}: state must be an object, got ${s}`);
    }
    if (s.size !== size) {
      throw new Error(
        `${where}: the state is for a dataset of ${s.size} rows, this one has ${size}`,
      );
    }
    for (const key of ["shuffle", "dropLast"] as const) {
      if (typeof s[key] !== "boolean") {
        throw new Error(
          `${where}: field "${key}" must be a boolean, got ${
            JSON.stringify(s[key])
          }`,
        );
      }
    }
    const sampler = new EpochSampler(size, s.seed, {
      shuffle: s.shuffle,
      dropLast: s.dropLast,
    });
    if (!Number.isSafeInteger(s.epoch) || s.epoch < 0) {
      throw new Error(
        `${where}: field "epoch" must be a non-negative integer, got ${
          JSON.stringify(s.epoch)
        }`,
      );
    }
    if (
      !Number.isSafeInteger(s.position) || s.position < 0 ||
      s.position > size
    ) {
      throw new Error(
        `${where}: field "position" must be an integer in [0, ${size}], got ${
          JSON.stringify(s.position)
        }`,
      );
    }
    sampler.#epoch = s.epoch;
    sampler.#position = s.position;
    return sampler;
  }

  #startEpoch(epoch: number): void {
    this.#epoch = epoch;
    this.#position = 0;
  }

  #orderOf(epoch: number): number[] {
    if (this.#orderEpoch !== epoch) {
      const order = Array.from({ length: this.size }, (_, i) => i);
      if (this.shuffle) new Rng(epochSeed(this.seed, epoch)).shuffle(order);
      this.#order = order;
      this.#orderEpoch = epoch;
    }
    return this.#order;
  }
}

/**
 * A 32-bit seed for epoch `epoch` of a run seeded `seed`: a murmur3-style
 * mix, so neighbouring seeds and epochs give unrelated permutations.
 */
export function epochSeed(seed: number, epoch: number): number {
  let h = (seed >>> 0) ^ Math.imul(Math.floor(seed / 0x100000000), 0x27d4eb2f);
  h = Math.imul(h ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  h ^= Math.imul(epoch >>> 0, 0xcc9e2d51) ^
    Math.imul(Math.floor(epoch / 0x100000000), 0x1b873593);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
