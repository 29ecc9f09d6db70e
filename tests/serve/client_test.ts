/**
 * The official `openai` npm client, as a user would point it at the
 * server: completions, chat completions, streaming, the token ids vLLM's
 * extra field adds, and errors surfacing as the client's typed errors.
 */
import assert from "node:assert/strict";
import OpenAI from "openai";
import { BASE, post, SHARED_SERVER, startTestServer } from "./helpers.ts";

const server = await startTestServer();
const client = new OpenAI({
  baseURL: `${server.url}/v1`,
  apiKey: "unused",
  maxRetries: 0,
});

Deno.test(
  "openai client: models and completions (the same answer as a plain request)",
  SHARED_SERVER,
  async () => {
    const models = await client.models.list();
    assert.deepEqual(models.data.map((m) => m.id), [BASE]);
    const completion = await client.completions.create({
      model: BASE,
      prompt: "The whale",
      max_tokens: 5,
      seed: 21,
      logprobs: 1,
    });
    assert.equal(completion.object, "text_completion");
    const [choice] = completion.choices;
    assert.equal(typeof choice.text, "string");
    assert.equal(
      choice.logprobs?.tokens?.length,
      completion.usage?.completion_tokens,
    );
    const plain = await post(server, "/v1/completions", {
      model: BASE,
      prompt: "The whale",
      max_tokens: 5,
      seed: 21,
    });
    assert.equal(choice.text, plain.body.choices[0].text);
  },
);

Deno.test(
  "openai client: chat completions, whole and streamed, agree",
  SHARED_SERVER,
  async () => {
    const request = {
      model: BASE,
      messages: [{ role: "user" as const, content: "Tell me of the sea." }],
      max_completion_tokens: 6,
      seed: 8,
    };
    const whole = await client.chat.completions.create(request);
    const content = whole.choices[0].message.content;
    assert.equal(typeof content, "string");
    const stream = await client.chat.completions.create({
      ...request,
      stream: true,
      stream_options: { include_usage: true },
    });
    let streamed = "";
    let finish: string | null = null;
    let tokens = 0;
    for await (const chunk of stream) {
      streamed += chunk.choices[0]?.delta?.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) tokens = chunk.usage.completion_tokens;
    }
    assert.equal(streamed, content);
    assert.equal(finish, whole.choices[0].finish_reason);
    assert.equal(tokens, whole.usage?.completion_tokens);
  },
);

Deno.test(
  "openai client: streamed completions with vLLM's return_token_ids",
  SHARED_SERVER,
  async () => {
    const request = {
      model: BASE,
      prompt: "Call me Ishmael",
      max_tokens: 5,
      seed: 13,
      return_token_ids: true,
    } as OpenAI.CompletionCreateParamsNonStreaming;
    const whole = await client.completions.create(request);
    const stream = await client.completions.create({
      ...request,
      stream: true,
    });
    let text = "";
    const ids: number[] = [];
    for await (const chunk of stream) {
      text += chunk.choices[0].text;
      // deno-lint-ignore no-explicit-any
      ids.push(...(chunk.choices[0] as any).token_ids);
    }
    assert.equal(text, whole.choices[0].text);
    // deno-lint-ignore no-explicit-any
    assert.deepEqual(ids, (whole.choices[0] as any).token_ids);
  },
);

Deno.test(
  "openai client: errors arrive as its typed errors with the server's message",
  SHARED_SERVER,
  async () => {
    await assert.rejects(
      client.completions.create({ model: "nope", prompt: "x" }),
      (error: unknown) =>
        error instanceof OpenAI.NotFoundError &&
        /The model `nope` does not exist/.test(error.message),
    );
    await assert.rejects(
      client.completions.create({ model: BASE, prompt: "x", max_tokens: -1 }),
      (error: unknown) =>
        error instanceof OpenAI.BadRequestError &&
        /max_tokens must be an integer ≥ 1/.test(error.message),
    );
  },
);

Deno.test("shutdown", SHARED_SERVER, async () => {
  await server.shutdown();
});
