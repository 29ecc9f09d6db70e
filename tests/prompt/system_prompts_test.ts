import assert from "node:assert/strict";
import {
  mathPrompt,
  mathSystemPrompt,
  REASONING_SYSTEM_PROMPT,
  reasoningPrompt,
  shortMathSystemPrompt,
} from "../../lib/prompt/system_prompts.ts";

Deno.test("mathPrompt: finetuned-llama's R1 system prompt then the question", () => {
  const messages = mathPrompt("What is 2 + 2?");
  assert.deepEqual(messages.map((m) => m.role), ["system", "user"]);
  assert.match(
    messages[0].content,
    /^A conversation between User and Assistant/,
  );
  assert.match(
    messages[0].content,
    /<think> <\/think> and <answer> <\/answer>/,
  );
  assert.equal(messages[1].content, "What is 2 + 2?");
  assert.match(mathSystemPrompt("reasoning"), /<reasoning> <\/reasoning>/);
});

Deno.test("mathPrompt: the short system prompt is one sentence naming the tags", () => {
  const messages = mathPrompt("What is 2 + 2?", "think", { system: "short" });
  assert.deepEqual(messages.map((m) => m.role), ["system", "user"]);
  assert.equal(messages[0].content, shortMathSystemPrompt("think"));
  assert.match(messages[0].content, /<think> <\/think>.*<answer> <\/answer>/);
  assert.ok(messages[0].content.length < mathSystemPrompt().length / 2);
  assert.match(shortMathSystemPrompt("reasoning"), /<reasoning> <\/reasoning>/);
  assert.deepEqual(
    mathPrompt("q", "think", { system: "r1" }),
    mathPrompt("q"),
    "the R1 prompt stays the default",
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => mathPrompt("q", "think", { system: "long" as any }),
    /unknown math system prompt "long"/,
  );
  assert.deepEqual(
    mathPrompt("What is 6 × 7?", "think", { system: "none" }),
    [{ role: "user", content: "What is 6 × 7?" }],
    "none: the question alone",
  );
});

Deno.test("reasoning prompt: ee596-fp's system prompt, the question as the user turn, no rubric", () => {
  const prompt = reasoningPrompt("Why is the sky blue?");
  assert.deepEqual(prompt, [
    { role: "system", content: REASONING_SYSTEM_PROMPT },
    { role: "user", content: "Why is the sky blue?" },
  ]);
});
