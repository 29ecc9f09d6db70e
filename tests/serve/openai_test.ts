/**
 * The OpenAI-compatible routes against a real server on the default model:
 * answers in vLLM's shapes (log-probs, token ids, usage, stop strings and
 * stop tokens, `n`) and streams that reassemble to the whole answer (bad
 * requests: errors_test.ts).
 */
import assert from "node:assert/strict";
import {
  BASE,
  get,
  post,
  SHARED_SERVER,
  startTestServer,
  streamEvents,
} from "./helpers.ts";

const server = await startTestServer({ maxBatch: 8 });
const complete = (body: Record<string, unknown>) =>
  post(server, "/v1/completions", { prompt: "The whale", ...body });

Deno.test(
  "GET /v1/models lists the base model with its context",
  SHARED_SERVER,
  async () => {
    const { status, body } = await get(server, "/v1/models");
    assert.equal(status, 200);
    assert.equal(body.object, "list");
    assert.equal(body.data.length, 1);
    const [card] = body.data;
    assert.equal(card.id, BASE);
    assert.equal(card.object, "model");
    assert.equal(card.max_model_len, 256);
    assert.equal(card.parent, null);
  },
);

Deno.test(
  "completions: vLLM's shape, max_tokens 16 by default, token ids and raw log-probs",
  SHARED_SERVER,
  async () => {
    const { status, body } = await complete({
      seed: 3,
      logprobs: 2,
      return_token_ids: true,
    });
    assert.equal(status, 200, JSON.stringify(body));
    assert.match(body.id, /^cmpl-/);
    assert.equal(body.object, "text_completion");
    assert.equal(body.model, BASE);
    const [choice] = body.choices;
    assert.equal(choice.index, 0);
    const ids: number[] = choice.token_ids;
    assert.equal(ids.length, 16, "max_tokens defaults to 16");
    assert.equal(choice.finish_reason, ids.length === 16 ? "length" : "stop");
    assert.deepEqual(body.usage, {
      prompt_tokens: choice.prompt_token_ids.length,
      completion_tokens: 16,
      total_tokens: choice.prompt_token_ids.length + 16,
    });
    const lp = choice.logprobs;
    assert.equal(lp.tokens.length, 16);
    assert.equal(lp.tokens.join(""), choice.text, "token texts make the text");
    assert.equal(lp.text_offset[0], 0);
    for (let i = 0; i < 16; i++) {
      assert.ok(lp.token_logprobs[i] <= 0 && lp.token_logprobs[i] > -30);
      const top = Object.values(lp.top_logprobs[i]) as number[];
      // The chosen token and the two most likely ones; none beats the best.
      assert.ok(top.length >= 2 && top.length <= 3);
      assert.ok(Math.max(...top) >= lp.token_logprobs[i]);
      if (i > 0) {
        assert.equal(
          lp.text_offset[i],
          lp.text_offset[i - 1] + lp.tokens[i - 1].length,
        );
      }
    }
    // The same request again: the seed reproduces it exactly.
    const again = await complete({
      seed: 3,
      logprobs: 2,
      return_token_ids: true,
    });
    assert.deepEqual(again.body.choices, body.choices);
  },
);

Deno.test(
  "completions: greedy log-probs are the raw log-softmax (top-1 is the chosen token)",
  SHARED_SERVER,
  async () => {
    const { body } = await complete({
      temperature: 0,
      max_tokens: 5,
      logprobs: 1,
      return_token_ids: true,
    });
    const [choice] = body.choices;
    choice.token_ids.forEach((_: number, i: number) => {
      const top = choice.logprobs.top_logprobs[i];
      const best = Math.max(...Object.values(top) as number[]);
      assert.equal(choice.logprobs.token_logprobs[i], best);
    });
    // Temperature does not change them (raw, not processed, log-probs).
    const hot = await complete({
      temperature: 5,
      top_k: 1,
      max_tokens: 5,
      logprobs: 0,
      return_token_ids: true,
    });
    assert.deepEqual(hot.body.choices[0].token_ids, choice.token_ids);
    hot.body.choices[0].logprobs.token_logprobs.forEach((
      x: number,
      i: number,
    ) => assert.ok(Math.abs(x - choice.logprobs.token_logprobs[i]) < 1e-9));
  },
);

