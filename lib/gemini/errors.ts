/**
 * Errors of the Gemini client. Every message passes through {@link redact}
 * before it is built into an error, so the API key never reaches a log, an
 * error text, a cache file or a result even when a server echoes it back.
 *
 * @module
 */

/** Why a Gemini call failed. */
export type GeminiFailure =
  /** The server answered with an error status (`status` is set). */
  | "http"
  /** No answer within the per-request timeout. */
  | "timeout"
  /** The connection failed (refused, reset, DNS). */
  | "network"
  /** A 2xx answer that is not a generateContent response. */
  | "malformed"
  /** The caller's abort signal fired. */
  | "cancelled";

/** A failed Gemini call, after any retries. */
export class GeminiError extends Error {
  /** What went wrong. */
  readonly failure: GeminiFailure;
  /** The HTTP status, for `failure === "http"`. */
  readonly status?: number;
  /** HTTP requests made for this call, retries included. */
  readonly attempts: number;
  /** Whether the last failure was of a kind that is retried. */
  readonly retryable: boolean;

  constructor(
    message: string,
    details: {
      failure: GeminiFailure;
      status?: number;
      attempts: number;
      retryable: boolean;
    },
  ) {
    super(message);
    this.name = "GeminiError";
    this.failure = details.failure;
    this.status = details.status;
    this.attempts = details.attempts;
    this.retryable = details.retryable;
  }
}

/**
 * No API key is set. Its message is the one-line skip notice; callers that
 * can do without Gemini catch this class and skip.
 */
export class GeminiUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GeminiUnavailableError";
  }
}

/** `text` with every occurrence of `secret` (and its URL encoding) hidden. */
export function redact(text: string, secret: string | undefined): string {
  if (!secret) return text;
  let out = text.split(secret).join("[redacted]");
  const encoded = encodeURIComponent(secret);
  if (encoded !== secret) out = out.split(encoded).join("[redacted]");
  return out;
}
