import assert from "node:assert/strict";
import {
  GeminiError,
  geminiJudge,
  generateBatch,
} from "../../lib/gemini/mod.ts";
import { withGemini } from "./helpers.ts";

const prompts = Array.from({ length: 10 }, (_, i) => `topic ${i}`);

Deno.test("a batch answers in order with limited concurrency and progress", async () => {
  await withGemini(async ({ fake, client }) => {
    for (let i = 0; i < prompts.length; i++) {
      // Later prompts answer sooner, so completion order differs from input order.
      fake.enqueue({ kind: "text", text: `t${i}`, delayMs: 60 - 5 * i });
    }
    const lines: string[] = [];
    const gemini = client({ cache: false, maxConcurrency: 8 });
    const items = await generateBatch(gemini, prompts, {
      concurrency: 3,
      progress: {
        label: "haiku",
        options: { write: (line) => lines.push(line), logEveryMs: 0 },
      },
    });
    assert.equal(items.length, 10);
    assert.ok(items.every((item, i) => item.ok && item.index === i));
    // Each prompt got a reply; replies were scripted in arrival order.
    const texts = items.map((item) => item.ok ? item.result.text : "");
    assert.deepEqual(new Set(texts).size, 10);
    assert.ok(fake.maxInFlight <= 3, `in flight ${fake.maxInFlight}`);
    assert.ok(fake.maxInFlight >= 2, `in flight ${fake.maxInFlight}`);
    assert.match(
      lines[lines.length - 1],
      /^haiku 10\/10 \(100%\).*cached=0 failed=0/,
    );
  });
});

Deno.test("the client's own limit caps a batch too", async () => {
  await withGemini(async ({ fake, client }) => {
    for (let i = 0; i < prompts.length; i++) {
      fake.enqueue({ kind: "text", text: `t${i}`, delayMs: 20 });
    }
    const gemini = client({ cache: false, maxConcurrency: 2 });
    await generateBatch(gemini, prompts, { concurrency: 8, progress: false });
    assert.equal(fake.maxInFlight, 2);
  });
});

Deno.test("a rerun of a batch is all cache hits", async () => {
  await withGemini(async ({ fake, client }) => {
    await generateBatch(client(), prompts, { progress: false });
    assert.equal(fake.requests.length, 10);
    const lines: string[] = [];
    const items = await generateBatch(client(), prompts, {
      progress: { options: { write: (line) => lines.push(line) } },
    });
    assert.equal(fake.requests.length, 10);
    assert.ok(items.every((item) => item.ok && item.result.cached));
    assert.match(lines[lines.length - 1], /cached=10 failed=0/);
  });
});

Deno.test("onError record keeps going; throw stops and names the prompt", async () => {
  await withGemini(async ({ fake, client }) => {
    const bad = {
      kind: "error" as const,
      status: 400,
      statusName: "INVALID_ARGUMENT",
      message: "nope",
    };
    fake.enqueue({ kind: "text", text: "fine" }, bad);
    const recorded = await generateBatch(
      client({ cache: false }),
      ["a", "b", "c"],
      { concurrency: 1, onError: "record", progress: false },
    );
    assert.deepEqual(recorded.map((item) => item.ok), [true, false, true]);
    const failed = recorded[1];
    assert.ok(!failed.ok && failed.error instanceof GeminiError);

    fake.requests.length = 0;
    fake.enqueue(bad);
    const error = await generateBatch(
      client({ cache: false }),
      ["a", "b", "c"],
      { concurrency: 1, progress: false },
    ).catch((e) => e);
    assert.ok(error instanceof GeminiError);
    assert.match(error.message, /^prompt 0: Gemini API error 400/);
    assert.equal(fake.requests.length, 1, "no prompt starts after a failure");
  });
});

Deno.test("optionsFor gives per-prompt options such as the sample index", async () => {
  await withGemini(async ({ fake, client }) => {
    const gemini = client();
    await generateBatch(gemini, ["same", "same", "same"], {
      optionsFor: (i) => ({ sample: i }),
      temperature: 1,
      progress: false,
    });
    // Three samples of one prompt are three cache entries, three requests.
    assert.equal(fake.requests.length, 3);
    assert.ok(
      fake.requests.every((r) => r.body.generationConfig.temperature === 1),
    );
  });
});

Deno.test("geminiJudge answers a grading prompt at temperature 0", async () => {
  await withGemini(async ({ fake, client }) => {
    fake.enqueue({ kind: "text", text: "SCORE: 4" });
    const judge = geminiJudge(client({ cache: false }), {
      maxOutputTokens: 16,
    });
    assert.equal(await judge("Grade this haiku 1-5: ..."), "SCORE: 4");
    const config = fake.requests[0].body.generationConfig;
    assert.deepEqual(config, { temperature: 0, maxOutputTokens: 16 });

    const hot = geminiJudge(client({ cache: false }), { temperature: 0.3 });
    await hot("again");
    assert.equal(fake.requests[1].body.generationConfig.temperature, 0.3);
  });
});
