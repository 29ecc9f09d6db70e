import assert from "node:assert/strict";
import { haikuSyllables } from "../../lib/rewards/syllables.ts";
import { checkHaikuDataset } from "../../data/haiku/check.ts";

const PREFIX = "Generate a haiku about the following topic: ";
const path = (name: string) =>
  new URL(`../../data/haiku/${name}`, import.meta.url).pathname;

interface Row {
  topic: string;
  haiku: string;
}

function load(name: string): Row[] {
  const data = JSON.parse(Deno.readTextFileSync(path(name)));
  assert.ok(Array.isArray(data), `${name}: not an array`);
  return data.map((item: any, i: number) => {
    const where = `${name} row ${i}`;
    assert.deepEqual(Object.keys(item), ["conversations"], where);
    const turns = item.conversations;
    assert.equal(turns.length, 2, where);
    assert.deepEqual(Object.keys(turns[0]), ["role", "content"], where);
    assert.deepEqual(Object.keys(turns[1]), ["role", "content"], where);
    assert.equal(turns[0].role, "user", where);
    assert.equal(turns[1].role, "assistant", where);
    const prompt: string = turns[0].content;
    assert.ok(prompt.startsWith(PREFIX), `${where}: prefix`);
    assert.ok(
      prompt.endsWith(".\n"),
      `${where}: topic sentence ends with ".\\n"`,
    );
    const topic = prompt.slice(PREFIX.length, -1);
    // gemma_haiku took the topic as the text after the first colon: keep it whole.
    assert.ok(!topic.includes(":") && !topic.includes("\n"), where);
    const haiku: string = turns[1].content;
    assert.equal(haiku, haiku.trim(), `${where}: no surrounding whitespace`);
    assert.equal(haiku.split("\n").length, 3, `${where}: three lines`);
    return { topic, haiku };
  });
}

const train = load("train.json");
const evals = load("eval.json");

Deno.test("the haiku dataset has at least 400 rows in gemma_haiku's format", () => {
  assert.ok(train.length >= 350, `train has ${train.length}`);
  assert.ok(evals.length >= 80, `eval has ${evals.length}`);
  assert.ok(train.length + evals.length >= 400);
});

Deno.test("every haiku is 5-7-5 by the project's syllable counter", () => {
  for (const [name, rows] of [["train", train], ["eval", evals]] as const) {
    rows.forEach((r, i) => {
      assert.deepEqual(
        haikuSyllables(r.haiku),
        [5, 7, 5],
        `${name} row ${i}: ${r.haiku}`,
      );
    });
  }
});

Deno.test("no duplicates within a split, and train and eval are disjoint", () => {
  const key = (s: string) => s.trim().toLowerCase();
  for (const rows of [train, evals]) {
    assert.equal(new Set(rows.map((r) => key(r.topic))).size, rows.length);
    assert.equal(new Set(rows.map((r) => key(r.haiku))).size, rows.length);
  }
  const trainTopics = new Set(train.map((r) => key(r.topic)));
  const trainHaikus = new Set(train.map((r) => key(r.haiku)));
  for (const r of evals) {
    assert.ok(!trainTopics.has(key(r.topic)), `topic in both: ${r.topic}`);
    assert.ok(!trainHaikus.has(key(r.haiku)), `haiku in both: ${r.haiku}`);
  }
});

Deno.test("check.ts passes the dataset and names the file and row of each problem", () => {
  assert.deepEqual(
    checkHaikuDataset(path("train.json"), path("eval.json")),
    [],
  );
  const dir = Deno.makeTempDirSync();
  try {
    const bad = JSON.parse(Deno.readTextFileSync(path("train.json"))).slice(
      0,
      3,
    );
    bad[1].conversations[1].content = "Too short\nfor a haiku\nreally";
    bad[2].conversations[0].content = "Write a haiku: rain.\n";
    Deno.writeTextFileSync(`${dir}/train.json`, JSON.stringify(bad));
    Deno.writeTextFileSync(`${dir}/eval.json`, JSON.stringify([bad[0]]));
    const problems = checkHaikuDataset(`${dir}/train.json`, `${dir}/eval.json`);
    assert.equal(problems.length, 4, problems.join("\n"));
    assert.match(problems[0], /train\.json row 1: syllables 2-4-2/);
    assert.match(problems[1], /train\.json row 2: user content must be/);
    assert.match(problems[2], /eval\.json: topic also in train/);
    assert.match(problems[3], /eval\.json: haiku also in train/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
