import assert from "node:assert/strict";
import { hhPair, parseHhDialogue } from "../../lib/data/hh_dialogue.ts";
import type { LoadDatasetOptions } from "../../lib/data/hub.ts";
import { hubSettings } from "../../lib/hub/settings.ts";
import { extractPrompt } from "../../lib/data/implicit_prompt.ts";
import {
  loadPreferences,
  preferencePair,
  preferencePairs,
} from "../../lib/data/preference.ts";
import { readRows } from "../../lib/data/read.ts";
import { InputError } from "../../lib/util/errors.ts";
import { FakeDatasetHub } from "./fake_dataset_hub.ts";

const DIR = new URL("../fixtures/data/preference/", import.meta.url).pathname;
const user = (content: string) => ({ role: "user" as const, content });
const assistant = (content: string) => ({
  role: "assistant" as const,
  content,
});

async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("standard rows: text pairs, the margin column, file and line in where", async () => {
  const { pairs, skipped, source } = await loadPreferences(
    `${DIR}standard.jsonl`,
  );
  assert.equal(source, `${DIR}standard.jsonl`);
  assert.deepEqual(skipped, []);
  assert.deepEqual(
    pairs.map((
      p,
    ) => [
      p.format,
      p.conversational,
      p.prompt,
      p.chosen,
      p.rejected,
      p.margin,
    ]),
    [
      ["standard", false, "The sky is", " blue.", " green.", undefined],
      ["standard", false, "Q: What is 2+2?\nA:", " 4", " 5", 1.5],
      [
        "standard",
        false,
        "Name a fruit:",
        " pear<|im_end|>",
        " brick",
        undefined,
      ],
    ],
  );
  assert.equal(pairs[1].where, `${DIR}standard.jsonl line 2`);
  assert.equal(pairs[1].row.margin, 1.5);
});

Deno.test("conversational rows: prompt messages, chosen/rejected assistant turns", async () => {
  const { pairs } = await loadPreferences(`${DIR}conversational.jsonl`);
  assert.deepEqual(pairs.map((p) => p.format), [
    "conversational",
    "conversational",
  ]);
  assert.deepEqual(pairs[0].prompt, [user("What color is the sky?")]);
  assert.deepEqual(pairs[0].chosen, [assistant("It is blue.")]);
  assert.deepEqual(pairs[0].rejected, [assistant("It is green.")]);
  assert.equal(pairs[1].prompt.length, 4);
  assert.equal(pairs[1].margin, 2);
});

Deno.test("extractPrompt matches TRL's extract_prompt on hand-made cases", () => {
  // First difference at "b"/"g"; the space before it goes to the completions.
  assert.deepEqual(extractPrompt("The sky is blue.", "The sky is green."), {
    prompt: "The sky is",
    chosen: " blue.",
    rejected: " green.",
  });
  // Character-wise, not word-wise: TRL splits inside "bl|ue".
  assert.deepEqual(extractPrompt("It is blue.", "It is black."), {
    prompt: "It is bl",
    chosen: "ue.",
    rejected: "ack.",
  });
  // One a prefix of the other: Python's loop variable stops at min − 1.
  assert.deepEqual(extractPrompt("abc", "abcd"), {
    prompt: "ab",
    chosen: "c",
    rejected: "cd",
  });
  // By code point, as Python indexes: 😀 and 😁 share a UTF-16 high surrogate.
  assert.deepEqual(extractPrompt("x 😀", "x 😁"), {
    prompt: "x",
    chosen: " 😀",
    rejected: " 😁",
  });
  // Differing at once: an empty prompt (TRL would read index -1).
  assert.equal(extractPrompt("Yes ", "No ").prompt, "");
  assert.equal(extractPrompt("", "No").prompt, "");
  // Conversations: by whole messages, as TRL's docstring example.
  const sky = user("What color is the sky?");
  assert.deepEqual(
    extractPrompt([sky, assistant("It is blue.")], [
      sky,
      assistant("It is green."),
    ]),
    {
      prompt: [sky],
      chosen: [assistant("It is blue.")],
      rejected: [assistant("It is green.")],
    },
  );
  assert.deepEqual(
    extractPrompt([sky, assistant("a")], [sky, assistant("a"), user("more")]),
    {
      prompt: [sky],
      chosen: [assistant("a")],
      rejected: [assistant("a"), user("more")],
    },
  );
});

Deno.test("implicit rows: strings and conversations split at their common start", async () => {
  const text = await loadPreferences(`${DIR}implicit.jsonl`);
  assert.deepEqual(
    text.pairs.map((p) => [p.format, p.prompt, p.chosen, p.rejected]),
    [
      ["implicit", "The sky is", " blue.", " green."],
      ["implicit", "Q: Capital of France? A:", " Paris", " Lyon"],
      ["implicit", "It is bl", "ue.", "ack."],
    ],
  );
  const chat = await loadPreferences(`${DIR}implicit_conversational.json`);
  assert.deepEqual(chat.pairs.map((p) => [p.format, p.conversational]), [
    ["implicit", true],
    ["implicit", true],
  ]);
  assert.deepEqual(chat.pairs[0].prompt, [user("What color is the sky?")]);
  assert.deepEqual(chat.pairs[1].prompt, [
    user("Hi"),
    assistant("Hello."),
    user("Tell me a fact."),
  ]);
  assert.deepEqual(chat.pairs[1].rejected, [assistant("No.")]);
  assert.equal(chat.pairs[1].where, `${DIR}implicit_conversational.json row 2`);
});

