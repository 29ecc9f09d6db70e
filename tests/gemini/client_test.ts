import assert from "node:assert/strict";
import { GeminiError } from "../../lib/gemini/mod.ts";
import { TEST_KEY, withGemini } from "./helpers.ts";

Deno.test("generate sends the REST shape and reads text and usage", async () => {
  await withGemini(async ({ fake, client }) => {
    fake.enqueue({
      kind: "text",
      text: "old pond\nfrog jumps in\nsound of water",
      usage: { prompt: 12, output: 9, thoughts: 3 },
    });
    const result = await client({ cache: false }).generate(
      [
        { role: "system", content: "Answer with a haiku." },
        { role: "user", content: "Topic: a pond" },
        { role: "assistant", content: "ok" },
        { role: "user", content: "Again" },
      ],
      {
        model: "gemini-test",
        temperature: 0.7,
        topP: 0.95,
        topK: 64,
        maxOutputTokens: 50,
        seed: 3,
        thinkingBudget: 0,
      },
    );
    assert.equal(result.text, "old pond\nfrog jumps in\nsound of water");
    assert.equal(result.cached, false);
    assert.equal(result.attempts, 1);
    assert.equal(result.finishReason, "STOP");
    assert.equal(result.modelVersion, "fake-gemini-001");
    assert.deepEqual(result.usage, {
      promptTokens: 12,
      outputTokens: 9,
      thoughtsTokens: 3,
      totalTokens: 24,
    });

    assert.equal(fake.requests.length, 1);
    const sent = fake.requests[0];
    assert.equal(sent.method, "POST");
    assert.equal(sent.path, "/v1beta/models/gemini-test:generateContent");
    assert.equal(sent.apiKey, TEST_KEY);
    assert.deepEqual(sent.body.contents, [
      { role: "user", parts: [{ text: "Topic: a pond" }] },
      { role: "model", parts: [{ text: "ok" }] },
      { role: "user", parts: [{ text: "Again" }] },
    ]);
    assert.deepEqual(sent.body.systemInstruction.parts, [{
      text: "Answer with a haiku.",
    }]);
    assert.deepEqual(sent.body.generationConfig, {
      temperature: 0.7,
      topP: 0.95,
      topK: 64,
      maxOutputTokens: 50,
      seed: 3,
      thinkingConfig: { thinkingBudget: 0 },
    });
  });
});

Deno.test("a plain string prompt is one user turn with no generation config", async () => {
  await withGemini(async ({ fake, client }) => {
    const gemini = client({ cache: false, model: "gemini-2.0-flash" });
    const result = await gemini.generate(
      "Generate a haiku about the following topic: rain\n",
    );
    assert.equal(
      result.text,
      "answer: Generate a haiku about the following topic: rain\n",
    );
    assert.equal(result.model, "gemini-2.0-flash");
    const body = fake.requests[0].body;
    assert.deepEqual(body.contents, [{
      role: "user",
      parts: [{ text: "Generate a haiku about the following topic: rain\n" }],
    }]);
    // The SDK sends an empty config: every field at the API's default.
    assert.deepEqual(body.generationConfig ?? {}, {});
    assert.equal(body.systemInstruction, undefined);
    assert.equal(fake.requests[0].model, "gemini-2.0-flash");
  });
});

Deno.test("429 with RetryInfo is retried after the server's delay", async () => {
  await withGemini(async ({ fake, client, logs }) => {
    fake.enqueue({
      kind: "error",
      status: 429,
      statusName: "RESOURCE_EXHAUSTED",
      message: "Quota exceeded",
      retryDelay: "0.15s",
    });
    const gemini = client({ cache: false });
    const start = performance.now();
    const result = await gemini.generate("hello");
    const elapsed = performance.now() - start;
    assert.equal(result.text, "answer: hello");
    assert.equal(result.attempts, 2);
    assert.equal(fake.requests.length, 2);
    assert.equal(gemini.stats.retries, 1);
    assert.equal(gemini.stats.requests, 2);
    // Backoff alone would be ~1 ms; the hint asked for 150 ms.
    assert.ok(elapsed >= 140, `waited only ${elapsed} ms`);
    assert.equal(logs.length, 1);
    assert.match(logs[0], /429 RESOURCE_EXHAUSTED.*Quota exceeded.*retry 1\/4/);
  });
});

Deno.test("a Retry-After header is respected", async () => {
  await withGemini(async ({ fake, client }) => {
    fake.enqueue({
      kind: "error",
      status: 503,
      statusName: "UNAVAILABLE",
      message: "overloaded",
      retryAfter: "1",
    });
    const start = performance.now();
    const result = await client({ cache: false }).generate("x");
    assert.equal(result.attempts, 2);
    assert.ok(performance.now() - start >= 950);
  });
});

Deno.test("500 every time fails after maxAttempts naming the status", async () => {
  await withGemini(async ({ fake, client }) => {
    for (let i = 0; i < 5; i++) {
      fake.enqueue({
        kind: "error",
        status: 500,
        statusName: "INTERNAL",
        message: "backend exploded",
      });
    }
    const gemini = client({ cache: false, retry: { maxAttempts: 3 } });
    const error = await gemini.generate("x").then(
      () => assert.fail("expected an error"),
      (e) => e,
    );
    assert.ok(error instanceof GeminiError);
    assert.equal(error.failure, "http");
    assert.equal(error.status, 500);
    assert.equal(error.attempts, 3);
    assert.equal(error.retryable, true);
    assert.match(
      error.message,
      /^Gemini API error 500 INTERNAL \(model gemini-2\.5-flash, gave up after 3 attempts\): backend exploded$/,
    );
    assert.equal(fake.requests.length, 3);
    assert.equal(gemini.stats.failures, 1);
  });
});

