import assert from "node:assert/strict";
import { answerRecord, questionsOf } from "../../lib/chat/answers.ts";
import { REASONING_SYSTEM_PROMPT } from "../../lib/prompt/system_prompts.ts";
import { loadChatModel, parsePreset } from "../../lib/chat/load.ts";
import { ChatSession } from "../../lib/chat/session.ts";
import { TextStream } from "../../lib/chat/stream.ts";
import { initEngine } from "../../lib/engine/mod.ts";
import { generate } from "../../lib/generate/generate.ts";
import { textConstraint } from "../../lib/generate/text_constraint.ts";
import { writeTinyChatModel } from "../helpers/chat_model.ts";
import { runScriptWithInput } from "../helpers/run_script.ts";

await initEngine({ verbose: false });
const root = new URL("../../", import.meta.url).pathname;
const modelDir = await writeTinyChatModel(await Deno.makeTempDir(), {
  seed: 7,
});

function run(script: string, args: string[], stdin = "") {
  return runScriptWithInput(script, args, stdin, root);
}

const chat = (args: string[], stdin: string) =>
  run("lib/cli/chat.ts", ["--model", modelDir, ...args], stdin);

Deno.test("chat with piped stdin keeps the conversation, switches preset and stops at /quit", async () => {
  const { code, stdout, stderr } = await chat(
    ["--max-new-tokens", "6", "--seed", "3"],
    "hello\n/preset greedy\nhi again\n/quit\nnever answered\n",
  );
  assert.equal(code, 0, stderr);
  assert.match(stderr, /\(preset greedy\)/);

  // The same turns in process: the CLI's stdout is exactly these replies.
  const { model, tokenizer } = await loadChatModel(modelDir);
  const session = new ChatSession(model, tokenizer, {
    maxNewTokens: 6,
    seed: 3,
  });
  const first = session.reply("hello");
  session.preset = "greedy";
  const second = session.reply("hi again");
  assert.equal(stdout, `${first}\n${second}\n`);
  assert.ok(first.length > 0 && second.length > 0);

  // The greedy turn saw the first exchange: argmax over the whole history.
  const prompt = tokenizer.encodeChat([
    { role: "user", content: "hello" },
    { role: "assistant", content: first },
    { role: "user", content: "hi again" },
  ], { addGenerationPrompt: true });
  const [direct] = generate(model, [prompt], {
    maxNewTokens: 6,
    sampling: "greedy",
    stopTokens: [...tokenizer.eosIds],
    text: textConstraint(tokenizer),
  });
  assert.equal(
    second,
    tokenizer.decode(
      direct.tokens.filter((t) => !tokenizer.eosIds.includes(t)),
      {
        skipSpecialTokens: true,
      },
    ),
  );
  model.dispose();
});

Deno.test("chat greedy replies are deterministic across seeds; /reset restarts the conversation", async () => {
  const input = "hello\n/reset\nhello\n";
  const a = await chat(["--preset", "greedy", "--max-new-tokens", "5"], input);
  const b = await chat(
    ["--preset", "greedy", "--max-new-tokens", "5", "--seed", "99"],
    input,
  );
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(a.stdout, b.stdout);
  assert.ok(a.stdout.trim().length > 0, "greedy replies are empty");
  const replies = a.stdout.split("\n");
  // After /reset the second "hello" has the same context as the first.
  assert.equal(
    a.stdout,
    `${replies.slice(0, replies.length / 2).join("\n")}\n`.repeat(2),
  );
});

Deno.test("chat rejects an unknown preset naming it and the choices", async () => {
  const { code, stderr } = await chat(["--preset", "hot"], "");
  assert.equal(code, 2);
  assert.match(stderr, /unknown preset "hot"/);
  assert.match(stderr, /greedy, conservative, standard, creative/);
  assert.throws(() => parsePreset("warm"), /"warm".*greedy/);
});

Deno.test("chat names a model folder that cannot be loaded", async () => {
  const missing = `${await Deno.makeTempDir()}/no-model`;
  const { code, stderr } = await run("lib/cli/chat.ts", ["--model", missing]);
  assert.equal(code, 1);
  assert.ok(stderr.includes(missing), stderr);
});