Deno.test("HH dialogues: single and multi-turn become conversations", async () => {
  const { pairs } = await loadPreferences(`${DIR}hh.jsonl`);
  assert.deepEqual(pairs.map((p) => p.format), ["hh", "hh"]);
  assert.deepEqual(pairs[0].prompt, [
    user("How do I keep basil alive indoors?"),
  ]);
  assert.deepEqual(pairs[0].chosen, [
    assistant(
      "Give it a sunny window and water it when the top of the soil is dry.",
    ),
  ]);
  assert.deepEqual(pairs[0].rejected, [
    assistant("Basil cannot grow indoors."),
  ]);
  // Every turn up to the last Assistant is the prompt; a blank line inside
  // a reply is text, not a turn.
  assert.deepEqual(pairs[1].prompt, [
    user("Can you suggest a board game?"),
    assistant("Sure. Do you want something quick or long?"),
    user("Quick, for two people."),
  ]);
  assert.deepEqual(pairs[1].chosen, [
    assistant(
      "Try Patchwork: it takes about half an hour.\n\nIt is easy to learn.",
    ),
  ]);
  assert.deepEqual(pairs[1].rejected, [assistant("Chess.")]);

  // Read as plain strings instead, TRL's character-wise split applies.
  const asText = await loadPreferences(`${DIR}hh.jsonl`, {
    format: "implicit",
  });
  assert.equal(
    asText.pairs[0].prompt,
    "\n\nHuman: How do I keep basil alive indoors?\n\nAssistant:",
  );
  assert.equal(asText.pairs[0].rejected, " Basil cannot grow indoors.");
});

Deno.test("HH parsing: leading whitespace, an empty final reply, and what is not a dialogue", () => {
  assert.deepEqual(parseHhDialogue("Human: Hi\n\nAssistant:"), [
    user("Hi"),
    assistant(""),
  ]);
  assert.deepEqual(
    parseHhDialogue(" \n\nHuman:  two spaces\n\nAssistant: ok "),
    [
      user(" two spaces"),
      assistant("ok "),
    ],
  );
  assert.throws(
    () => parseHhDialogue("\n\nAssistant: I start"),
    /must start with "\\n\\nHuman: ", got "\\n\\nAssistant: I start"/,
  );
  assert.throws(
    () => parseHhDialogue("\n\nHuman: only me"),
    /has no "\\n\\nAssistant: " turn/,
  );
  assert.throws(
    () =>
      hhPair(
        "\n\nHuman: a\n\nAssistant: x\n\nAssistant: y",
        "\n\nHuman: a\n\nAssistant: x\n\nAssistant: z",
      ),
    /field "chosen": the last Assistant turn must follow a Human turn, not another Assistant turn/,
  );
});

Deno.test("a margin column in CSV: numbers as text, a blank cell is no margin", async () => {
  const { pairs } = await loadPreferences(`${DIR}margin.csv`);
  assert.deepEqual(pairs.map((p) => [p.prompt, p.chosen, p.margin]), [
    ["Say hi:", " hi", 0.5],
    ["Count to two:", " one, two", undefined],
  ]);
  assert.equal(pairs[0].where, `${DIR}margin.csv line 2 (record 1)`);
});

