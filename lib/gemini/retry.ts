/**
 * When to retry a Gemini request and how long to wait: exponential backoff
 * with jitter, overridden upwards by the server's own hint (a `Retry-After`
 * header, or the `google.rpc.RetryInfo` detail the Gemini API puts in its
 * 429 bodies).
 *
 * @module
 */

/** How often and how patiently to retry. */
export interface RetryPolicy {
  /** HTTP requests per call, the first one included (default 5). */
  maxAttempts: number;
  /** Backoff before the first retry, in ms (default 1000). */
  initialDelayMs: number;
  /** Longest wait between attempts, server hints included (default 60 000). */
  maxDelayMs: number;
  /** Backoff growth per retry (default 2). */
  multiplier: number;
  /** Randomise each wait within [½, 1] of its backoff (default true). */
  jitter: boolean;
}

/** The defaults: 5 attempts, 1 s, 2 s, 4 s, 8 s (jittered), 60 s at most. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  initialDelayMs: 1000,
  maxDelayMs: 60_000,
  multiplier: 2,
  jitter: true,
};

/** Whether an HTTP status is worth retrying: 408, 429 and every 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * The wait before retry number `retry` (1 for the first retry): the larger
 * of the jittered backoff and the server's hint, capped at `maxDelayMs`.
 */
export function retryDelayMs(
  retry: number,
  policy: RetryPolicy,
  serverHintMs?: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(
    policy.maxDelayMs,
    policy.initialDelayMs * policy.multiplier ** (retry - 1),
  );
  // "Equal jitter": half the backoff is kept so waits still grow, the other
  // half is random so concurrent clients spread out.
  const backoff = policy.jitter ? base / 2 + (random() * base) / 2 : base;
  return Math.min(policy.maxDelayMs, Math.max(backoff, serverHintMs ?? 0));
}

/**
 * The server's requested wait in ms, from a `Retry-After` header (seconds or
 * an HTTP date) or a `RetryInfo` detail in a Google error body
 * (`{"error": {"details": [{"@type": "…RetryInfo", "retryDelay": "23s"}]}}`);
 * the larger when both are present, undefined when neither is.
 */
export function serverRetryHintMs(
  headers: Headers | undefined,
  errorBody: unknown,
  now: number = Date.now(),
): number | undefined {
  const hints: number[] = [];
  const header = headers?.get("retry-after")?.trim();
  if (header) {
    if (/^\d+(\.\d+)?$/.test(header)) hints.push(Number(header) * 1000);
    else {
      const date = Date.parse(header);
      if (!Number.isNaN(date)) hints.push(Math.max(0, date - now));
    }
  }
  const fromBody = retryInfoDelayMs(errorBody);
  if (fromBody !== undefined) hints.push(fromBody);
  return hints.length > 0 ? Math.max(...hints) : undefined;
}

function retryInfoDelayMs(body: unknown): number | undefined {
  const details = (body as { error?: { details?: unknown } } | undefined)
    ?.error?.details;
  if (!Array.isArray(details)) return undefined;
  for (const detail of details) {
    if (typeof detail !== "object" || detail === null) continue;
    const type = (detail as Record<string, unknown>)["@type"];
    if (typeof type !== "string" || !type.endsWith("google.rpc.RetryInfo")) {
      continue;
    }
    const delay = (detail as Record<string, unknown>).retryDelay;
    // JSON encodes a protobuf Duration as "1.5s"; accept the object form too.
    if (typeof delay === "string") {
      const match = /^(\d+(?:\.\d+)?)s$/.exec(delay.trim());
      if (match) return Number(match[1]) * 1000;
    } else if (typeof delay === "object" && delay !== null) {
      const { seconds, nanos } = delay as {
        seconds?: unknown;
        nanos?: unknown;
      };
      const s = Number(seconds ?? 0);
      const n = Number(nanos ?? 0);
      if (Number.isFinite(s) && Number.isFinite(n)) return s * 1000 + n / 1e6;
    }
  }
  return undefined;
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
