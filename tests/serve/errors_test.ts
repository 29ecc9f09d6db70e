/**
 * Bad requests to the OpenAI-compatible routes: each answered with vLLM's
 * error shape and one line naming the field (malformed JSON, missing
 * fields, wrong types, values out of range, unknown models and routes, a
 * prompt past the context); unknown fields are ignored, as vLLM does.
 */
import assert from "node:assert/strict";
import {
  assertApiError,
  get,
  post,
  SHARED_SERVER,
  startTestServer,
} from "./helpers.ts";

const server = await startTestServer({ maxBatch: 8 });
const complete = (body: Record<string, unknown>) =>
  post(server, "/v1/completions", { prompt: "The whale", ...body });

Deno.test(
  "unknown fields are ignored; null means unset",
  SHARED_SERVER,
  async () => {
    const plain = await complete({ seed: 4, max_tokens: 3 });
    const extra = await complete({
      seed: 4,
      max_tokens: 3,
      frobnicate: { a: 1 },
      user: "x",
      top_p: null,
    });
    assert.equal(extra.status, 200);
    assert.equal(extra.body.choices[0].text, plain.body.choices[0].text);
  },
);

Deno.test(
  "bad requests: one line naming the field, vLLM's error shape",
  SHARED_SERVER,
  async () => {
    const raw = (text: string) => post(server, "/v1/completions", text);
    assertApiError(await raw("{not json"), 400, /not valid JSON/);
    assertApiError(await raw("[1, 2]"), 400, /must be a JSON object/);
    assertApiError(
      await complete({ prompt: undefined }),
      400,
      /^prompt is required$/,
      "prompt",
    );
    assertApiError(
      await complete({ prompt: 42 }),
      400,
      /^prompt must be a string, .*got 42$/,
      "prompt",
    );
    assertApiError(
      await complete({ prompt: [] }),
      400,
      /^prompt must be/,
      "prompt",
    );
    assertApiError(
      await complete({ prompt: ["a", 3] }),
      400,
      /^prompt\[1\] must be a string/,
    );
    assertApiError(
      await complete({ max_tokens: -1 }),
      400,
      /^max_tokens must be an integer ≥ 1, got -1$/,
      "max_tokens",
    );
    assertApiError(
      await complete({ max_tokens: 2.5 }),
      400,
      /^max_tokens must be an integer/,
      "max_tokens",
    );
    assertApiError(
      await complete({ max_tokens: "16" }),
      400,
      /^max_tokens must be an integer ≥ 1, got "16"$/,
    );
    assertApiError(
      await complete({ temperature: -0.5 }),
      400,
      /^temperature must be a number ≥ 0/,
      "temperature",
    );
    assertApiError(
      await complete({ top_p: 0 }),
      400,
      /^top_p must be a number in \(0, 1\]/,
    );
    assertApiError(
      await complete({ top_k: -2 }),
      400,
      /^top_k must be an integer ≥ -1/,
    );
    assertApiError(await complete({ n: 0 }), 400, /^n must be an integer ≥ 1/);
    assertApiError(
      await complete({ n: 9 }),
      400,
      /9 choices, more than a batch holds \(--max-batch 8\)/,
    );
    assertApiError(
      await complete({ seed: "x" }),
      400,
      /^seed must be an integer/,
    );
    assertApiError(
      await complete({ stop: [1] }),
      400,
      /^stop must be a string or a list of strings/,
    );
    assertApiError(
      await complete({ stop_token_ids: [99999] }),
      400,
      /stop_token_ids has 99999, outside the vocabulary \(0 to 4095\)/,
    );
    assertApiError(
      await complete({ prompt: [5, 99999] }),
      400,
      /^prompt has token id 99999, outside the vocabulary/,
    );
    assertApiError(
      await complete({ logprobs: 21 }),
      400,
      /^logprobs must be an integer in \[0, 20\]/,
    );
    assertApiError(
      await complete({ stream_options: { include_usage: true } }),
      400,
      /stream_options can only be given with stream: true/,
    );
    assertApiError(
      await complete({ echo: true }),
      400,
      /^echo true is not supported/,
      "echo",
    );
    assertApiError(
      await complete({ model: "nope" }),
      404,
      /The model `nope` does not exist/,
      "model",
    );
    // Past the context: the lengths are named, nothing is cut.
    const long = Array.from({ length: 250 }, (_, i) => 5 + i);
    assertApiError(
      await complete({ prompt: long }),
      400,
      /^the prompt has 250 tokens; with max_tokens 16 that is 266, past the model's context of 256 tokens$/,
      "max_tokens",
    );
    assertApiError(
      await complete({ prompt: [[5, 6], long], max_tokens: 7 }),
      400,
      /^prompt\[1\] has 250 tokens; with max_tokens 7 that is 257/,
    );
    const chat = (body: Record<string, unknown>) =>
      post(server, "/v1/chat/completions", body);
    assertApiError(await chat({}), 400, /^messages is required$/, "messages");
    assertApiError(
      await chat({ messages: [{ role: "wizard", content: "hi" }] }),
      400,
      /^messages\[0\]\.role must be "system", "user" or "assistant", got "wizard"$/,
    );
    assertApiError(
      await chat({ messages: [{ role: "user", content: 7 }] }),
      400,
      /^messages\[0\]\.content must be a string/,
    );
    assertApiError(
      await chat({
        messages: [{ role: "user", content: "hi" }],
        top_logprobs: 3,
      }),
      400,
      /top_logprobs needs logprobs: true/,
    );
    assertApiError(
      await chat({
        messages: [{ role: "user", content: "whale ".repeat(300) }],
      }),
      400,
      /^the conversation has \d+ tokens, which leaves no room for new tokens in the model's context of 256 tokens$/,
    );
    assertApiError(
      await chat({
        messages: [{ role: "user", content: "hi" }],
        max_completion_tokens: 300,
      }),
      400,
      /^the conversation has \d+ tokens; with max_completion_tokens 300 that is \d+, past the model's context of 256 tokens$/,
    );
    // Routes and methods.
    assertApiError(
      await get(server, "/v1/nothing"),
      404,
      /Not Found: GET \/v1\/nothing/,
    );
    assertApiError(await get(server, "/v1/completions"), 405, /takes POST/);
  },
);

Deno.test("shutdown", SHARED_SERVER, async () => {
  await server.shutdown();
});
