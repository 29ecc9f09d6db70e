import assert from "node:assert/strict";
import {
  conversationRows,
  numinaRows,
  promptCompletionRows,
  smoltldrRows,
} from "../../lib/data/formats.ts";
import { gsm8kRows, parseGsm8kAnswer } from "../../lib/data/gsm8k.ts";
import {
  flattenToText,
  mapRubricColumns,
  openRubricsRows,
} from "../../lib/data/open_rubrics.ts";
import { readRows } from "../../lib/data/read.ts";

const FIXTURES = new URL("../fixtures/data/", import.meta.url).pathname;

Deno.test("GSM8K final answers: commas, negatives, decimals, $ and the last ####", () => {
  assert.equal(
    parseGsm8kAnswer("Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 eggs.\n#### 18"),
    18,
  );
  assert.equal(parseGsm8kAnswer("#### 1,234"), 1234);
  assert.equal(parseGsm8kAnswer("#### 1,234,567"), 1234567);
  assert.equal(parseGsm8kAnswer("#### -7"), -7);
  assert.equal(parseGsm8kAnswer("#### 3.75"), 3.75);
  assert.equal(parseGsm8kAnswer("####   $1,000.50 "), 1000.5);
  assert.equal(parseGsm8kAnswer("#### -$5"), -5);
  assert.equal(parseGsm8kAnswer("#### 40%"), 40);
  assert.equal(parseGsm8kAnswer("first #### 1\nthen\n#### 2"), 2);
  assert.throws(() => parseGsm8kAnswer("The answer is 5."), {
    message: 'the answer has no "#### <number>" line',
  });
  assert.throws(() => parseGsm8kAnswer("#### five"), {
    message: 'the text after "####" is not a number: "five"',
  });
  assert.throws(() => parseGsm8kAnswer("#### 12,34"), /not a number/);
  assert.throws(() => parseGsm8kAnswer("#### "), /not a number/);
});

Deno.test("GSM8K rows from a JSONL file; a bad answer names file, line and field", async () => {
  const path = `${FIXTURES}gsm8k.jsonl`;
  const rows = gsm8kRows(await readRows(path), path);
  assert.deepEqual(rows.map((r) => r.final), [8, 1234, -7]);
  assert.match(rows[0].question, /^A shop sells 3 pens/);
  assert.throws(
    () =>
      gsm8kRows([{ question: "q", answer: "#### 1" }, {
        question: "q",
        answer: "no mark",
      }], "test.csv"),
    {
      message:
        'test.csv row 2: field "answer": the answer has no "#### <number>" line',
    },
  );
});

Deno.test("conversations: gemma_haiku's `conversations` and the `messages` alias", async () => {
  const path = `${FIXTURES}conversations.json`;
  const rows = conversationRows(await readRows(path), path);
  assert.equal(rows.length, 3);
  assert.equal(rows[0].messages[0].role, "user");
  assert.equal(rows[2].messages[0].role, "system");
  assert.equal(rows[2].messages.length, 3);
});

Deno.test("prompt/completion, NuminaMath-TIR and smoltldr rows", () => {
  assert.deepEqual(
    promptCompletionRows([{ prompt: "p", completion: "c", id: 1 }], "pc"),
    [
      { prompt: "p", completion: "c" },
    ],
  );
  assert.throws(() => promptCompletionRows([{ prompt: "p" }], "pc.jsonl"), {
    message: 'pc.jsonl row 1: field "completion" is missing (columns: prompt)',
  });
  const numina = numinaRows([
    {
      problem: "2+2?",
      solution: "\\boxed{4}",
      messages: [{ role: "user", content: "2+2?" }, {
        role: "assistant",
        content: "\\boxed{4}",
      }],
    },
    { problem: "3+3?", solution: "\\boxed{6}" },
  ], "numina");
  assert.equal(numina[0].messages?.length, 2);
  assert.equal(numina[1].messages, undefined);
  // finetuned-llama's loader dropped `solution`; here its absence is an error.
  assert.throws(() => numinaRows([{ problem: "p" }], "numina test"), {
    message:
      'numina test row 1: field "solution" is missing (columns: problem)',
  });
  assert.deepEqual(
    smoltldrRows([{ prompt: "long post", completion: "tl;dr" }, {
      prompt: "other",
    }], "tldr"),
    [
      { prompt: "long post", completion: "tl;dr" },
      { prompt: "other" },
    ],
  );
  assert.throws(() => smoltldrRows([{ prompt: 3 }], "tldr"), {
    message: 'tldr row 1: field "prompt" must be a string, got number 3',
  });
});

Deno.test("OpenRubrics: columns mapped by ee596-fp's priority lists, reported, lists flattened", async () => {
  const path = `${FIXTURES}open_rubrics.jsonl`;
  const { rows, mapping, description } = openRubricsRows(
    await readRows(path),
    path,
  );
  assert.deepEqual(mapping, {
    question: "instruction",
    rubric: "rubric",
    reference: "response",
    score: "score",
  });
  assert.equal(
    description,
    "question ← instruction, rubric ← rubric, reference ← response, score ← score",
  );
  assert.deepEqual(rows[0], {
    question: "Explain why the sky is blue.",
    rubric:
      "Mentions Rayleigh scattering\nSays shorter wavelengths scatter more",
    reference: "Sunlight scatters off air molecules; blue light scatters most.",
    score: 8,
  });
  assert.equal(
    rows[1].rubric,
    "correctness: The number is prime and greater than 10\nbrevity: One number",
  );
  assert.equal(rows[1].score, 10);
});

Deno.test("OpenRubrics: other column names, missing roles and bad values", () => {
  const mapping = mapRubricColumns([{
    prompt: "q",
    criteria: "c",
    output: "o",
    rating: 3,
    question: "ignored",
  }], "x");
  // "prompt" comes before "question" in ee596-fp's list.
  assert.deepEqual(mapping, {
    question: "prompt",
    rubric: "criteria",
    reference: "output",
    score: "rating",
  });
  assert.deepEqual(
    mapRubricColumns([{ input: "q", scoring_rubric: "r" }], "x"),
    {
      question: "input",
      rubric: "scoring_rubric",
      reference: undefined,
      score: undefined,
    },
  );
  assert.throws(
    () => openRubricsRows([{ question: "q", notes: "n" }], "or.parquet"),
    {
      message:
        "or.parquet: no rubric column (tried rubric, scoring_rubric, criteria; columns: question, notes)",
    },
  );
  assert.throws(
    () =>
      openRubricsRows([{ question: "q", rubric: "r" }, {
        question: " ",
        rubric: "r",
      }], "or.parquet"),
    {
      message:
        'or.parquet row 2: field "question" (the question) is empty or missing',
    },
  );
  assert.throws(
    () =>
      openRubricsRows(
        [{ question: "q", rubric: "r", score: "high" }],
        "or.parquet",
      ),
    {
      message:
        'or.parquet row 1: field "score" (the score) must be a number, got string "high"',
    },
  );
  assert.equal(
    flattenToText([["a", "b"], { k: [1, 2] }, null]),
    "a\nb\nk: 1\n2",
  );
});
