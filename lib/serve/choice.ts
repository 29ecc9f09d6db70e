/**
 * One choice of a request as its tokens arrive: the token ids, their
 * log-probs, the text (decoded the way chat streams it, so the streamed
 * pieces and the whole answer are the same text), stop strings, and why it
 * ended — vLLM's `finish_reason` and `stop_reason`.
 *
 * Stop strings cut the text before them (or after, with
 * `include_stop_str_in_output`); the token ids and log-probs keep every
 * token generated, the one that completed the stop string included, as
 * vLLM's do. While a choice runs, a stream is sent only text that cannot
 * still turn into a stop string (the last `longest stop − 1` characters wait).
 *
 * Log-probs are the model's raw log-softmax over the vocabulary (vLLM's
 * default `raw_logprobs`: before temperature, top-k/top-p/min-p), floored
 * at −9999 as vLLM does.
 *
 * @module
 */
import { TextStream } from "../chat/stream.ts";
import { topKIndices } from "../generate/sampler.ts";
import type { Tokenizer } from "../tokenizer/mod.ts";

/** How one choice ends and what it reports. */
export interface ChoiceSettings {
  /** Strings that end the choice. */
  stop: readonly string[];
  includeStopStr: boolean;
  /** Token ids that end the choice (eos unless ignored, and `stop_token_ids`); their text is not shown. */
  stopTokens: ReadonlySet<number>;
  /** The request's own `stop_token_ids`, which `stop_reason` names. */
  stopTokenIds: ReadonlySet<number>;
  /** Alternatives per token, or null for no log-probs. */
  logprobs: number | null;
}

/** A token's log-prob and the most likely alternatives at its step. */
export interface TokenLogprob {
  id: number;
  logprob: number;
  /** [id, log-prob] of the top alternatives, most likely first. */
  top: [number, number][];
}

/** What a stream may send since its last look. */
export interface ChoiceDelta {
  text: string;
  tokens: number[];
  logprobs: TokenLogprob[];
}

/** vLLM's floor for log-probs. */
const FLOOR = -9999;

/** Log-prob of `token` and of the `k` most likely tokens under softmax(logits). */
export function tokenLogprob(
  logits: Float32Array,
  token: number,
  k: number,
): TokenLogprob {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  let z = 0;
  for (let i = 0; i < logits.length; i++) z += Math.exp(logits[i] - max);
  const normaliser = max + Math.log(z);
  const lp = (i: number) => Math.max(logits[i] - normaliser, FLOOR);
  return {
    id: token,
    logprob: lp(token),
    top: k > 0 ? topKIndices(logits, k).map((i) => [i, lp(i)]) : [],
  };
}

/** One choice being generated. */
export class Choice {
  readonly tokens: number[] = [];
  readonly logprobs: TokenLogprob[] = [];
  finishReason: "stop" | "length" | null = null;
  /** The stop string or `stop_token_ids` entry that ended it; null otherwise. */
  stopReason: string | number | null = null;
  readonly #stream: TextStream;
  readonly #settings: ChoiceSettings;
  readonly #holdBack: number;
  #text = "";
  #sentText = 0;
  #sentTokens = 0;

  constructor(tokenizer: Tokenizer, settings: ChoiceSettings) {
    this.#settings = settings;
    this.#stream = new TextStream(tokenizer, settings.stopTokens);
    this.#holdBack = Math.max(0, ...settings.stop.map((s) => s.length - 1));
  }

  /** The text so far (final once {@link finished}). */
  get text(): string {
    return this.#text;
  }

  /** Whether it has ended (then {@link finishReason} says why). */
  get finished(): boolean {
    return this.finishReason !== null;
  }

  /**
   * Adds a token with its step's logits; `ended` says whether the decoder
   * ended the row with it (a stop token, or the length budget). Returns
   * true when a stop string ended the choice here.
   */
  push(
    token: number,
    logits: Float32Array,
    ended: "stop" | "length" | null,
  ): boolean {
    if (this.finished) return false;
    const s = this.#settings;
    this.tokens.push(token);
    if (s.logprobs !== null) {
      this.logprobs.push(tokenLogprob(logits, token, s.logprobs));
    }
    const before = this.#text.length;
    this.#text += this.#stream.push(token);
    if (ended) this.#text += this.#stream.flush();
    for (const stop of s.stop) {
      const at = this.#text.indexOf(
        stop,
        Math.max(0, before - stop.length + 1),
      );
      if (at < 0) continue;
      this.#text = this.#text.slice(
        0,
        s.includeStopStr ? at + stop.length : at,
      );
      this.finishReason = "stop";
      this.stopReason = stop;
      return true;
    }
    if (ended) {
      this.finishReason = ended;
      this.stopReason = ended === "stop" && s.stopTokenIds.has(token)
        ? token
        : null;
    }
    return false;
  }

  /**
   * The text, tokens and log-probs added since the last call; text that a
   * later token could still turn into a stop string waits.
   */
  takeDelta(): ChoiceDelta {
    const safe = this.finished
      ? this.#text.length
      : Math.max(this.#sentText, this.#text.length - this.#holdBack);
    const delta = {
      text: this.#text.slice(this.#sentText, safe),
      tokens: this.tokens.slice(this.#sentTokens),
      logprobs: this.logprobs.slice(this.#sentTokens),
    };
    this.#sentText = safe;
    this.#sentTokens = this.tokens.length;
    return delta;
  }
}
