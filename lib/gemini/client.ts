/**
 * The Gemini client: text generation through `@google/genai` with a disk
 * cache, retries with backoff on 429 / 5xx / timeouts / network errors, a
 * per-request timeout and a concurrency limit.
 *
 * ```ts
 * const client = new GeminiClient();            // key from env or .env
 * const { text, cached } = await client.generate(
 *   "Generate a haiku about the following topic: autumn rain\n",
 *   { temperature: 1, maxOutputTokens: 64 },
 * );
 * ```
 *
 * The key goes only into the SDK's `x-goog-api-key` header; every error
 * message, log line, result and cache entry passes through `redact`.
 *
 * @module
 */
import { GoogleGenAI } from "@google/genai";
import type { ChatMessage } from "../util/chat_message.ts";
import { sendAttempt } from "./attempt.ts";
import { GeminiCache } from "./cache.ts";
import { GeminiError, redact } from "./errors.ts";
import { Limiter } from "./limiter.ts";
import {
  buildRequest,
  type GeminiRequest,
  type GeminiResponse,
  type GenerateOptions,
} from "./request.ts";
import {
  DEFAULT_RETRY_POLICY,
  retryDelayMs,
  type RetryPolicy,
  sleep,
} from "./retry.ts";
import {
  describeGeminiSettings,
  type GeminiSettings,
  type GeminiSettingsOptions,
  requireGemini,
} from "./settings.ts";

/** Options of a {@link GeminiClient}. */
export interface GeminiClientOptions extends GeminiSettingsOptions {
  /** The response cache: an instance, a folder, or `false` for none (default: `settings.cacheDir`). */
  cache?: GeminiCache | string | false;
  /** Limit of one HTTP request, body included, in ms (default 60 000). */
  timeoutMs?: number;
  /** Retry policy; unset fields keep {@link DEFAULT_RETRY_POLICY}'s. */
  retry?: Partial<RetryPolicy>;
  /** Calls in flight at once across all users of this client (default 4). */
  maxConcurrency?: number;
  /** Generation options applied under each call's own. */
  defaults?: GenerateOptions;
  /** Where retry notices go (default stderr); `null` for silence. */
  log?: ((line: string) => void) | null;
  /** Random source for backoff jitter (default Math.random). */
  random?: () => number;
  /** API version path segment (default "v1beta"). */
  apiVersion?: string;
}

/** Options of one {@link GeminiClient.generate} call. */
export interface GenerateCallOptions extends GenerateOptions {
  /** Cancels the call, waits included. */
  signal?: AbortSignal;
}

/** The answer to one call. */
export interface GeminiResult extends GeminiResponse {
  /** True when it came from the cache (no request was made). */
  cached: boolean;
  /** The model asked. */
  model: string;
  /** HTTP requests made for this call (0 when cached). */
  attempts: number;
}

/** Counters since the client was made. */
export interface GeminiClientStats {
  /** `generate` calls, cached ones included. */
  calls: number;
  /** HTTP requests sent, retries included. */
  requests: number;
  /** Requests that were retries. */
  retries: number;
  /** Calls that ended in an error. */
  failures: number;
  cacheHits: number;
  cacheMisses: number;
  /** Tokens of answers fetched now (not of cached ones). */
  promptTokens: number;
  outputTokens: number;
}

/** A Gemini text-generation client. */
export class GeminiClient {
  /** The resolved settings (its `apiKey` must not be printed). */
  readonly settings: GeminiSettings & { apiKey: string };
  /** The response cache, if any. */
  readonly cache?: GeminiCache;
  /** Counters since construction. */
  readonly stats: GeminiClientStats = {
    calls: 0,
    requests: 0,
    retries: 0,
    failures: 0,
    cacheHits: 0,
    cacheMisses: 0,
    promptTokens: 0,
    outputTokens: 0,
  };
  readonly #ai: GoogleGenAI;
  readonly #policy: RetryPolicy;
  readonly #timeoutMs: number;
  readonly #limiter: Limiter;
  readonly #defaults: GenerateOptions;
  readonly #log: ((line: string) => void) | null;
  readonly #random: () => number;

