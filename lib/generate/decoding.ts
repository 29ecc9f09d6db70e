/**
 * The step-wise core of batched generation: one {@link Decoding} holds a
 * batch's KV cache and advances every unfinished row by one token per
 * {@link Decoding.step}. `generate()` runs it to the end in one loop; the
 * inference server (lib/serve) runs it a step at a time and gives the event
 * loop back in between, so responses stream and new requests are admitted
 * while a batch runs. One generation path serves both.
 *
 * Rows are left-padded into one batch (padding is masked and does not
 * shift positions) and prefilled by the first step. Each row carries its
 * own sampling settings, stop tokens, token budget and RNG, so requests
 * with different settings share one batch; a row sampled from its own
 * stream gets tokens that depend on its prompt, its settings and its seed
 * only. A row ends at one of its stop tokens ("stop"), at its budget
 * ("length"), or when its caller ends it ({@link Decoding.finish}, e.g. at
 * a stop string); finished rows stay in the batch as padding nothing
 * attends to.
 *
 * ```ts
 * const run = new Decoding(model, rows, { onToken: (row, token) => … });
 * try {
 *   while (!run.done) run.step(); // or: await a macrotask between steps
 * } finally {
 *   run.dispose();
 * }
 * run.results; // one Completion per row
 * ```
 *
 * @module
 */
import { tf } from "../engine/mod.ts";
import type { CausalLM } from "../model/decoder.ts";
import { KVCache } from "../model/kv_cache.ts";
import type { Rng } from "../util/random.ts";
import { ContextLengthError } from "./context.ts";
import type { SamplingOptions } from "./presets.ts";
import { sampleToken } from "./sampler.ts";
import type { TextConstraint } from "./text_constraint.ts";

/** One row of a {@link Decoding}: a prompt and how to continue it. */
export interface DecodingRow {
  /** Token ids of the prompt (at least one). */
  prompt: readonly number[];
  /** Upper bound on the row's new tokens. */
  maxNewTokens: number;
  /** How the row's tokens are chosen (full, validated options). */
  sampling: SamplingOptions;
  /** Token ids that end the row (kept in its output, like HF). */
  stopTokens: ReadonlySet<number>;
  /** The stream the row draws from; rows may share one. */
  rng: Rng;
  /**
   * Keeps the row's text valid UTF-8 without control characters
   * (text_constraint.ts); absent or null: tokens are drawn unconstrained.
   */
  text?: TextConstraint | null;
}

/**
 * Called with each new token of each row as it is chosen. `logits` is the
 * row's raw logits for this step (a view, valid during the call only).
 */
export type TokenCallback = (
  row: number,
  token: number,
  step: number,
  logits: Float32Array,
) => void;

/** Options of a {@link Decoding}. */
export interface DecodingOptions {
  /** Id used to pad prompts and finished rows (never attended to). Default: pad, else eos, else 0. */
  padTokenId?: number;
  onToken?: TokenCallback;
  /**
   * Record, per new token, the entropy (nats) of the model's distribution at
   * the row's sampling temperature before any top-k/top-p/min-p cut
   * (temperature 1 when greedy).
   */
  recordEntropy?: boolean;
  /** How errors name the caller (default "generate"). */
  caller?: string;
}

/** One completion. */
export interface Completion {
  /** New token ids (including the stop token when one was produced). */
  tokens: number[];
  /** "stop" when a stop token (or the caller) ended it, "length" when its budget did. */
  finishReason: "stop" | "length";
  /** Per-token entropies, with `recordEntropy`. */
  entropies?: number[];
}

/** A batch being generated, one token per row per {@link step}. */
export class Decoding {
  /** One completion per row, growing as the steps run. */
  readonly results: Completion[];
  readonly #model: CausalLM;
  readonly #rows: readonly DecodingRow[];
  readonly #onToken?: TokenCallback;
  readonly #pad: number;
  readonly #finished: Uint8Array;
  readonly #cache: KVCache;
  /** Per row: its UTF-8 state under its text constraint. */
  readonly #textState: Int8Array;
  /** The masked logits of one row, reused. */
  #masked: Float32Array | undefined;
  /** The tokens chosen by the last step (pad for finished rows), fed by the next. */
  #next: Int32Array | undefined;
  #nextMask: Uint8Array | undefined;
  #step = 0;
  #disposed = false;

