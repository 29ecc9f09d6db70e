import assert from "node:assert/strict";
import { readRows } from "../../lib/data/read.ts";
import { field, validateRows } from "../../lib/data/schema.ts";

const FIXTURES = new URL("../fixtures/data/", import.meta.url).pathname;

Deno.test("valid rows come back typed, with only the schema's fields, aliases renamed", () => {
  const schema = [
    field("question", "string"),
    field("score", "number", { optional: true }),
    field("steps", "integer"),
    field("tags", "string[]", { aliases: ["labels"] }),
    field("ok", "boolean"),
  ] as const;
  const rows = validateRows(
    [
      { question: "q1", score: 0.5, steps: 3, tags: ["a"], ok: true, extra: 1 },
      { question: "q2", steps: "4", labels: [], ok: false },
      { question: "q3", score: "1,200", steps: 2, tags: ["b", "c"], ok: true },
    ],
    schema,
    "mem",
  );
  assert.deepEqual(rows, [
    { question: "q1", score: 0.5, steps: 3, tags: ["a"], ok: true },
    { question: "q2", steps: 4, tags: [], ok: false },
    { question: "q3", score: 1200, steps: 2, tags: ["b", "c"], ok: true },
  ]);
  // Typed: these compile only if the schema's types come through.
  const question: string = rows[0].question;
  const score: number | undefined = rows[1].score;
  assert.equal(question, "q1");
  assert.equal(score, undefined);
});

Deno.test("errors name the source, the row and the field path", () => {
  const schema = [
    field("messages", "messages", { aliases: ["conversations"] }),
  ] as const;
  const good = { conversations: [{ role: "user", content: "hi" }] };
  const cases: [unknown, string][] = [
    [
      {
        conversations: [{ role: "user", content: "hi" }, {
          role: "assistant",
          content: 7,
        }],
      },
      'eval.json row 2: field "conversations[1].content" must be a string, got number 7',
    ],
    [
      { messages: [{ role: "human", content: "hi" }] },
      'eval.json row 2: field "messages[0].role" must be one of system, user, assistant, tool, got "human"',
    ],
    [
      { messages: [] },
      'eval.json row 2: field "messages" must be a non-empty list of {role, content} messages, got array',
    ],
    [
      { messages: ["hi"] },
      'eval.json row 2: field "messages[0]" must be a {role, content} object, got string "hi"',
    ],
    [
      { text: "hi" },
      'eval.json row 2: field "messages" or "conversations" is missing (columns: text)',
    ],
    [
      { messages: null },
      'eval.json row 2: field "messages" or "conversations" is missing (columns: messages)',
    ],
  ];
  for (const [bad, message] of cases) {
    assert.throws(
      () => validateRows([good, bad as never], schema, "eval.json"),
      { message },
    );
  }
});

Deno.test("number, integer and string errors", () => {
  const schema = [field("n", "integer"), field("s", "string")] as const;
  assert.throws(() => validateRows([{ n: 1.5, s: "x" }], schema, "a.csv"), {
    message: 'a.csv row 1: field "n" must be a whole number, got number 1.5',
  });
  assert.throws(() => validateRows([{ n: "seven", s: "x" }], schema, "a.csv"), {
    message: 'a.csv row 1: field "n" must be a number, got string "seven"',
  });
  assert.throws(() => validateRows([{ n: 1, s: ["x"] }], schema, "a.csv"), {
    message: 'a.csv row 1: field "s" must be a string, got array',
  });
  assert.throws(() => validateRows([{ n: "", s: "x" }], schema, "a.csv"), {
    message: 'a.csv row 1: field "n" must be a number, got string ""',
  });
});

Deno.test("rows read from a file are located by their line, even after filtering", async () => {
  const path = `${FIXTURES}gsm8k.jsonl`;
  const rows = await readRows(path);
  assert.throws(
    () =>
      validateRows(rows.slice(1), [field("question", "number")] as const, path),
    {
      message:
        `${path} line 3: field "question" must be a number, got string "A town has 1,000 houses and builds 234 m…"`,
    },
  );
  const csv = `${FIXTURES}haiku.csv`;
  const csvRows = await readRows(csv);
  assert.throws(
    () =>
      validateRows(
        csvRows,
        [field("topic", "string")] as const,
        csv,
      ),
    {
      message:
        `${csv} line 2 (record 1): field "topic" is missing (columns: haiku, summary)`,
    },
  );
});
