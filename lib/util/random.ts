/**
 * A small seeded random number generator (xoshiro128**, seeded through
 * splitmix32). Everything stochastic in tunebook (weight init, data order,
 * sampling, dropout masks) draws from one of these, so a seed reproduces a run
 * and the state can be saved in a checkpoint and restored exactly.
 *
 * @module
 */

/** Serializable RNG state: four 32-bit words. */
export type RngState = [number, number, number, number];

/** A seeded, reproducible random stream. */
export class Rng {
  private s: Uint32Array;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) {
      throw new Error(`Rng seed must be a finite number, got ${seed}`);
    }
    this.s = new Uint32Array(4);
    let x = (seed >>> 0) ^ Math.floor(seed / 0x100000000);
    for (let i = 0; i < 4; i++) {
      // splitmix32 spreads a small seed over the whole state.
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  /** Next uniform 32-bit unsigned integer. */
  next(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform float in [0, 1) with 53 bits of randomness. */
  uniform(): number {
    return ((this.next() >>> 5) * 67108864 + (this.next() >>> 6)) /
      9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }

  /** The state, for checkpoints. */
  state(): RngState {
    return [this.s[0], this.s[1], this.s[2], this.s[3]];
  }

  /** Restores a state saved with {@link state}. */
  static fromState(s: RngState): Rng {
    const rng = new Rng(0);
    rng.s.set(s);
    return rng;
  }
}

/**
 * The seed of sub-stream `path` of `base`: (base, path[0], path[1], …) mixed
 * through murmur3's finaliser, so neighbouring indices give unrelated
 * streams. A sample seeded with `deriveSeed(seed, sample, prompt)` draws the
 * same numbers however the samples are batched.
 *
 * ```ts
 * new Rng(deriveSeed(3407, 0, 12)); // sample 0 of prompt 12
 * ```
 */
export function deriveSeed(base: number, ...path: number[]): number {
  if (!Number.isFinite(base)) {
    throw new Error(`deriveSeed: base must be a finite number, got ${base}`);
  }
  let h = mix32((base >>> 0) ^ Math.floor(base / 0x100000000));
  path.forEach((index, i) => {
    if (!Number.isInteger(index) || index < 0) {
      throw new Error(
        `deriveSeed: path[${i}] must be a non-negative integer, got ${index}`,
      );
    }
    // A multiplier per position, so (1, 2) and (2, 1) differ.
    const k = POSITION_KEYS[i % POSITION_KEYS.length];
    h = mix32((h ^ Math.imul(index + 1, k)) >>> 0);
  });
  return h;
}

/** Odd constants of murmur3 and the golden ratio, one per path position. */
const POSITION_KEYS = [0x9e3779b9, 0x85ebca6b, 0xc2b2ae35, 0x27d4eb2f];

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
