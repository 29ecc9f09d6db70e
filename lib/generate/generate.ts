/**
 * Batched autoregressive generation with a KV cache.
 *
 * Prompts of different lengths are left-padded into one batch (padding is
 * masked and does not shift positions), prefilled once, then decoded one
 * token per step for every unfinished row. Rows stop at a stop token or at
 * `maxNewTokens`; sampling draws from a seeded RNG, so a seed reproduces the
 * output exactly. A prompt whose length plus `maxNewTokens` exceeds the
 * model's context is refused (context.ts) before anything runs: a library
 * call does not silently shorten what its caller asked for, so callers that
 * want a budget cut to the context compute it (`newTokenBudget`) and say so.
 *
 * With `seeds`, every row draws from its own stream: its tokens then depend
 * on its prompt and its seed only, never on which other rows share the
 * batch or when they stop (with one shared stream, a row's draws shift
 * whenever another row finishes early). Evaluation samples and GRPO
 * rollouts use it. The logits themselves can still differ in the last bits
 * with the batch's padded width (sums over a wider row round differently),
 * so "the same batch" is still what reproduces bit for bit.
 *
 * @module
 */
import { tf } from "../engine/mod.ts";
import type { CausalLM } from "../model/decoder.ts";
import { KVCache } from "../model/kv_cache.ts";
import { Rng } from "../util/random.ts";
import { checkFitsContext } from "./context.ts";
import {
  type PresetName,
  type SamplingOptions,
  samplingOptions,
} from "./presets.ts";
import { sampleToken } from "./sampler.ts";

/** Options of {@link generate}. */
export interface GenerateOptions {
  /** Upper bound on new tokens per prompt. */
  maxNewTokens: number;
  /** A preset name or explicit sampling options (default "standard"). */
  sampling?: PresetName | Partial<SamplingOptions>;
  /** Token ids that end a completion (included in the output, like HF). Default: the config's eos ids. */
  stopTokens?: number[];
  /** Seed of the sampling RNG (ignored when greedy). Default 0. */
  seed?: number;
  /** Or an existing RNG, to continue a stream across calls (e.g. a trainer's). */
  rng?: Rng;
  /**
   * Or one seed per prompt: row b draws only from `new Rng(seeds[b])`, so a
   * row's sample does not depend on the other rows (see the module doc).
   */
  seeds?: readonly number[];
  /** Id used to pad prompts and finished rows (never attended to). Default: pad, else eos, else 0. */
  padTokenId?: number;
  /** Called with each new token of each row, as it is chosen. */
  onToken?: (row: number, token: number, step: number) => void;
  /**
   * Record, per new token, the entropy (nats) of the model's distribution at
   * the sampling temperature before any top-k/top-p/min-p cut (temperature 1
   * when greedy): the policy entropy GRPO logs.
   */
  recordEntropy?: boolean;
}

/** One completion. */
export interface Completion {
  /** New token ids (including the stop token when one was produced). */
  tokens: number[];
  /** "stop" when a stop token ended it, "length" when maxNewTokens did. */
  finishReason: "stop" | "length";
  /** Per-token entropies, with `recordEntropy`. */
  entropies?: number[];
}

