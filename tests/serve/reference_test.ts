/**
 * The reference project's demo API: `/health` is honest about loading
 * (503 until the model is in), `/generate` applies the chat template and
 * samples (greedy at temperature 0), `/batch_generate` answers greedily in
 * order, and errors keep the reference's flat `{"error": …}` shape.
 */
import assert from "node:assert/strict";
import { initEngine } from "../../lib/engine/mod.ts";
import { DEFAULT_MODEL_DIR } from "../../lib/model/default_model.ts";
import { loadBaseModel } from "../../lib/serve/models.ts";
import { startServer } from "../../lib/serve/server.ts";
import { BASE, get, post, SHARED_SERVER } from "./helpers.ts";

await initEngine({ verbose: false });
// The model loads only when the test lets it.
let letLoad!: () => void;
const gate = new Promise<void>((resolve) => letLoad = resolve);
const server = startServer(async () => {
  await gate;
  return loadBaseModel(DEFAULT_MODEL_DIR, BASE);
}, { port: 0 });

Deno.test(
  "/health: 503 loading until the model is loaded, then 200 healthy; other routes wait too",
  SHARED_SERVER,
  async () => {
    const loading = await get(server, "/health");
    assert.equal(loading.status, 503);
    assert.deepEqual(loading.body, { status: "loading" });
    const early = await post(server, "/v1/completions", { prompt: "x" });
    assert.equal(early.status, 503);
    assert.match(early.body.error.message, /still loading/);
    const earlyReference = await post(server, "/generate", { prompt: "x" });
    assert.equal(earlyReference.status, 503);
    assert.equal(typeof earlyReference.body.error, "string");
    letLoad();
    await server.ready;
    const healthy = await get(server, "/health");
    assert.equal(healthy.status, 200);
    assert.deepEqual(healthy.body, { status: "healthy" });
  },
);

Deno.test(
  "/generate: the user's prompt through the chat template; greedy at temperature 0 is what chat gives",
  SHARED_SERVER,
  async () => {
    const { status, body } = await post(server, "/generate", {
      prompt: "Tell me of the whale.",
      max_tokens: 6,
      temperature: 0,
    });
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(Object.keys(body).sort(), ["generated_text", "prompt"]);
    assert.equal(body.prompt, "Tell me of the whale.");
    const chat = await post(server, "/v1/chat/completions", {
      messages: [{ role: "user", content: "Tell me of the whale." }],
      max_completion_tokens: 6,
      temperature: 0,
    });
    assert.equal(body.generated_text, chat.body.choices[0].message.content);
    // Sampled by default (temperature 0.7, top_p 0.9, top-k 50).
    const sampled = await post(server, "/generate", { prompt: "Hi" });
    assert.equal(sampled.status, 200);
    assert.equal(typeof sampled.body.generated_text, "string");
  },
);

Deno.test(
  "/batch_generate: greedy, in order, each as /generate gives it",
  SHARED_SERVER,
  async () => {
    const prompts = ["The sea", "A ship", "Ahab's leg"];
    const { status, body } = await post(server, "/batch_generate", {
      prompts,
      max_tokens: 5,
    });
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(
      body.results.map((r: { prompt: string }) => r.prompt),
      prompts,
    );
    for (const [i, prompt] of prompts.entries()) {
      const one = await post(server, "/generate", {
        prompt,
        max_tokens: 5,
        temperature: 0,
      });
      assert.equal(body.results[i].generated_text, one.body.generated_text);
    }
    const empty = await post(server, "/batch_generate", { prompts: [] });
    assert.deepEqual(empty.body, { results: [] });
  },
);

Deno.test(
  "reference errors: the flat shape, one line naming what is wrong",
  SHARED_SERVER,
  async () => {
    const expect = async (
      path: string,
      body: unknown,
      status: number,
      message: RegExp,
    ) => {
      const got = await post(server, path, body);
      assert.equal(got.status, status, JSON.stringify(got.body));
      assert.deepEqual(Object.keys(got.body), ["error"]);
      assert.match(got.body.error, message);
    };
    await expect("/generate", {}, 400, /^Missing prompt$/);
    await expect("/generate", { max_tokens: 5 }, 400, /^Missing prompt$/);
    await expect(
      "/batch_generate",
      { max_tokens: 5 },
      400,
      /^Missing prompts$/,
    );
    await expect(
      "/generate",
      "{oops",
      400,
      /^the request body is not valid JSON/,
    );
    await expect(
      "/generate",
      { prompt: 5 },
      400,
      /^prompt must be a string, got 5$/,
    );
    await expect(
      "/generate",
      { prompt: "x", max_tokens: -2 },
      400,
      /^max_tokens must be an integer ≥ 1, got -2$/,
    );
    await expect(
      "/generate",
      { prompt: "x", temperature: "hot" },
      400,
      /^temperature must be a number ≥ 0, got "hot"$/,
    );
    await expect(
      "/batch_generate",
      { prompts: "x" },
      400,
      /^prompts must be a list of strings/,
    );
    await expect(
      "/generate",
      { prompt: "whale ".repeat(200) },
      400,
      /^the prompt has \d+ tokens(; with max_tokens 128 that is \d+, past|, which leaves no room)/,
    );
  },
);

Deno.test("shutdown", SHARED_SERVER, async () => {
  await server.shutdown();
});
