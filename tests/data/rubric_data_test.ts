import assert from "node:assert/strict";

// Checks data/rubric/{train,eval}.jsonl: the hand-written rubric-scored
// reasoning questions (ee596-fp's OpenRubrics stand-in).

const TOPICS = new Set([
  "science",
  "history",
  "everyday reasoning",
  "math reasoning",
  "language",
  "ethics",
  "geography",
  "economics",
  "health",
  "technology",
]);
const KEYS = ["id", "question", "rubric", "reference_answer", "topic"];

interface RubricRow {
  id: string;
  question: string;
  rubric: { criterion: string; points: number }[];
  reference_answer: string;
  topic: string;
}

function load(split: "train" | "eval"): { where: string; row: RubricRow }[] {
  const path = new URL(`../../data/rubric/${split}.jsonl`, import.meta.url);
  return Deno.readTextFileSync(path).split("\n")
    .map((line, i) => ({ line, where: `data/rubric/${split}.jsonl:${i + 1}` }))
    .filter(({ line }) => line.trim() !== "")
    .map(({ line, where }) => {
      try {
        return { where, row: JSON.parse(line) as RubricRow };
      } catch (e) {
        throw new Error(`${where}: invalid JSON: ${(e as Error).message}`);
      }
    });
}

// Sentence ends: . ! or ? (optionally closing a quote) before a capital or the end.
const sentenceCount = (text: string) =>
  text.match(/[.!?]['"”’]?(?=\s+["'(]?[A-Z]|$)/g)?.length ?? 0;

const train = load("train"), evalRows = load("eval");

Deno.test("every rubric row has the documented schema", () => {
  for (const { where, row } of [...train, ...evalRows]) {
    assert.deepEqual(Object.keys(row), KEYS, `${where}: keys`);
    assert.match(row.id, /^rubric-\d{3}$/, `${where}: id`);
    assert.ok(row.question.trim().length >= 15, `${where}: question`);
    assert.ok(TOPICS.has(row.topic), `${where}: topic "${row.topic}"`);
    assert.ok(Array.isArray(row.rubric), `${where}: rubric is not an array`);
    assert.ok(
      row.rubric.length >= 3 && row.rubric.length <= 5,
      `${where}: ${row.rubric.length} criteria, want 3–5`,
    );
    for (const [j, item] of row.rubric.entries()) {
      assert.deepEqual(Object.keys(item), ["criterion", "points"], where);
      assert.ok(
        item.criterion.trim().length >= 10,
        `${where}: criterion ${j} too short`,
      );
      assert.ok(
        Number.isInteger(item.points) && item.points > 0,
        `${where}: criterion ${j} points ${item.points}`,
      );
    }
    const criteria = row.rubric.map((r) => r.criterion);
    assert.equal(new Set(criteria).size, criteria.length, `${where}: repeats`);
    const n = sentenceCount(row.reference_answer);
    assert.ok(n >= 2 && n <= 5, `${where}: reference has ${n} sentences`);
  }
});

Deno.test("rubric counts: at least 100 questions, about 90 train and 20 eval", () => {
  assert.ok(train.length >= 85, `train has ${train.length}`);
  assert.ok(evalRows.length >= 20, `eval has ${evalRows.length}`);
  assert.ok(train.length + evalRows.length >= 100);
  // Eval should not be a single topic.
  assert.ok(new Set(evalRows.map((r) => r.row.topic)).size >= 5);
});

Deno.test("rubric ids and questions are unique and train/eval are disjoint", () => {
  const norm = (q: string) =>
    q.toLowerCase().replace(/[^a-z0-9]+/g, " ").trim();
  const all = [...train, ...evalRows].map((r) => r.row);
  assert.equal(new Set(all.map((r) => r.id)).size, all.length, "ids");
  assert.equal(
    new Set(all.map((r) => norm(r.question))).size,
    all.length,
    "questions",
  );
  const trainQuestions = new Set(train.map((r) => norm(r.row.question)));
  for (const { where, row } of evalRows) {
    assert.ok(!trainQuestions.has(norm(row.question)), `${where} is in train`);
  }
});

Deno.test("the sentence counter used above counts what it should", () => {
  assert.equal(sentenceCount("One. Two! Three?"), 3);
  assert.equal(sentenceCount("It costs $1.10 in total. The ball is $0.05."), 2);
  assert.equal(sentenceCount("He said 'no.' Then he left."), 2);
  assert.equal(sentenceCount("No full stop here"), 0);
});
