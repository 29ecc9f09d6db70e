/**
 * A client of a generation server with vLLM's OpenAI-compatible API —
 * `vllm serve --enable-lora` or `deno task serve` — for rollouts: wait for
 * `GET /health`, hot-load a PEFT adapter folder under a name
 * (`/v1/load_lora_adapter`, `/v1/unload_lora_adapter`), and sample
 * completions of token-id prompts with their token ids and log-probs
 * (`/v1/completions` with `return_token_ids: true`, `logprobs: 0`).
 *
 * ```ts
 * const server = new GenerationServer("http://127.0.0.1:8000", { timeoutMs: 240_000 });
 * await server.waitUntilHealthy();
 * await server.loadAdapter("policy-step-3", "/runs/grpo/.vllm_lora/step-3");
 * const [c] = await server.complete({
 *   model: "policy-step-3", prompts: [[1, 2, 3]], maxTokens: 64,
 *   sampling: { temperature: 1, topK: 0, topP: 1, minP: 0 },
 *   stopTokenIds: [2], seed: 7,
 * });
 * c.tokens; c.finishReason; c.logprobs; // the stop token included, one log-prob per token
 * ```
 *
 * Every failure is one {@link GenerationServerError} line naming the URL
 * and what failed: the server unreachable, an answer past the timeout, a
 * 4xx/5xx (vLLM's error JSON, new `{"error": {…}}` or old flat shape,
 * reduced to its message), or an answer without what was asked for.
 *
 * @module
 */
import { InputError } from "../util/errors.ts";
import type { Completion } from "./decoding.ts";
import type { SamplingOptions } from "./presets.ts";

/** A request to a generation server that failed; the message is one line. */
export class GenerationServerError extends InputError {
  constructor(
    message: string,
    /** The HTTP status, when the server answered. */
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = "GenerationServerError";
  }
}

/** Settings of a {@link GenerationServer}. */
export interface GenerationServerOptions {
  /** How long one request may take, and {@link GenerationServer.waitUntilHealthy} may wait (ms). */
  timeoutMs: number;
}

/** What {@link GenerationServer.complete} samples. */
export interface CompletionsRequest {
  /** A served name: the base model or a loaded adapter. */
  model: string;
  /** Token-id prompts (sent as ids: no second BOS). */
  prompts: readonly (readonly number[])[];
  /** Choices per prompt (default 1); choice i belongs to prompt ⌊i / n⌋. */
  n?: number;
  /** New tokens per choice. */
  maxTokens: number;
  sampling: SamplingOptions;
  /**
   * The token ids that end a choice, exactly: the server's own EOS ids are
   * turned off (`ignore_eos`), so [] generates `maxTokens` always.
   */
  stopTokenIds: readonly number[];
  seed?: number;
}

/** One sampled choice: the in-process {@link Completion} plus what the server adds. */
export interface RemoteCompletion extends Completion {
  /** log p(token | prefix) of each new token, as the server computed it. */
  logprobs: number[];
  /** The prompt the server generated from. */
  promptTokenIds: number[];
}

/** A server with vLLM's OpenAI-compatible API at a base URL. */
export class GenerationServer {
  /** The base URL without a trailing slash, e.g. `http://127.0.0.1:8000`. */
  readonly url: string;

  constructor(url: string, readonly options: GenerationServerOptions) {
    this.url = url.replace(/\/+$/, "");
  }

