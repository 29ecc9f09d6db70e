import assert from "node:assert/strict";
import {
  CONALA_HUB_ID,
  CONALA_KEYS,
  type ConalaOptions,
  type ConalaRow,
  conalaRows,
  loadConala,
  readConalaJsonl,
} from "../../lib/data/conala_rows.ts";
import { readRows } from "../../lib/data/read.ts";
import { hubSettings } from "../../lib/hub/settings.ts";
import { loadTokenizer } from "../../lib/tokenizer/mod.ts";
import { InputError } from "../../lib/util/errors.ts";
import { countWords } from "../../lib/util/sentences.ts";
import { FakeDatasetHub } from "./fake_dataset_hub.ts";

// Checks data/conala/{train,eval}.jsonl, tunebook's hand-written intent →
// Python snippet set, its reader, and the loader that maps CoNaLa's curated
// set on the hub (neulab/conala, served by the fake hub) to the same rows.
// That every snippet parses as Python is checked when the files are written
// (data/conala/README.md); here, what needs no Python.

const path = (rel: string) => new URL(rel, import.meta.url).pathname;
const dataPath = (split: string) => path(`../../data/conala/${split}.jsonl`);
const fixture = (name: string) => path(`../fixtures/conala/${name}`);
const train = readConalaJsonl(dataPath("train"));
const evalRows = readConalaJsonl(dataPath("eval"));
const all = [...train, ...evalRows];
const AREAS = [
  "string",
  "list",
  "dict",
  "file",
  "regex",
  "datetime",
  "number",
  "misc",
];

Deno.test("conala files: 150 train and 50 eval rows, keys in order, ids <area>-<n> unique", () => {
  assert.equal(train.length, 150);
  assert.equal(evalRows.length, 50);
  for (const split of ["train", "eval"]) {
    const lines = Deno.readTextFileSync(dataPath(split)).trimEnd().split("\n");
    for (const [i, line] of lines.entries()) {
      const where = `data/conala/${split}.jsonl:${i + 1}`;
      assert.deepEqual(Object.keys(JSON.parse(line)), [...CONALA_KEYS], where);
    }
  }
  for (const row of all) {
    const m = /^([a-z]+)-([1-9]\d*)$/.exec(row.id);
    assert.ok(m && AREAS.includes(m[1]), `${row.id}: id`);
  }
  assert.equal(new Set(all.map((r) => r.id)).size, all.length, "ids repeat");
  // Train covers every area; eval all but misc.
  const areasOf = (rows: ConalaRow[]) =>
    [...new Set(rows.map((r) => r.id.replace(/-\d+$/, "")))].sort();
  assert.deepEqual(areasOf(train), [...AREAS].sort());
  assert.deepEqual(areasOf(evalRows), AREAS.filter((a) => a !== "misc").sort());
});

Deno.test("conala train and eval share no intent and no snippet, and neither repeats one", () => {
  const intent = (r: ConalaRow) => r.intent.toLowerCase().replace(/\s+/g, " ");
  for (const key of [intent, (r: ConalaRow) => r.snippet]) {
    const trainSet = new Set(train.map(key));
    const evalSet = new Set(evalRows.map(key));
    assert.equal(trainSet.size, train.length, "a train row repeats");
    assert.equal(evalSet.size, evalRows.length, "an eval row repeats");
    for (const text of evalSet) {
      assert.ok(!trainSet.has(text), `"${text}" is in both splits`);
    }
  }
});