Deno.test("a 400 is not retried and carries the server's message", async () => {
  await withGemini(async ({ fake, client }) => {
    fake.enqueue({
      kind: "error",
      status: 400,
      statusName: "INVALID_ARGUMENT",
      message: "API key not valid. Please pass a valid API key.",
    });
    const error = await client({ cache: false }).generate("x").catch((e) => e);
    assert.ok(error instanceof GeminiError);
    assert.equal(error.status, 400);
    assert.equal(error.retryable, false);
    assert.equal(
      error.message,
      "Gemini API error 400 INVALID_ARGUMENT (model gemini-2.5-flash, 1 attempt): API key not valid. Please pass a valid API key.",
    );
    assert.equal(fake.requests.length, 1);
  });
});

Deno.test("a server that never answers times out within the limit", async () => {
  await withGemini(async ({ fake, client }) => {
    fake.enqueue({ kind: "hang" }, { kind: "hang" });
    const gemini = client({
      cache: false,
      timeoutMs: 200,
      retry: { maxAttempts: 2 },
    });
    const start = performance.now();
    const error = await gemini.generate("x").catch((e) => e);
    const elapsed = performance.now() - start;
    assert.ok(error instanceof GeminiError, String(error));
    assert.equal(error.failure, "timeout");
    assert.equal(error.attempts, 2);
    assert.match(
      error.message,
      /timed out after 200 ms \(model .*, gave up after 2 attempts\)/,
    );
    assert.equal(fake.requests.length, 2);
    assert.ok(elapsed >= 390 && elapsed < 2000, `took ${elapsed} ms`);
  });
});

Deno.test("a body that is not JSON is a clear malformed error, not retried", async () => {
  await withGemini(async ({ fake, client }) => {
    fake.enqueue({ kind: "raw", body: "<html>proxy says hi</html>" });
    const error = await client({ cache: false }).generate("x").catch((e) => e);
    assert.ok(error instanceof GeminiError);
    assert.equal(error.failure, "malformed");
    assert.match(
      error.message,
      /^Gemini returned a malformed generateContent response \(model .*, 1 attempt\): .*JSON/,
    );
    assert.equal(fake.requests.length, 1);
  });
});

Deno.test("JSON without candidates or blockReason is malformed", async () => {
  await withGemini(async ({ fake, client }) => {
    fake.enqueue({ kind: "json", body: { hello: "world" } });
    const error = await client({ cache: false }).generate("x").catch((e) => e);
    assert.ok(error instanceof GeminiError);
    assert.equal(error.failure, "malformed");
    assert.match(error.message, /no candidates and no promptFeedback/);
    for (const body of ["null", "[1, 2]", '{"candidates": []}']) {
      fake.enqueue({ kind: "raw", body });
      const e = await client({ cache: false }).generate("x").catch((e) => e);
      assert.ok(e instanceof GeminiError, `${body}: ${e}`);
      assert.equal(e.failure, "malformed", body);
    }
  });
});

Deno.test("a blocked prompt gives empty text and the block reason", async () => {
  await withGemini(async ({ fake, client }) => {
    fake.enqueue({
      kind: "json",
      body: { promptFeedback: { blockReason: "SAFETY" } },
    });
    const result = await client({ cache: false }).generate("x");
    assert.equal(result.text, "");
    assert.equal(result.blockReason, "SAFETY");
  });
});

Deno.test("an unreachable endpoint is a network error after retries", async () => {
  // A port that was just free: nothing listens there.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  await withGemini(async ({ client }) => {
    const gemini = client({
      cache: false,
      baseUrl: `http://127.0.0.1:${port}`,
      retry: { maxAttempts: 2 },
    });
    const error = await gemini.generate("x").catch((e) => e);
    assert.ok(error instanceof GeminiError);
    assert.equal(error.failure, "network");
    assert.equal(error.attempts, 2);
    assert.match(error.message, /could not reach http:\/\/127\.0\.0\.1:\d+/);
  });
});

Deno.test("an abort signal cancels a call waiting to retry", async () => {
  await withGemini(async ({ fake, client }) => {
    fake.enqueue({
      kind: "error",
      status: 503,
      statusName: "UNAVAILABLE",
      message: "busy",
      retryAfter: "30",
    });
    const controller = new AbortController();
    const gemini = client({ cache: false, retry: { maxDelayMs: 60_000 } });
    setTimeout(() => controller.abort(), 100);
    const start = performance.now();
    const error = await gemini.generate("x", { signal: controller.signal })
      .catch((e) => e);
    assert.ok(error instanceof GeminiError);
    assert.equal(error.failure, "cancelled");
    assert.ok(performance.now() - start < 2000);
  });
});

Deno.test("bad options are errors naming the field", async () => {
  await withGemini(async ({ client }) => {
    const gemini = client({ cache: false });
    await assert.rejects(
      gemini.generate("x", { temperature: 3 }),
      /Gemini option temperature must be a number in \[0, 2\], got 3/,
    );
    await assert.rejects(
      gemini.generate("x", { topK: 1.5 }),
      /Gemini option topK must be an integer >= 1, got 1.5/,
    );
    await assert.rejects(
      gemini.generate([{ role: "robot", content: "hi" }] as never),
      /prompt\[0\]\.role must be "system", "user" or "assistant"/,
    );
    await assert.rejects(
      gemini.generate([{ role: "system", content: "only" }]),
      /at least one user message/,
    );
  });
});
