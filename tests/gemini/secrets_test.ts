import assert from "node:assert/strict";
import { GeminiError, redact } from "../../lib/gemini/mod.ts";
import { readTree, TEST_KEY, withGemini } from "./helpers.ts";

Deno.test("the key reaches the server only as x-goog-api-key", async () => {
  await withGemini(async ({ fake, client }) => {
    await client({ cache: false }).generate("x");
    const sent = fake.requests[0];
    assert.equal(sent.apiKey, TEST_KEY);
    assert.ok(!sent.path.includes(TEST_KEY));
    assert.ok(!JSON.stringify(sent.body).includes(TEST_KEY));
  });
});

Deno.test("an echoing server cannot leak the key into results or the cache", async () => {
  await withGemini(async ({ fake, client, cacheDir }) => {
    fake.enqueue({ kind: "echo" });
    const gemini = client();
    const result = await gemini.generate("echo me");
    // The echo really carried the headers, with the key hidden.
    assert.match(result.text, /"x-goog-api-key":"\[redacted\]"/);
    assert.ok(!JSON.stringify(result).includes(TEST_KEY));
    const files = await readTree(cacheDir);
    assert.equal(files.length, 1);
    assert.ok(!files[0].includes(TEST_KEY));
    assert.ok(files[0].includes("[redacted]"));
  });
});

Deno.test("errors and retry logs never contain the key", async () => {
  await withGemini(async ({ fake, client, logs }) => {
    const echoed = `bad request from key ${TEST_KEY} (${
      encodeURIComponent(TEST_KEY)
    })`;
    fake.enqueue(
      {
        kind: "error",
        status: 503,
        statusName: "UNAVAILABLE",
        message: echoed,
      },
      {
        kind: "error",
        status: 403,
        statusName: "PERMISSION_DENIED",
        message: echoed,
      },
      { kind: "raw", body: `not json ${TEST_KEY}` },
    );
    const gemini = client({ cache: false });
    const http = await gemini.generate("x").catch((e) => e);
    assert.ok(http instanceof GeminiError);
    assert.equal(http.status, 403);
    assert.ok(!http.message.includes(TEST_KEY), http.message);
    assert.ok(!http.message.includes(encodeURIComponent(TEST_KEY)));
    assert.match(http.message, /bad request from key \[redacted\]/);
    assert.ok(!String(http.stack).includes(TEST_KEY));

    const malformed = await gemini.generate("x").catch((e) => e);
    assert.equal(malformed.failure, "malformed");
    assert.ok(!malformed.message.includes(TEST_KEY), malformed.message);

    assert.equal(logs.length, 1);
    assert.ok(!logs[0].includes(TEST_KEY), logs[0]);
    assert.ok(!gemini.describe().includes(TEST_KEY));
    assert.match(gemini.describe(), /key from options/);
  });
});

Deno.test("a key inside the base URL is hidden in network errors", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  await withGemini(async ({ client, logs }) => {
    const gemini = client({
      cache: false,
      baseUrl: `http://127.0.0.1:${port}/proxy/${TEST_KEY}`,
      retry: { maxAttempts: 2 },
    });
    const error = await gemini.generate("x").catch((e) => e);
    assert.equal(error.failure, "network");
    assert.ok(!error.message.includes(TEST_KEY), error.message);
    assert.match(error.message, /\/proxy\/\[redacted\]/);
    assert.ok(logs.every((line) => !line.includes(TEST_KEY)));
  });
});

Deno.test("redact hides plain and URL-encoded secrets", () => {
  assert.equal(redact("a k/y b k%2Fy", "k/y"), "a [redacted] b [redacted]");
  assert.equal(redact("nothing", undefined), "nothing");
});