  /**
   * Polls `GET /health` until it answers 200 (vLLM: once the engine runs;
   * tunebook: once the model is loaded), for at most the timeout.
   */
  async waitUntilHealthy(): Promise<void> {
    const deadline = performance.now() + this.options.timeoutMs;
    let last = "";
    for (;;) {
      const left = deadline - performance.now();
      try {
        const response = await fetch(`${this.url}/health`, {
          signal: AbortSignal.timeout(Math.max(1, left)),
        });
        await response.body?.cancel();
        if (response.ok) return;
        last = `answered ${response.status}`;
      } catch (error) {
        last = describeFailure(error, this.options.timeoutMs);
      }
      if (performance.now() + 250 >= deadline) {
        throw new GenerationServerError(
          `generation server ${this.url}: GET /health ${last} (waited ${
            seconds(this.options.timeoutMs)
          })`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /**
   * Loads the PEFT folder `path` (as the server's file system sees it)
   * under `name`; `inplace` replaces an adapter already under that name.
   */
  async loadAdapter(name: string, path: string, inplace = false) {
    await this.#post("/v1/load_lora_adapter", {
      lora_name: name,
      lora_path: path,
      ...(inplace ? { load_inplace: true } : {}),
    }, `loading LoRA adapter '${name}' from ${path}`);
  }

  /** Removes the adapter `name`. */
  async unloadAdapter(name: string) {
    await this.#post(
      "/v1/unload_lora_adapter",
      { lora_name: name },
      `unloading LoRA adapter '${name}'`,
    );
  }

  /** Samples the choices of `request`, prompt-major. */
  async complete(request: CompletionsRequest): Promise<RemoteCompletion[]> {
    const n = request.n ?? 1;
    const { temperature, topP, topK, minP } = request.sampling;
    const body = await this.#post("/v1/completions", {
      model: request.model,
      prompt: request.prompts,
      n,
      max_tokens: request.maxTokens,
      temperature,
      top_p: topP,
      // −1 is "off" on every vLLM version (0 only on newer ones).
      top_k: topK > 0 ? topK : -1,
      min_p: minP,
      ignore_eos: true,
      stop_token_ids: request.stopTokenIds,
      ...(request.seed !== undefined ? { seed: request.seed } : {}),
      logprobs: 0,
      return_token_ids: true,
    }, `completions of ${request.model}`);
    return readChoices(
      body,
      request.prompts.length * n,
      `generation server ${this.url}: POST /v1/completions (${request.model})`,
    );
  }

  /** POSTs JSON; the parsed JSON answer, or the text of a non-JSON one. */
  async #post(
    path: string,
    payload: unknown,
    what: string,
  ): Promise<unknown> {
    const where = `generation server ${this.url}: POST ${path} (${what})`;
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw new GenerationServerError(
        `${where} failed: ${describeFailure(error, this.options.timeoutMs)}`,
      );
    }
    if (!response.ok) {
      throw new GenerationServerError(
        `${where} answered ${response.status}: ${errorMessage(text)}${
          hint(path, response.status)
        }`,
        response.status,
      );
    }
    try {
      return JSON.parse(text);
    } catch {
      return text; // the LoRA routes answer plain text
    }
  }
}

/** What to do about a refusal the message alone does not explain. */
function hint(path: string, status: number): string {
  if (status === 404 && path.includes("lora_adapter")) {
    return " — start vLLM with --enable-lora and VLLM_ALLOW_RUNTIME_LORA_UPDATING=True";
  }
  return "";
}

/** The choices of a completions answer, checked. */
function readChoices(
  body: unknown,
  expected: number,
  where: string,
): RemoteCompletion[] {
  const choices = (body as { choices?: unknown })?.choices;
  if (!Array.isArray(choices) || choices.length !== expected) {
    throw new GenerationServerError(
      `${where}: expected ${expected} choices, got ${
        Array.isArray(choices) ? choices.length : "none"
      }`,
    );
  }
  const ordered = [...choices].sort((a, b) =>
    (a?.index ?? 0) - (b?.index ?? 0)
  );
  return ordered.map((c, i) => {
    const tokens = c?.token_ids;
    if (!isIds(tokens)) {
      throw new GenerationServerError(
        `${where}: choice ${i} has no token_ids (the server ignored return_token_ids: upgrade vLLM)`,
      );
    }
    const logprobs = c?.logprobs?.token_logprobs;
    if (
      !Array.isArray(logprobs) || logprobs.length !== tokens.length ||
      !logprobs.every((v) => typeof v === "number")
    ) {
      throw new GenerationServerError(
        `${where}: choice ${i} has ${
          Array.isArray(logprobs) ? logprobs.length : "no"
        } log-probs for ${tokens.length} tokens`,
      );
    }
    const reason = c?.finish_reason;
    if (reason !== "stop" && reason !== "length") {
      throw new GenerationServerError(
        `${where}: choice ${i} ended with finish_reason ${
          JSON.stringify(reason)
        }`,
      );
    }
    return {
      tokens,
      finishReason: reason,
      logprobs,
      promptTokenIds: isIds(c?.prompt_token_ids) ? c.prompt_token_ids : [],
    };
  });
}

function isIds(x: unknown): x is number[] {
  return Array.isArray(x) && x.every((v) => Number.isInteger(v));
}

/** The message of an error answer: vLLM's JSON (either shape) or its text, on one line. */
export function errorMessage(text: string): string {
  let message: unknown = text;
  try {
    const json = JSON.parse(text);
    message = json?.error?.message ?? json?.message ?? json?.detail ?? text;
  } catch {
    // not JSON: the text itself
  }
  const line = (typeof message === "string" ? message : JSON.stringify(message))
    .replace(/\s+/g, " ").trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line || "(no body)";
}

/** Why a request got no answer: a timeout, or the connection's own words. */
function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && error.name === "TimeoutError") {
    return `no answer within ${seconds(timeoutMs)}`;
  }
  // Deno: TypeError "fetch failed", its cause "error sending request for
  // url (…): client error (Connect): tcp connect error: Connection refused
  // (os error 111)" — keep what the connection said.
  let inner: unknown = error;
  while (inner instanceof Error && inner.cause instanceof Error) {
    inner = inner.cause;
  }
  const message = (inner instanceof Error ? inner.message : String(inner))
    .replace(/^error sending request for url \([^)]*\): /, "")
    .replace(/client error \(\w+\): /, "")
    .replace(/\s+/g, " ").trim();
  return `cannot connect (${message})`;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