  /**
   * Checks every row (non-empty prompt, a non-negative integer budget, and
   * room for the prompt and its budget in the model's context) and prepares
   * the batch; nothing runs until the first {@link step}.
   */
  constructor(
    model: CausalLM,
    rows: readonly DecodingRow[],
    options: DecodingOptions = {},
  ) {
    const caller = options.caller ?? "generate";
    const config = model.config;
    rows.forEach((row, i) => {
      if (row.prompt.length === 0) {
        throw new Error(
          `${caller}: prompt ${i} is empty (it needs at least a BOS token)`,
        );
      }
      if (!Number.isInteger(row.maxNewTokens) || row.maxNewTokens < 0) {
        throw new Error(
          `${caller}: maxNewTokens must be a non-negative integer, got ${row.maxNewTokens}`,
        );
      }
      const context = config.maxPositionEmbeddings;
      if (row.prompt.length + row.maxNewTokens > context) {
        throw new ContextLengthError(
          i,
          row.prompt.length,
          row.maxNewTokens,
          context,
          `${caller}: prompt ${i}`,
        );
      }
    });
    this.#model = model;
    this.#rows = rows;
    this.#onToken = options.onToken;
    this.#pad = options.padTokenId ?? config.padTokenId ??
      config.eosTokenIds[0] ?? 0;
    this.results = rows.map(() => ({
      tokens: [],
      finishReason: "length",
      ...(options.recordEntropy ? { entropies: [] } : {}),
    }));
    this.#finished = Uint8Array.from(rows, (r) => r.maxNewTokens === 0 ? 1 : 0);
    this.#cache = new KVCache(rows.length, config.numLayers);
    this.#textState = new Int8Array(rows.length);
  }

  /** Whether every row has finished (then {@link step} has nothing to do). */
  get done(): boolean {
    return this.#finished.every((f) => f === 1);
  }

  /** Whether row `row` has finished. */
  isFinished(row: number): boolean {
    return this.#finished[row] === 1;
  }

  /**
   * Ends row `row` now (a stop string, a cancelled request): it takes no
   * more tokens and its completion keeps what it has, with `reason`.
   */
  finish(row: number, reason: Completion["finishReason"] = "stop"): void {
    if (this.#finished[row]) return;
    this.#finished[row] = 1;
    this.results[row].finishReason = reason;
  }

  /**
   * One forward pass (the prefill on the first call, else the tokens the
   * last step chose) and one new token for every unfinished row.
   */
  step(): void {
    if (this.#disposed) throw new Error("Decoding.step: already disposed");
    if (this.done) return;
    const logits = this.#next === undefined
      ? this.#prefill()
      : this.#forward(this.#next, this.#nextMask!, 1);
    const batch = this.#rows.length;
    const vocab = this.#model.config.vocabSize;
    const next = new Int32Array(batch).fill(this.#pad);
    const nextMask = new Uint8Array(batch);
    for (let b = 0; b < batch; b++) {
      if (this.#finished[b]) continue;
      const row = this.#rows[b];
      const values = logits.subarray(b * vocab, (b + 1) * vocab);
      const result = this.results[b];
      const token = sampleToken(
        this.#allowed(row, b, values, row.maxNewTokens - result.tokens.length),
        row.sampling,
        row.rng,
      );
      if (row.text) {
        // A token drawn unconstrained (no token was allowed) leaves the
        // state unknown: continue as if on a boundary.
        this.#textState[b] = Math.max(
          0,
          row.text.advance(this.#textState[b], token),
        );
      }
      result.tokens.push(token);
      result.entropies?.push(
        entropy(
          values,
          row.sampling.temperature > 0 ? row.sampling.temperature : 1,
        ),
      );
      next[b] = token;
      nextMask[b] = 1;
      if (row.stopTokens.has(token)) this.finish(b, "stop");
      else if (result.tokens.length >= row.maxNewTokens) {
        this.finish(b, "length");
      }
      this.#onToken?.(b, token, this.#step, values);
    }
    // Finished rows still occupy a slot, as padding that nothing attends to.
    this.#next = next;
    this.#nextMask = nextMask;
    this.#step++;
  }

  /** The logits row `b` draws from: `values`, masked by its text constraint. */
  #allowed(
    row: DecodingRow,
    b: number,
    values: Float32Array,
    remaining: number,
  ): Float32Array {
    if (!row.text) return values;
    const masked = this.#masked ??= new Float32Array(values.length);
    return row.text.mask(values, this.#textState[b], remaining, masked)
      ? masked
      : values;
  }

  /** Frees the KV cache; the results stay readable. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#cache.dispose();
  }

  /** The left-padded prompts through the model: logits of each row's last token. */
  #prefill(): Float32Array {
    const prompts = this.#rows.map((r) => r.prompt);
    const batch = prompts.length;
    const width = Math.max(...prompts.map((p) => p.length));
    const ids = new Int32Array(batch * width).fill(this.#pad);
    const mask = new Uint8Array(batch * width);
    prompts.forEach((p, b) => {
      ids.set(p, b * width + width - p.length);
      mask.fill(1, b * width + width - p.length, (b + 1) * width);
    });
    return this.#forward(ids, mask, width);
  }

  /** Logits of the last slot of each row, [batch × vocab], as a plain array. */
  #forward(ids: Int32Array, mask: Uint8Array, width: number): Float32Array {
    const model = this.#model;
    const batch = this.#rows.length;
    const logits = tf.tidy(() => {
      const input = tf.tensor2d(ids, [batch, width], "int32");
      const hidden = model.forward(input, {
        attentionMask: mask,
        cache: this.#cache,
      });
      const last = tf.slice(hidden, [0, width - 1, 0], [-1, 1, -1]);
      return model.logits(
        tf.reshape(last, [batch, model.config.hiddenSize]),
      );
    });
    const values = logits.dataSync() as Float32Array;
    logits.dispose();
    return values;
  }
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
