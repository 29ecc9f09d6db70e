/**
 * One HTTP request to generateContent through the SDK, with its outcome
 * classified for the retry loop: an answer, or a failure that says whether
 * it is worth retrying and how long the server asked to wait. Nothing here
 * throws for HTTP, network or timeout reasons.
 *
 * The SDK is told to make exactly one request (no `retryOptions`): the
 * client's own loop retries, because it needs the `Retry-After` header,
 * counts, and cancellation during waits. A per-call `fetch` captures the raw
 * response for its status and headers.
 *
 * @module
 */
import {
  ApiError,
  type GenerateContentConfig,
  type GoogleGenAI,
} from "@google/genai";
import type { GeminiFailure } from "./errors.ts";
import {
  type GeminiRequest,
  type GeminiResponse,
  parseResponse,
} from "./request.ts";
import { isRetryableStatus, serverRetryHintMs } from "./retry.ts";

/** Limits of one attempt. */
export interface AttemptOptions {
  /** Abort the request (body included) after this many ms. */
  timeoutMs: number;
  /** The caller's cancellation. */
  signal?: AbortSignal;
  /** The endpoint, for network error messages (unset: Google's). */
  endpoint?: string;
}

/** A failed attempt, classified. */
export interface AttemptFailure {
  failure: GeminiFailure;
  /** e.g. "Gemini API error 429 RESOURCE_EXHAUSTED". */
  summary: string;
  /** The server's message or the underlying error's. */
  detail?: string;
  status?: number;
  retryable: boolean;
  /** The server's requested wait. */
  hintMs?: number;
}

function sdkConfig(
  request: GeminiRequest,
  abortSignal: AbortSignal,
  fetch: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>,
): GenerateContentConfig {
  const { thinkingBudget, ...generation } = request.generationConfig;
  const config: GenerateContentConfig = {
    ...generation,
    abortSignal,
    // Retries are ours (they need the Retry-After header and counting), so
    // the SDK makes exactly one request per attempt.
    httpOptions: { fetch },
  };
  if (thinkingBudget !== undefined) config.thinkingConfig = { thinkingBudget };
  if (request.systemInstruction !== undefined) {
    config.systemInstruction = request.systemInstruction;
  }
  return config;
}

function httpFailure(
  error: ApiError,
  headers: Headers | undefined,
): AttemptFailure {
  // The SDK puts the JSON error body (or the text body wrapped in one) in the message.
  let body: unknown;
  try {
    body = JSON.parse(error.message);
  } catch {
    body = undefined;
  }
  const info =
    (body as { error?: { message?: unknown; status?: unknown } } | undefined)
      ?.error;
  const name = typeof info?.status === "string" && info.status
    ? ` ${info.status}`
    : "";
  const text = typeof info?.message === "string" ? info.message : error.message;
  return {
    failure: "http",
    summary: `Gemini API error ${error.status}${name}`,
    detail: text.trim() || "(empty body)",
    status: error.status,
    retryable: isRetryableStatus(error.status),
    hintMs: serverRetryHintMs(headers, body),
  };
}

function malformed(error: unknown): AttemptFailure {
  return {
    failure: "malformed",
    summary: "Gemini returned a malformed generateContent response",
    detail: messageOf(error),
    retryable: false,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Sends one generateContent request with a timeout, and classifies what
 * happened. Messages here are not yet redacted; the client does that.
 */
export async function sendAttempt(
  ai: GoogleGenAI,
  request: GeminiRequest,
  options: AttemptOptions,
): Promise<{ response: GeminiResponse } | AttemptFailure> {
  const { timeoutMs, signal } = options;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onAbort = () => controller.abort();
  signal?.addEventListener("abort", onAbort, { once: true });
  // The last raw response, for its status and Retry-After header.
  let raw: Response | undefined;
  const capture = async (input: RequestInfo | URL, init?: RequestInit) => {
    raw = await fetch(input, init);
    return raw;
  };
  try {
    const answer = await ai.models.generateContent({
      model: request.model,
      contents: request.contents.map((c) => ({
        role: c.role,
        parts: [{ text: c.text }],
      })),
      config: sdkConfig(request, controller.signal, capture),
    });
    try {
      return { response: parseResponse(answer) };
    } catch (error) {
      return malformed(error);
    }
  } catch (error) {
    if (signal?.aborted) {
      return { failure: "cancelled", summary: "cancelled", retryable: false };
    }
    if (timedOut) {
      return {
        failure: "timeout",
        summary: `Gemini request timed out after ${timeoutMs} ms`,
        retryable: true,
      };
    }
    if (error instanceof ApiError) return httpFailure(error, raw?.headers);
    // A 2xx whose body the SDK could not read is a malformed answer.
    if (raw?.ok) return malformed(error);
    return {
      failure: "network",
      summary: `Gemini request could not reach ${
        options.endpoint ?? "the Gemini API"
      }`,
      detail: messageOf(error),
      retryable: true,
    };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}