/** Whether the brackets of `code` pair up, ignoring quoted text. */
function bracketsBalance(code: string): boolean {
  const unquoted = code.replace(/(['"])(?:\\.|(?!\1).)*\1/g, "''");
  const stack: string[] = [];
  const pairs: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
  for (const ch of unquoted) {
    if ("([{".includes(ch)) stack.push(ch);
    else if (ch in pairs && stack.pop() !== pairs[ch]) return false;
  }
  return stack.length === 0;
}

Deno.test("conala rows: one-sentence intents, one-line snippets using the variables the intent names", () => {
  for (const row of all) {
    assert.match(row.intent, /^[a-z]/, `${row.id}: intent starts lowercase`);
    assert.ok(countWords(row.intent) <= 20, `${row.id}: intent too long`);
    assert.equal(row.intent, row.intent.trim(), `${row.id}: intent spacing`);
    assert.doesNotMatch(row.snippet, /\n/, `${row.id}: snippet has lines`);
    assert.equal(row.snippet, row.snippet.trim(), `${row.id}: snippet spacing`);
    assert.ok(row.snippet.length <= 100, `${row.id}: snippet too long`);
    assert.ok(bracketsBalance(row.snippet), `${row.id}: brackets`);
    for (const [, name] of row.intent.matchAll(/`([^`]+)`/g)) {
      assert.match(
        row.snippet,
        new RegExp(`\\b${name}\\b`),
        `${row.id}: snippet does not use \`${name}\``,
      );
    }
  }
  assert.ok(!bracketsBalance("f(a[1)]"), "the bracket check catches a slip");
});

Deno.test("conala rows fit tiny-base: intent + snippet as a two-turn chat ≤ 96 tokens", async () => {
  const tiny = await loadTokenizer(path("../../checkpoints/tiny-base"));
  let longest = 0;
  for (const row of all) {
    const ids = tiny.encodeChat([
      { role: "user", content: row.intent },
      { role: "assistant", content: row.snippet },
    ]);
    longest = Math.max(longest, ids.length);
    assert.ok(ids.length <= 96, `${row.id}: ${ids.length} tokens`);
  }
  assert.ok(longest > 30, `longest row only ${longest} tokens`);
});

const good = JSON.stringify({
  id: "list-1",
  intent: "reverse list `a`",
  snippet: "a[::-1]",
});

Deno.test("malformed conala lines: one-line InputErrors naming file, line and field", () => {
  const cases: [string, RegExp][] = [
    ['{"id": ', /:2: invalid JSON: /],
    ["null", /:2: a row must be a JSON object$/],
    [
      JSON.stringify({ id: "list-2", intent: "x" }),
      /:2: field "snippet" must be a non-empty string$/,
    ],
    [
      JSON.stringify({ id: "list-2", intent: " ", snippet: "x" }),
      /:2: field "intent" must be a non-empty string$/,
    ],
    [
      JSON.stringify({ id: "list-2", intent: "x", snippet: "y", tags: [] }),
      /:2: unknown field "tags" \(fields: id, intent, snippet\)$/,
    ],
    [
      JSON.stringify({ id: "list-2", intent: "do x.\nThen y.", snippet: "y" }),
      /:2: field "intent" must be one line$/,
    ],
    [good, /:2: field "id" repeats "list-1" from line 1$/],
  ];
  for (const [line, message] of cases) {
    const file = Deno.makeTempFileSync({ suffix: ".jsonl" });
    Deno.writeTextFileSync(file, `${good}\n${line}\n`);
    assert.throws(() => readConalaJsonl(file), (e: Error) => {
      assert.ok(e instanceof InputError, `${line}: ${e}`);
      assert.ok(e.message.startsWith(`${file}:2: `), e.message);
      assert.doesNotMatch(e.message, /\n/);
      assert.match(e.message, message);
      return true;
    });
    Deno.removeSync(file);
  }
  assert.throws(
    () => readConalaJsonl("/no/such/conala.jsonl"),
    (e: Error) =>
      e instanceof InputError &&
      e.message.startsWith("/no/such/conala.jsonl: cannot read: "),
  );
});

const CURATED_TRAIN: ConalaRow[] = [
  { id: "1001-1", intent: "concatenate lists `a` and `b`", snippet: "a + b" },
  {
    id: "1002-1",
    intent: "Make every letter of a string small",
    snippet: "s.lower()",
  },
  {
    id: "1001-2",
    intent: "add list `b` to the end of list `a` in place",
    snippet: "a += b",
  },
  { id: "1003-1", intent: "Get the length of a string", snippet: "len(s)" },
];

Deno.test("curated CoNaLa rows map: rewritten_intent unless missing or blank, trimmed snippet, <question_id>-<k> ids", async () => {
  const file = fixture("conala-paired-train.json");
  assert.deepEqual(conalaRows(await readRows(file), file), CURATED_TRAIN);
  const missing = fixture("conala_missing_snippet.json");
  await assert.rejects(
    async () => conalaRows(await readRows(missing), missing),
    {
      message:
        `${missing} row 2: field "snippet" is missing (columns: intent, rewritten_intent, question_id)`,
    },
  );
});

/** neulab/conala's layout: a loading script, a card without configs, data/*.json. */
const NEULAB = {
  main: {
    "README.md": Deno.readTextFileSync(fixture("card.md")),
    "conala.py": "# the loading script; tunebook reads the data files\n",
    "data/conala-paired-train.json": Deno.readTextFileSync(
      fixture("conala-paired-train.json"),
    ),
    "data/conala-paired-test.json": Deno.readTextFileSync(
      fixture("conala-paired-test.json"),
    ),
    "data/conala-mined.json": Deno.readTextFileSync(
      fixture("conala-mined.json"),
    ),
  },
};

function optionsFor(endpoint: string, cacheDir: string): ConalaOptions {
  return {
    settings: hubSettings({
      endpoint,
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
}

Deno.test("loadConala from the fake hub: the curated files by name, the mined file left out, ids kept by slices", async () => {
  const hub = FakeDatasetHub.start();
  const cacheDir = await Deno.makeTempDir({ prefix: "tunebook-conala-" });
  try {
    const commits = await hub.addDataset(CONALA_HUB_ID, NEULAB);
    const options = optionsFor(hub.url, cacheDir);
    const data = await loadConala(options);
    assert.deepEqual(data.rows, CURATED_TRAIN);
    assert.equal(data.repo, CONALA_HUB_ID);
    assert.equal(data.commit, commits.main);
    assert.deepEqual(data.files, [
      `${cacheDir}/datasets--neulab--conala/snapshots/${commits.main}/data/conala-paired-train.json`,
    ]);
    assert.ok(
      !hub.requests.some((r) => r.includes("conala-mined")),
      "the mined file was fetched",
    );

    const test = await loadConala({ ...options, split: "test" });
    assert.deepEqual(test.rows, [
      { id: "2001-1", intent: "convert list `a` to a set", snippet: "set(a)" },
      {
        id: "2002-1",
        intent: "get the sum of list `nums`",
        snippet: "sum(nums)",
      },
    ]);
    const slice = await loadConala({ ...options, split: "train[2:]" });
    assert.equal(slice.split, "train[2:]");
    assert.deepEqual(slice.rows.map((r) => r.id), ["1001-2", "1003-1"]);
  } finally {
    await hub.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("loadConala from a local file: CoNaLa's own conala-train.json layout", async () => {
  const data = await loadConala({
    source: fixture("conala-paired-test.json"),
    split: "train[-1:]",
  });
  assert.equal(data.origin, "file");
  assert.deepEqual(data.rows, [
    {
      id: "2002-1",
      intent: "get the sum of list `nums`",
      snippet: "sum(nums)",
    },
  ]);
});