Deno.test(
  "completions: prompts as strings and token ids; n choices per prompt, prompt-major",
  SHARED_SERVER,
  async () => {
    const single = await complete({
      seed: 9,
      max_tokens: 4,
      return_token_ids: true,
    });
    const ids = single.body.choices[0].prompt_token_ids;
    const { status, body } = await post(server, "/v1/completions", {
      prompt: [ids, "Call me Ishmael"],
      n: 2,
      seed: 9,
      max_tokens: 4,
      return_token_ids: true,
    });
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.choices.length, 4);
    assert.deepEqual(body.choices.map((c: { index: number }) => c.index), [
      0,
      1,
      2,
      3,
    ]);
    assert.deepEqual(body.choices[0].prompt_token_ids, ids);
    assert.deepEqual(body.choices[1].prompt_token_ids, ids);
    // Choice 0 of a seeded prompt is the same whatever else the request holds.
    assert.deepEqual(
      body.choices[0].token_ids,
      single.body.choices[0].token_ids,
    );
    assert.notDeepEqual(body.choices[1].token_ids, body.choices[0].token_ids);
    assert.equal(
      body.usage.prompt_tokens,
      ids.length + body.choices[2].prompt_token_ids.length,
    );
  },
);

Deno.test(
  "stop strings cut the text (kept with include_stop_str_in_output); stop_token_ids end the tokens",
  SHARED_SERVER,
  async () => {
    const base = {
      temperature: 0,
      max_tokens: 24,
      return_token_ids: true,
      ignore_eos: true,
    };
    const full = (await complete(base)).body.choices[0];
    const words = full.text.split(" ").filter((w: string) => w.length > 1);
    const stop = words[Math.min(2, words.length - 1)];
    const at = full.text.indexOf(stop);
    assert.ok(at > 0, `"${stop}" in "${full.text}"`);
    const cut = (await complete({ ...base, stop })).body.choices[0];
    assert.equal(cut.text, full.text.slice(0, at));
    assert.equal(cut.finish_reason, "stop");
    assert.equal(cut.stop_reason, stop);
    const kept = (await complete({
      ...base,
      stop: [stop],
      include_stop_str_in_output: true,
    }))
      .body.choices[0];
    assert.equal(kept.text, full.text.slice(0, at + stop.length));
    // A stream with the same stop string sends exactly the cut text.
    const streamed = await streamText({ ...base, stop, stream: true });
    assert.equal(streamed, cut.text);

    const token = full.token_ids[3];
    const first = full.token_ids.indexOf(token);
    const byId =
      (await complete({ ...base, stop_token_ids: [token] })).body.choices[0];
    assert.deepEqual(byId.token_ids, full.token_ids.slice(0, first + 1));
    assert.equal(byId.finish_reason, "stop");
    assert.equal(byId.stop_reason, token);
  },
);