Deno.test("each bad row is one line naming the file, the line and the field", async () => {
  const file = `${DIR}bad.jsonl`;
  const rows = await readRows(file);
  const expected = [
    'field "chosen" is missing (columns: prompt, rejected)',
    'field "chosen" must be a string or a list of {role, content} messages, got number 3',
    'fields "chosen" and "rejected" are identical: a preference pair must differ',
    'field "chosen" must hold only assistant turns (the reply to the prompt), but chosen[0] has role "user"',
    'field "chosen" ends with a Human turn: an HH dialogue ends with the Assistant reply being compared',
    'fields "chosen" and "rejected" share no common start, so there is no implicit prompt: add a "prompt" field',
    'field "margin" must be a number, got string "lots"',
    'field "prompt" is text but "chosen" is a message list: give all three as text or all as message lists (or drop "prompt" to take the common start of chosen and rejected as the prompt)',
    'field "chosen[0].role" must be "system", "user" or "assistant", got "bot"',
    'field "rejected" is a message list but "chosen" is text: both must be text or both message lists',
    'field "rejected": its turns before the last Assistant reply differ from chosen\'s at turn 2 (an HH pair shares every turn but the final reply)',
    'field "prompt" must end with a user turn (chosen and rejected answer it), got role "assistant" at prompt[1]',
    'field "rejected" must hold only assistant turns (the reply to the prompt), but rejected[1] has role "user" (the common start of chosen and rejected is their first 1 message(s), so chosen and rejected continue from message 1)',
    'field "chosen" is an empty message list',
  ];
  assert.equal(rows.length, expected.length);
  rows.forEach((row, i) => {
    assert.throws(
      () => preferencePair(row, file, i),
      (error: Error) => {
        assert.ok(error instanceof InputError);
        assert.equal(error.message, `${file} line ${i + 1}: ${expected[i]}`);
        assert.ok(!error.message.includes("\n"));
        return true;
      },
    );
  });
  // The first bad row stops a whole file; "skip" keeps the messages instead.
  await assert.rejects(
    () => loadPreferences(file),
    new RegExp(`^InputError: ${file} line 1: field "chosen" is missing`),
  );
  const skipped = await loadPreferences(file, { onBadRow: "skip" });
  assert.deepEqual(skipped.pairs, []);
  assert.deepEqual(
    skipped.skipped,
    expected.map((m, i) => `${file} line ${i + 1}: ${m}`),
  );
});

Deno.test("a forced format must fit every row", () => {
  const row = { prompt: "p", chosen: "a", rejected: "b" };
  assert.throws(
    () => preferencePairs([row], "x.jsonl", { format: "conversational" }),
    /^InputError: x.jsonl row 1: field "prompt" is text, but format "conversational" needs a message list$/,
  );
  assert.throws(
    () =>
      preferencePairs([{ chosen: "a", rejected: "b" }], "x.jsonl", {
        format: "standard",
      }),
    /x.jsonl row 1: field "prompt" is missing \(format "standard"; columns: chosen, rejected\)/,
  );
  assert.throws(
    () => preferencePairs([row], "x.jsonl", { format: "pairs" as "hh" }),
    /unknown preference format "pairs" \(use auto, standard, conversational, implicit, hh\)/,
  );
  // Identical once parsed: HH sides that differ only before the first turn.
  assert.throws(
    () =>
      preferencePairs([{
        chosen: "\n\nHuman: Hi\n\nAssistant: Hello.",
        rejected: " \n\nHuman: Hi\n\nAssistant: Hello.",
      }], "x.jsonl"),
    /^InputError: x.jsonl row 1: fields "chosen" and "rejected" are identical once parsed: a preference pair must differ$/,
  );
  // A prompt column of the other kind is ignored by the implicit format.
  const chat = {
    prompt: "ignored",
    chosen: [user("q"), assistant("a")],
    rejected: [user("q"), assistant("b")],
  };
  const { pairs } = preferencePairs([chat], "x.jsonl", { format: "implicit" });
  assert.deepEqual(pairs[0].prompt, [user("q")]);
});

Deno.test("an hh-rlhf-like hub repo: .jsonl.gz splits under config folders", async () => {
  const hub = FakeDatasetHub.start();
  const cacheDir = await Deno.makeTempDir({ prefix: "tunebook-dscache-" });
  try {
    const hh = await Deno.readTextFile(`${DIR}hh.jsonl`);
    const [first, second] = hh.trimEnd().split("\n");
    await hub.addDataset("Anthropic/hh-rlhf", {
      main: {
        "README.md": "---\nlicense: mit\n---\n# HH\n",
        "harmless-base/train.jsonl.gz": await gzip(hh),
        "harmless-base/test.jsonl.gz": await gzip(`${second}\n`),
        "helpful-base/train.jsonl.gz": await gzip(`${first}\n`),
        "helpful-base/test.jsonl.gz": await gzip(`${first}\n`),
      },
    });
    const options: LoadDatasetOptions = {
      settings: hubSettings({
        endpoint: hub.url,
        cacheDir,
        token: null,
        offline: false,
        env: {},
        envFile: null,
      }),
      progress: false,
      retries: 0,
      retryDelayMs: 1,
      log: () => {},
    };
    const test = await loadPreferences("Anthropic/hh-rlhf", {
      ...options,
      config: "harmless-base",
      split: "test",
    });
    assert.equal(test.dataset.origin, "hub");
    assert.deepEqual(test.pairs.map((p) => [p.format, p.prompt.length]), [
      ["hh", 3],
    ]);
    assert.ok(test.source.endsWith("/harmless-base/test.jsonl.gz"));
    assert.equal(test.pairs[0].where, `${test.source} line 1`);
    // No config: every folder's train file, as the hub's default config.
    const train = await loadPreferences("Anthropic/hh-rlhf", options);
    assert.equal(train.pairs.length, 3);
    assert.equal(train.source, "Anthropic/hh-rlhf");
    assert.equal(
      train.pairs[2].where,
      "Anthropic/hh-rlhf helpful-base/train.jsonl.gz line 1",
    );
  } finally {
    await hub.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
});
