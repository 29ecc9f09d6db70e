/**
 * Chat and evaluation sampling against the model's context: a growing
 * conversation drops its oldest exchanges (and says so), a message that
 * cannot fit is refused without touching the conversation, and evaluation
 * sampling refuses a prompt past the context unless told to cut it from
 * the left.
 */
import assert from "node:assert/strict";
import { ChatSession } from "../../lib/chat/session.ts";
import { initEngine } from "../../lib/engine/mod.ts";
import { sampleCompletions } from "../../lib/eval/generate_samples.ts";
import { loadPretrained } from "../../lib/model/pretrained.ts";
import { encodePrompt } from "../../lib/prompt/encode.ts";
import { errorKind } from "../../lib/util/errors.ts";
import { writeTinyChatModel } from "../helpers/chat_model.ts";

await initEngine({ verbose: false });
const dir = await Deno.makeTempDir({ prefix: "context_" });
const { model, tokenizer } = await loadPretrained(
  await writeTinyChatModel(dir, { seed: 5, context: 64 }),
);
const tok = tokenizer!;

Deno.test("chat drops the oldest exchanges to keep room for a reply, and says so", () => {
  const notes: string[] = [];
  const session = new ChatSession(model, tok, {
    preset: "greedy",
    maxNewTokens: 12,
    onNote: (note) => notes.push(note),
  });
  for (let turn = 0; turn < 6; turn++) {
    session.reply(`tell me about the moon, turn ${turn}`);
    const next = encodePrompt(tok, [
      ...session.messages,
      { role: "user", content: "x" },
    ]);
    assert.ok(next.length <= 64, `turn ${turn}: the history stays bounded`);
  }
  assert.ok(
    notes.some((n) =>
      /^\(dropped the oldest (exchange|\d+ exchanges) to fit the model's context of 64 tokens\)$/
        .test(n)
    ),
    notes.join("\n"),
  );
  // The latest exchange survives every drop.
  assert.equal(
    session.messages.at(-2)?.content,
    "tell me about the moon, turn 5",
  );
});

Deno.test("chat refuses a message too long for the context and keeps the conversation", () => {
  const session = new ChatSession(model, tok, {
    preset: "greedy",
    maxNewTokens: 4,
  });
  session.reply("hello");
  const before = session.messages;
  assert.throws(
    () => session.reply("moon ".repeat(80)),
    (error: Error) =>
      errorKind(error) === "input" &&
      /^the message is \d+ tokens with the chat template, which leaves no room for a reply in the model's context of 64 tokens/
        .test(error.message),
  );
  assert.deepEqual(session.messages, before);
});

Deno.test("chat: a reply that runs into the context is cut there, with a note", () => {
  const notes: string[] = [];
  // max_new_tokens past the context: the reply gets what the prompt leaves
  // (this random model never picks the end token in that many steps).
  const session = new ChatSession(model, tok, {
    preset: "greedy",
    maxNewTokens: 200,
    onNote: (note) => notes.push(note),
  });
  const prompt = encodePrompt(tok, [{ role: "user", content: "hi" }]);
  session.reply("hi");
  assert.deepEqual(notes, [
    `(reply cut at ${
      64 - prompt.length
    } tokens: the model's context of 64 tokens is full)`,
  ]);
});

Deno.test("evaluation sampling refuses a prompt past the context, or cuts it from the left when told", () => {
  const prompts = ["a short prompt", "moon ".repeat(80)];
  assert.throws(
    () =>
      sampleCompletions(model, tok, prompts, {
        k: 1,
        sampling: "greedy",
        maxNewTokens: 8,
      }),
    /prompt 1 has \d+ tokens, which leaves no room for new tokens in the model's context of 64 tokens/,
  );
  const { outputs } = sampleCompletions(model, tok, prompts, {
    k: 1,
    sampling: "greedy",
    maxNewTokens: 8,
    maxPromptLength: 56,
  });
  assert.equal(outputs.length, 2);
  assert.equal(outputs[1].samples.length, 1);
});
