import assert from "node:assert/strict";
import { GeminiCache } from "../../lib/gemini/mod.ts";
import { buildRequest } from "../../lib/gemini/request.ts";
import { readTree, withGemini } from "./helpers.ts";

Deno.test("the second identical call is a cache hit with no request", async () => {
  await withGemini(async ({ fake, client, cacheDir }) => {
    const first = client();
    const a = await first.generate("topic: snow", { temperature: 1 });
    assert.equal(a.cached, false);
    assert.equal(fake.requests.length, 1);

    // A new client (a rerun) on the same folder answers from disk.
    const rerun = client();
    const b = await rerun.generate("topic: snow", { temperature: 1 });
    assert.equal(b.cached, true);
    assert.equal(b.attempts, 0);
    assert.equal(b.text, a.text);
    assert.deepEqual(b.usage, a.usage);
    assert.equal(fake.requests.length, 1);
    assert.equal(rerun.stats.cacheHits, 1);
    assert.equal(rerun.stats.requests, 0);
    assert.deepEqual(rerun.cache?.stats, {
      hits: 1,
      misses: 0,
      writes: 0,
      invalid: 0,
    });
    assert.equal((await readTree(cacheDir)).length, 1);
  });
});

Deno.test("any change to model, prompt, options or sample is a miss", async () => {
  await withGemini(async ({ fake, client }) => {
    const gemini = client();
    await gemini.generate("p", { temperature: 1 });
    await gemini.generate("p", { temperature: 0.5 });
    await gemini.generate("p", { temperature: 1, model: "gemini-other" });
    await gemini.generate("p2", { temperature: 1 });
    await gemini.generate("p", { temperature: 1, sample: 1 });
    await gemini.generate("p", { temperature: 1, systemInstruction: "s" });
    assert.equal(fake.requests.length, 6);
    assert.equal(gemini.stats.cacheMisses, 6);
    // Same request again, with the options in another order: a hit.
    await gemini.generate("p", { sample: 1, temperature: 1 });
    assert.equal(fake.requests.length, 6);
    assert.equal(gemini.stats.cacheHits, 1);
  });
});

Deno.test("errors are not cached", async () => {
  await withGemini(async ({ fake, client }) => {
    fake.enqueue({
      kind: "error",
      status: 400,
      statusName: "INVALID_ARGUMENT",
      message: "no",
    });
    const gemini = client();
    await assert.rejects(gemini.generate("p"));
    const ok = await gemini.generate("p");
    assert.equal(ok.cached, false);
    assert.equal(fake.requests.length, 2);
  });
});

Deno.test("a corrupt cache file is a miss and is rewritten", async () => {
  await withGemini(async ({ fake, client, cacheDir }) => {
    const gemini = client();
    await gemini.generate("p");
    const request = buildRequest("p", {}, gemini.settings.model);
    const path = await new GeminiCache(cacheDir).pathFor(request);
    await Deno.writeTextFile(path, "{ half a file");
    const again = client();
    const result = await again.generate("p");
    assert.equal(result.cached, false);
    assert.equal(again.cache?.stats.invalid, 1);
    assert.equal(fake.requests.length, 2);
    const stored = JSON.parse(await Deno.readTextFile(path));
    assert.equal(stored.response.text, "answer: p");
    assert.equal(stored.request.contents[0].text, "p");
  });
});

Deno.test("the cache key is a stable SHA-256 of the canonical request", async () => {
  const a = buildRequest("p", { temperature: 1, topK: 5 }, "m");
  const b = buildRequest("p", { topK: 5, temperature: 1 }, "m");
  const c = buildRequest("p", { topK: 5, temperature: 1, seed: 1 }, "m");
  const keyA = await GeminiCache.key(a);
  assert.match(keyA, /^[0-9a-f]{64}$/);
  assert.equal(await GeminiCache.key(b), keyA);
  assert.notEqual(await GeminiCache.key(c), keyA);
});
