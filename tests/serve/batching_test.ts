/**
 * Concurrent requests share batches without changing anyone's answer: 50
 * seeded requests with different prompts, sampling settings, budgets and
 * stop strings, sent at once, each get exactly what they get alone; a full
 * queue answers 429; a client that goes away frees its rows; a body past
 * the size limit answers 413.
 */
import assert from "node:assert/strict";
import {
  assertApiError,
  post,
  SHARED_SERVER,
  startTestServer,
} from "./helpers.ts";

const server = await startTestServer({ maxBatch: 64, maxQueue: 128 });

/** Request i of the 50: every knob varies with i. */
function request(i: number): Record<string, unknown> {
  const chat = i % 5 === 4;
  const common = {
    seed: 1000 + 7 * i,
    max_tokens: 2 + (i % 4),
    temperature: [0.7, 1, 1.4, 0][i % 4],
    top_k: [0, 40, -1][i % 3],
    top_p: i % 2 ? 0.9 : 1,
    min_p: i % 7 === 0 ? 0.05 : 0,
    stop: i % 6 === 0 ? [" the"] : [],
    logprobs: chat ? undefined : 1,
    return_token_ids: true,
  };
  const text = `The whale ${"and the sea ".repeat(i % 7)}number ${i}`;
  return chat
    ? { ...common, messages: [{ role: "user", content: text }] }
    : { ...common, prompt: text };
}

const path = (i: number) =>
  i % 5 === 4 ? "/v1/chat/completions" : "/v1/completions";

/** What must not depend on the batch: ids, text, why it ended. */
// deno-lint-ignore no-explicit-any
function outcome(body: any) {
  const c = body.choices[0];
  return {
    tokens: c.token_ids,
    text: c.text ?? c.message.content,
    finish: c.finish_reason,
    stop: c.stop_reason,
  };
}

Deno.test(
  "50 concurrent seeded requests: all answered, batched, each exactly as when sent alone",
  SHARED_SERVER,
  async () => {
    const before = server.stats()!;
    const together = await Promise.all(
      Array.from({ length: 50 }, (_, i) => post(server, path(i), request(i))),
    );
    const after = server.stats()!;
    together.forEach((a, i) =>
      assert.equal(a.status, 200, `request ${i}: ${JSON.stringify(a.body)}`)
    );
    const batches = after.batches - before.batches;
    assert.ok(batches < 10, `50 requests ran in ${batches} batches`);
    assert.ok(after.largestBatch >= 10, `largest batch ${after.largestBatch}`);

    for (let i = 0; i < 50; i++) {
      const alone = await post(server, path(i), request(i));
      assert.deepEqual(
        outcome(together[i].body),
        outcome(alone.body),
        `request ${i}`,
      );
      // The log-probs agree too (to the last bits the batch's matmuls change).
      const a = together[i].body.choices[0].logprobs?.token_logprobs;
      const b = alone.body.choices[0].logprobs?.token_logprobs;
      a?.forEach((x: number, t: number) =>
        assert.ok(
          Math.abs(x - b[t]) < 1e-3,
          `request ${i} token ${t}: ${x} vs ${b[t]}`,
        )
      );
    }
    assert.ok(
      server.stats()!.batches - after.batches >= 50,
      "alone: a batch each",
    );
  },
);

Deno.test(
  "a full queue answers 429; a client that goes away frees its rows",
  SHARED_SERVER,
  async () => {
    const small = await startTestServer({ maxBatch: 1, maxQueue: 1 });
    try {
      // A long stream holds the only batch slot.
      const long = await fetch(`${small.url}/v1/completions`, {
        method: "POST",
        body: JSON.stringify({
          prompt: "The whale",
          max_tokens: 200,
          ignore_eos: true,
          stream: true,
        }),
      });
      const reader = long.body!.getReader();
      await reader.read(); // generating now
      const waiting = post(small, "/v1/completions", {
        prompt: "Ahab",
        max_tokens: 2,
      });
      for (let i = 0; i < 500 && small.stats()!.waiting < 1; i++) {
        await new Promise((r) => setTimeout(r, 5));
      }
      assert.equal(small.stats()!.waiting, 1, "the second request waits");
      const refused = await post(small, "/v1/completions", {
        prompt: "Moby",
        max_tokens: 2,
      });
      assertApiError(
        refused,
        429,
        /the server is busy: 1 requests are waiting \(--max-queue 1\)/,
      );
      // The stream's client leaves: its rows end, the waiting request runs.
      await reader.cancel();
      const served = await waiting;
      assert.equal(served.status, 200, JSON.stringify(served.body));
      assert.equal(small.stats()!.batches, 2);
    } finally {
      await small.shutdown();
    }
  },
);

Deno.test(
  "a body past --max-body-bytes answers 413",
  SHARED_SERVER,
  async () => {
    const tiny = await startTestServer({ maxBodyBytes: 200 });
    try {
      assertApiError(
        await post(tiny, "/v1/completions", { prompt: "x".repeat(300) }),
        413,
        /larger than 200 bytes \(--max-body-bytes\)/,
      );
      const ok = await post(tiny, "/v1/completions", {
        prompt: "x",
        max_tokens: 1,
      });
      assert.equal(ok.status, 200);
    } finally {
      await tiny.shutdown();
    }
  },
);

Deno.test("shutdown", SHARED_SERVER, async () => {
  await server.shutdown();
});
