import assert from "node:assert/strict";
import {
  DEFAULT_RETRY_POLICY,
  isRetryableStatus,
  retryDelayMs,
  serverRetryHintMs,
} from "../../lib/gemini/retry.ts";
import { Limiter } from "../../lib/gemini/limiter.ts";

Deno.test("backoff doubles, is jittered within [1/2, 1], and is capped", () => {
  const policy = { ...DEFAULT_RETRY_POLICY, jitter: false };
  assert.deepEqual(
    [1, 2, 3, 4].map((r) => retryDelayMs(r, policy)),
    [1000, 2000, 4000, 8000],
  );
  assert.equal(retryDelayMs(20, policy), 60_000);
  const jittered = { ...DEFAULT_RETRY_POLICY };
  assert.equal(retryDelayMs(3, jittered, undefined, () => 0), 2000);
  assert.equal(retryDelayMs(3, jittered, undefined, () => 0.999999), 3999.998);
  // A server hint wins when longer, but never beyond the cap.
  assert.equal(retryDelayMs(1, policy, 30_000), 30_000);
  assert.equal(retryDelayMs(1, policy, 300_000), 60_000);
  assert.equal(retryDelayMs(3, policy, 10), 4000);
});

Deno.test("server hints: Retry-After seconds or date, RetryInfo durations", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(
    serverRetryHintMs(new Headers({ "retry-after": "7" }), undefined),
    7000,
  );
  assert.equal(
    serverRetryHintMs(
      new Headers({ "retry-after": "Thu, 01 Jan 2026 00:00:03 GMT" }),
      undefined,
      now,
    ),
    3000,
  );
  const body = (retryDelay: unknown) => ({
    error: {
      details: [
        { "@type": "type.googleapis.com/google.rpc.QuotaFailure" },
        { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay },
      ],
    },
  });
  assert.equal(serverRetryHintMs(undefined, body("23s")), 23_000);
  assert.equal(serverRetryHintMs(undefined, body("0.250s")), 250);
  assert.equal(
    serverRetryHintMs(undefined, body({ seconds: 2, nanos: 5e8 })),
    2500,
  );
  assert.equal(
    serverRetryHintMs(new Headers({ "retry-after": "1" }), body("4s")),
    4000,
  );
  assert.equal(serverRetryHintMs(new Headers(), { error: {} }), undefined);
  assert.equal(serverRetryHintMs(undefined, "junk"), undefined);
});

Deno.test("retryable statuses: 408, 429, 5xx", () => {
  assert.deepEqual(
    [400, 401, 403, 404, 408, 429, 500, 503, 504].map(isRetryableStatus),
    [false, false, false, false, true, true, true, true, true],
  );
});

Deno.test("the limiter never runs more than its limit and frees slots on errors", async () => {
  const limiter = new Limiter(2);
  let running = 0;
  let peak = 0;
  const task = (fail: boolean) =>
    limiter.run(async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      if (fail) throw new Error("boom");
      return 1;
    });
  const results = await Promise.allSettled(
    Array.from({ length: 7 }, (_, i) => task(i % 3 === 0)),
  );
  assert.equal(peak, 2);
  assert.equal(limiter.active, 0);
  assert.equal(results.filter((r) => r.status === "rejected").length, 3);
  assert.throws(() => new Limiter(0), /integer >= 1, got 0/);
});