/** Generates completions for token-id prompts. */
export function generate(
  model: CausalLM,
  prompts: number[][],
  options: GenerateOptions,
): Completion[] {
  if (prompts.length === 0) return [];
  prompts.forEach((p, i) => {
    if (p.length === 0) {
      throw new Error(
        `generate: prompt ${i} is empty (it needs at least a BOS token)`,
      );
    }
  });
  if (!Number.isInteger(options.maxNewTokens) || options.maxNewTokens < 0) {
    throw new Error(
      `generate: maxNewTokens must be a non-negative integer, got ${options.maxNewTokens}`,
    );
  }
  const config = model.config;
  checkFitsContext(
    config.maxPositionEmbeddings,
    prompts.map((p) => p.length),
    options.maxNewTokens,
    (i) => `generate: prompt ${i}`,
  );
  const sampling = samplingOptions(options.sampling);
  const stop = new Set(options.stopTokens ?? config.eosTokenIds);
  const pad = options.padTokenId ?? config.padTokenId ??
    config.eosTokenIds[0] ?? 0;
  const batch = prompts.length;
  const rngs = rowStreams(options, batch);
  const width = Math.max(...prompts.map((p) => p.length));

  const ids = new Int32Array(batch * width).fill(pad);
  const mask = new Uint8Array(batch * width);
  prompts.forEach((p, b) => {
    ids.set(p, b * width + width - p.length);
    mask.fill(1, b * width + width - p.length, (b + 1) * width);
  });

  const cache = new KVCache(batch, config.numLayers);
  const results: Completion[] = prompts.map(() => ({
    tokens: [],
    finishReason: "length",
    ...(options.recordEntropy ? { entropies: [] } : {}),
  }));
  const entropyTemperature = sampling.temperature > 0
    ? sampling.temperature
    : 1;
  const done = new Uint8Array(batch);
  try {
    let logits = lastLogits(model, ids, mask, [batch, width], cache);
    for (let step = 0; step < options.maxNewTokens; step++) {
      const next = new Int32Array(batch).fill(pad);
      const nextMask = new Uint8Array(batch);
      for (let b = 0; b < batch; b++) {
        if (done[b]) continue;
        const row = logits.subarray(
          b * config.vocabSize,
          (b + 1) * config.vocabSize,
        );
        const token = sampleToken(row, sampling, rngs[b]);
        results[b].tokens.push(token);
        results[b].entropies?.push(entropy(row, entropyTemperature));
        options.onToken?.(b, token, step);
        next[b] = token;
        nextMask[b] = 1;
        if (stop.has(token)) {
          done[b] = 1;
          results[b].finishReason = "stop";
        }
      }
      if (done.every((d) => d === 1) || step === options.maxNewTokens - 1) {
        break;
      }
      // Finished rows still occupy a slot, as padding that nothing attends to.
      logits = lastLogits(model, next, nextMask, [batch, 1], cache);
    }
  } finally {
    cache.dispose();
  }
  return results;
}

/** The RNG each row draws from: its own with `seeds`, else one shared stream. */
function rowStreams(options: GenerateOptions, batch: number): Rng[] {
  if (options.seeds === undefined) {
    const shared = options.rng ?? new Rng(options.seed ?? 0);
    return Array.from({ length: batch }, () => shared);
  }
  if (options.rng !== undefined || options.seed !== undefined) {
    throw new Error("generate: give seeds, or seed / rng, not both");
  }
  if (options.seeds.length !== batch) {
    throw new Error(
      `generate: ${options.seeds.length} seeds for ${batch} prompts (one per prompt)`,
    );
  }
  return options.seeds.map((seed) => new Rng(seed));
}

/** Entropy (nats) of softmax(logits / temperature). */
export function entropy(logits: ArrayLike<number>, temperature = 1): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  let z = 0, weighted = 0;
  for (let i = 0; i < logits.length; i++) {
    const s = (logits[i] - max) / temperature;
    const e = Math.exp(s);
    z += e;
    weighted += e * s;
  }
  return Math.log(z) - weighted / z;
}

/** Logits of the last slot of each row, [batch × vocab], as a plain array. */
function lastLogits(
  model: CausalLM,
  ids: Int32Array,
  mask: Uint8Array,
  shape: [number, number],
  cache: KVCache,
): Float32Array {
  const logits = tf.tidy(() => {
    const input = tf.tensor2d(ids, shape, "int32");
    const hidden = model.forward(input, { attentionMask: mask, cache });
    const last = tf.slice(hidden, [0, shape[1] - 1, 0], [-1, 1, -1]);
    return model.logits(tf.reshape(last, [shape[0], model.config.hiddenSize]));
  });
  const values = logits.dataSync() as Float32Array;
  logits.dispose();
  return values;
}