Deno.test("answer writes one JSON entry per question, greedy answers matching generate", async () => {
  const dir = await Deno.makeTempDir();
  const questions = `${dir}/questions.jsonl`;
  await Deno.writeTextFile(
    questions,
    [
      { id: "q1", question: "Why is the sky blue?" },
      { id: "q2", question: "What is 2 + 3?" },
      { prompt: "Name a colour." },
    ].map((r) => JSON.stringify(r)).join("\n") + "\n",
  );
  const out = `${dir}/answers.json`;
  const { code, stderr } = await run("lib/cli/answer.ts", [
    "--questions",
    questions,
    "--model",
    modelDir,
    "--preset",
    "greedy",
    "--max-new-tokens",
    "8",
    "--batch-size",
    "2",
    "--out",
    out,
  ]);
  assert.equal(code, 0, stderr);
  assert.match(stderr, /answer 3\/3 \(100%\)/);
  const records = JSON.parse(await Deno.readTextFile(out));
  assert.deepEqual(records.map((r: { id: unknown }) => r.id), ["q1", "q2", 2]);

  const { model, tokenizer } = await loadChatModel(modelDir);
  const texts = ["Why is the sky blue?", "What is 2 + 3?", "Name a colour."];
  for (const [i, record] of records.entries()) {
    assert.deepEqual(Object.keys(record), [
      "id",
      "question",
      "answer",
      "reasoning",
      "final_answer",
      "format_ok",
      "preset",
      "seed",
    ]);
    assert.equal(record.question, texts[i]);
    assert.equal(record.preset, "greedy");
    assert.equal(typeof record.seed, "number");
    assert.equal(record.format_ok, false); // a random model writes no tags
    const prompt = tokenizer.encodeChat([
      { role: "system", content: REASONING_SYSTEM_PROMPT },
      { role: "user", content: texts[i] },
    ], { addGenerationPrompt: true });
    const [direct] = generate(model, [prompt], {
      maxNewTokens: 8,
      sampling: "greedy",
      stopTokens: [...tokenizer.eosIds],
      text: textConstraint(tokenizer),
    });
    assert.equal(
      record.answer,
      tokenizer.decode(direct.tokens, { skipSpecialTokens: true }),
    );
  }
  model.dispose();
});

Deno.test("answer --k gives k entries per question with their own seeds", async () => {
  const dir = await Deno.makeTempDir();
  const questions = `${dir}/q.csv`;
  await Deno.writeTextFile(questions, "id,question\na,Why?\nb,How?\n");
  const { code, stdout, stderr } = await run("lib/cli/answer.ts", [
    "--questions",
    questions,
    "--model",
    modelDir,
    "--k",
    "2",
    "--max-new-tokens",
    "4",
  ]);
  assert.equal(code, 0, stderr);
  const records = JSON.parse(stdout);
  assert.deepEqual(records.map((r: { id: string }) => r.id), [
    "a",
    "a",
    "b",
    "b",
  ]);
  assert.notEqual(records[0].seed, records[1].seed);
  assert.ok(records.every((r: { preset: string }) => r.preset === "standard"));
});

Deno.test("answer names a missing questions file and a bad preset", async () => {
  const missing = `${await Deno.makeTempDir()}/missing.jsonl`;
  const gone = await run("lib/cli/answer.ts", ["--questions", missing]);
  assert.equal(gone.code, 1);
  assert.ok(gone.stderr.includes(missing), gone.stderr);
  const bad = await run("lib/cli/answer.ts", [
    "--questions",
    missing,
    "--preset",
    "spicy",
  ]);
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /unknown preset "spicy".*greedy, conservative, standard, creative/,
  );
});

Deno.test("questionsOf names the file and row without a question; answerRecord extracts tags", () => {
  assert.throws(
    () =>
      questionsOf([{ id: 1, question: "ok" }, { id: 2, text: "x" }], "q.json"),
    /q\.json row 2: has no "question" or "prompt" column \(columns: id, text\)/,
  );
  const tagged =
    "<reasoning>\n2 and 3 make 5\n</reasoning>\n<answer>\n5\n</answer>";
  const record = answerRecord(
    { id: "q", question: "2+3?" },
    tagged,
    "greedy",
    4,
  );
  assert.equal(record.reasoning, "2 and 3 make 5");
  assert.equal(record.final_answer, "5");
  assert.equal(record.format_ok, true);
  assert.equal(
    answerRecord({ id: "q", question: "?" }, "5", "greedy", 4).format_ok,
    false,
  );
});

Deno.test("TextStream emits exactly the decoded text, holding back split characters", async () => {
  const { model, tokenizer } = await loadChatModel(modelDir);
  model.dispose();
  const text = "héllo wörld → 世界\nnext line";
  const ids = tokenizer.encode(text, { addSpecialTokens: false });
  const stream = new TextStream(tokenizer, new Set(tokenizer.eosIds));
  const pieces = ids.map((id) => stream.push(id));
  pieces.push(stream.flush());
  assert.equal(pieces.join(""), tokenizer.decode(ids));
  assert.ok(pieces.every((p) => !p.includes("\uFFFD")));
  assert.ok(pieces.includes(""), "no token was held back mid-character");
  assert.equal(stream.push(tokenizer.eosIds[0]), "");
});
