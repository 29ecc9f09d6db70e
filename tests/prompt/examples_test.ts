import assert from "node:assert/strict";
import { readRows } from "../../lib/data/read.ts";
import { encodePrompt } from "../../lib/prompt/encode.ts";
import { promptExamples } from "../../lib/prompt/examples.ts";
import { loadTokenizer } from "../../lib/tokenizer/mod.ts";
import { CHATML_DIR } from "../tokenizer/helpers.ts";

const tok = await loadTokenizer(CHATML_DIR);

Deno.test("promptExamples: a prompt column, or a conversation up to its last user turn", () => {
  const conversation = [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Topic: rain." },
    { role: "assistant", content: "drops on the tin roof" },
  ];
  const rows = [
    { prompt: "plain text", extra: 1 },
    { prompt: [{ role: "user", content: "hi" }] },
    { conversations: conversation },
    { messages: conversation.slice(0, 2) },
  ];
  const examples = promptExamples(rows, "data.jsonl");
  assert.equal(examples[0].prompt, "plain text");
  assert.equal(examples[0].row, rows[0], "reward functions see the whole row");
  assert.deepEqual(examples[1].prompt, [{ role: "user", content: "hi" }]);
  // The assistant answer is what the policy must write: it is dropped.
  assert.deepEqual(examples[2].prompt, conversation.slice(0, 2));
  assert.deepEqual(examples[3].prompt, conversation.slice(0, 2));
});

Deno.test("promptExamples: a row without a usable prompt names the file and line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/bad.jsonl`;
    await Deno.writeTextFile(
      path,
      [
        JSON.stringify({ prompt: "ok" }),
        "",
        JSON.stringify({ text: "no prompt here" }),
      ].join("\n"),
    );
    const rows = await readRows(path);
    assert.throws(
      () => promptExamples(rows, path),
      new RegExp(`${path} line 3: no prompt: .*found text`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.throws(
    () =>
      promptExamples(
        [{ messages: [{ role: "assistant", content: "x" }] }],
        "f",
      ),
    /f row 1: field "messages" must end with a user turn/,
  );
  assert.throws(
    () => promptExamples([{ prompt: [{ role: "robot", content: "x" }] }], "f"),
    /f row 1: prompt\[0\]\.role must be/,
  );
});

Deno.test("encodePrompt: chat template with the generation prompt, text as is, cut from the left", () => {
  const messages = [{ role: "user" as const, content: "Say hi." }];
  const ids = encodePrompt(tok, messages);
  assert.deepEqual(
    ids,
    tok.encodeChat(messages, { addGenerationPrompt: true }),
  );
  assert.match(tok.decode(ids), /assistant\n$/, "the assistant turn is open");
  assert.deepEqual(encodePrompt(tok, "plain words"), tok.encode("plain words"));
  const cut = encodePrompt(tok, messages, 3);
  assert.deepEqual(cut, ids.slice(-3), "TRL keeps the end of the prompt");
  assert.deepEqual(encodePrompt(tok, messages, ids.length), ids);
});