  /**
   * Resolves the settings (throwing {@link GeminiUnavailableError} with the
   * skip message when no key is set) and prepares the SDK client.
   */
  constructor(options: GeminiClientOptions = {}) {
    this.settings = requireGemini(options);
    const cache = options.cache ?? this.settings.cacheDir;
    if (cache instanceof GeminiCache) this.cache = cache;
    else if (cache !== false) this.cache = new GeminiCache(cache);
    this.#policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    if (
      !Number.isInteger(this.#policy.maxAttempts) ||
      this.#policy.maxAttempts < 1
    ) {
      throw new Error(
        `Gemini retry.maxAttempts must be an integer >= 1, got ${this.#policy.maxAttempts}`,
      );
    }
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    if (!(this.#timeoutMs > 0)) {
      throw new Error(`Gemini timeoutMs must be > 0, got ${this.#timeoutMs}`);
    }
    this.#limiter = new Limiter(options.maxConcurrency ?? 4);
    this.#defaults = options.defaults ?? {};
    this.#log = options.log === undefined
      ? (line) => console.error(line)
      : options.log;
    this.#random = options.random ?? Math.random;
    this.#ai = new GoogleGenAI({
      apiKey: this.settings.apiKey,
      // Explicit so GOOGLE_GENAI_USE_VERTEXAI / GOOGLE_GENAI_API_VERSION in
      // the environment cannot silently switch backends.
      vertexai: false,
      apiVersion: options.apiVersion ?? "v1beta",
      httpOptions: this.settings.baseUrl
        ? { baseUrl: this.settings.baseUrl }
        : undefined,
    });
  }

  /** The model used when a call names none. */
  get model(): string {
    return this.#defaults.model ?? this.settings.model;
  }

  /** One line for logs (model, endpoint, where the key came from; never the key). */
  describe(): string {
    return describeGeminiSettings({ ...this.settings, model: this.model });
  }

  /**
   * Generates text for a prompt: a plain string (sent as one user turn, no
   * template, as gemma_haiku did) or chat messages (`system` becomes the system
   * instruction, `assistant` the model role). Answers come from the cache
   * when the same request was answered before. Throws {@link GeminiError}
   * after the retries, or at once for a non-retryable status or a
   * malformed answer; bad options throw a plain Error naming the field.
   */
  async generate(
    prompt: string | ChatMessage[],
    options: GenerateCallOptions = {},
  ): Promise<GeminiResult> {
    const { signal, ...generation } = options;
    const request = buildRequest(
      prompt,
      { ...this.#defaults, ...generation },
      this.settings.model,
    );
    this.stats.calls++;
    if (this.cache) {
      const hit = await this.cache.get(request);
      if (hit) {
        this.stats.cacheHits++;
        return { ...hit, cached: true, model: request.model, attempts: 0 };
      }
      this.stats.cacheMisses++;
    }
    try {
      const { response, attempts } = await this.#limiter.run(() =>
        this.#fetchWithRetries(request, signal)
      );
      await this.cache?.put(request, response);
      return { ...response, cached: false, model: request.model, attempts };
    } catch (error) {
      this.stats.failures++;
      throw error;
    }
  }

  async #fetchWithRetries(
    request: GeminiRequest,
    signal: AbortSignal | undefined,
  ): Promise<{ response: GeminiResponse; attempts: number }> {
    const max = this.#policy.maxAttempts;
    for (let attempt = 1;; attempt++) {
      if (signal?.aborted) throw this.#cancelled(request, attempt - 1);
      this.stats.requests++;
      if (attempt > 1) this.stats.retries++;
      const outcome = await sendAttempt(this.#ai, request, {
        timeoutMs: this.#timeoutMs,
        signal,
        endpoint: this.settings.baseUrl,
      });
      if ("response" in outcome) {
        const response = this.#redactResponse(outcome.response);
        return { response, attempts: attempt };
      }
      const failure = outcome;
      if (failure.failure === "cancelled") {
        throw this.#cancelled(request, attempt);
      }
      if (!failure.retryable || attempt >= max) {
        const tried = attempt === 1 ? "1 attempt" : `${attempt} attempts`;
        const gaveUp = failure.retryable ? `gave up after ${tried}` : tried;
        // Redact before clipping, so a cut cannot leave part of the key.
        const detail = failure.detail === undefined
          ? ""
          : `: ${clip(this.#redact(failure.detail))}`;
        throw new GeminiError(
          this.#redact(
            `${failure.summary} (model ${request.model}, ${gaveUp})`,
          ) + detail,
          {
            failure: failure.failure,
            status: failure.status,
            attempts: attempt,
            retryable: failure.retryable,
          },
        );
      }
      const delay = retryDelayMs(
        attempt,
        this.#policy,
        failure.hintMs,
        this.#random,
      );
      const why = failure.detail
        ? ` (${clip(this.#redact(failure.detail), 120)})`
        : "";
      this.#log?.(
        this.#redact(`gemini: ${failure.summary} for ${request.model}`) +
          `${why}; retry ${attempt}/${max - 1} in ${
            (delay / 1000).toFixed(1)
          }s`,
      );
      try {
        await sleep(delay, signal);
      } catch {
        throw this.#cancelled(request, attempt);
      }
    }
  }

  #cancelled(request: GeminiRequest, attempts: number): GeminiError {
    return new GeminiError(`Gemini call cancelled (model ${request.model})`, {
      failure: "cancelled",
      attempts,
      retryable: false,
    });
  }

  #redact(text: string): string {
    return redact(text, this.settings.apiKey);
  }

  /** Hides the key even if a server (or proxy) echoed it into an answer. */
  #redactResponse(response: GeminiResponse): GeminiResponse {
    return JSON.parse(this.#redact(JSON.stringify(response)));
  }
}

function clip(text: string, max = 500): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