async function streamText(body: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${server.url}/v1/completions`, {
    method: "POST",
    body: JSON.stringify({ prompt: "The whale", ...body }),
  });
  const events = await streamEvents(response);
  return events.slice(0, -1).map((e) =>
    (e as { choices: { text: string }[] }).choices[0]?.text ?? ""
  ).join("");
}

Deno.test(
  "streaming completions reassemble to the whole answer; the last content chunk has finish_reason; usage then [DONE]",
  SHARED_SERVER,
  async () => {
    const request = {
      seed: 11,
      max_tokens: 6,
      logprobs: 1,
      return_token_ids: true,
    };
    const whole = (await complete(request)).body;
    const response = await fetch(`${server.url}/v1/completions`, {
      method: "POST",
      body: JSON.stringify({
        prompt: "The whale",
        ...request,
        stream: true,
        stream_options: { include_usage: true },
      }),
    });
    // deno-lint-ignore no-explicit-any
    const events = await streamEvents(response) as any[];
    assert.equal(events.at(-1), "[DONE]");
    const usage = events.at(-2);
    assert.deepEqual(usage.choices, []);
    assert.deepEqual(usage.usage, whole.usage);
    const chunks = events.slice(0, -2);
    assert.ok(chunks.length >= 2, "more than one chunk");
    for (const c of chunks) assert.equal(c.object, "text_completion");
    const choices = chunks.map((c) => c.choices[0]);
    assert.equal(choices.map((c) => c.text).join(""), whole.choices[0].text);
    assert.deepEqual(
      choices.flatMap((c) => c.token_ids),
      whole.choices[0].token_ids,
    );
    assert.deepEqual(
      choices.flatMap((c) => c.logprobs.token_logprobs),
      whole.choices[0].logprobs.token_logprobs,
    );
    assert.deepEqual(
      choices.flatMap((c) => c.logprobs.text_offset),
      whole.choices[0].logprobs.text_offset,
    );
    assert.deepEqual(
      choices[0].prompt_token_ids,
      whole.choices[0].prompt_token_ids,
    );
    assert.ok(choices.slice(0, -1).every((c) => c.finish_reason === null));
    assert.equal(choices.at(-1).finish_reason, whole.choices[0].finish_reason);
  },
);

Deno.test(
  "chat completions: the template, max_completion_tokens up to the context, logprobs with top_logprobs, stream",
  SHARED_SERVER,
  async () => {
    const messages = [
      { role: "system", content: "Answer briefly." },
      { role: "user", content: [{ type: "text", text: "Who is Ahab?" }] },
    ];
    const request = {
      messages,
      seed: 2,
      max_completion_tokens: 6,
      logprobs: true,
      top_logprobs: 2,
      return_token_ids: true,
    };
    const { status, body } = await post(
      server,
      "/v1/chat/completions",
      request,
    );
    assert.equal(status, 200, JSON.stringify(body));
    assert.match(body.id, /^chatcmpl-/);
    assert.equal(body.object, "chat.completion");
    const [choice] = body.choices;
    assert.equal(choice.message.role, "assistant");
    assert.equal(typeof choice.message.content, "string");
    assert.equal(choice.logprobs.content.length, choice.token_ids.length);
    for (const entry of choice.logprobs.content) {
      assert.equal(entry.top_logprobs.length, 2);
      assert.deepEqual(entry.bytes, [...new TextEncoder().encode(entry.token)]);
    }
    assert.equal(body.usage.prompt_tokens, body.prompt_token_ids.length);

    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ ...request, stream: true }),
    });
    // deno-lint-ignore no-explicit-any
    const events = await streamEvents(response) as any[];
    assert.equal(events.at(-1), "[DONE]");
    const chunks = events.slice(0, -1);
    assert.ok(chunks.every((c) => c.object === "chat.completion.chunk"));
    assert.deepEqual(chunks[0].choices[0].delta, {
      role: "assistant",
      content: "",
    });
    const deltas = chunks.slice(1).map((c) => c.choices[0]);
    assert.equal(
      deltas.map((d) => d.delta.content ?? "").join(""),
      choice.message.content,
    );
    assert.deepEqual(deltas.flatMap((d) => d.token_ids), choice.token_ids);
    assert.equal(deltas.at(-1).finish_reason, choice.finish_reason);

    // Without a limit the reply may run to the end of the context.
    const open = await post(server, "/v1/chat/completions", {
      messages,
      temperature: 0,
      ignore_eos: true,
      return_token_ids: true,
    });
    assert.equal(
      open.body.prompt_token_ids.length + open.body.choices[0].token_ids.length,
      256,
    );
    assert.equal(open.body.choices[0].finish_reason, "length");
  },
);

Deno.test("the server shuts down cleanly", SHARED_SERVER, async () => {
  await server.shutdown();
  await assert.rejects(fetch(`${server.url}/health`));
});
