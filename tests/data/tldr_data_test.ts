import assert from "node:assert/strict";
import { countWords, splitSentences } from "../../lib/util/sentences.ts";
import {
  DEFAULT_EXTRACT,
  extractPassages,
  splitTrainEval,
} from "../../lib/data/tldr_passages.ts";
import {
  mergeCompletions,
  readTldrJsonl,
  type TldrRow,
} from "../../lib/data/tldr_rows.ts";
import {
  isProse,
  loadMobyDick,
  loadSotu,
  type SourceDocument,
} from "../../lib/data/tldr_sources.ts";

// Checks data/tldr/{train,eval}.jsonl and the builder that cuts them from
// the npm corpora (lib/data/tldr_passages.ts, tldr_sources.ts, tldr_rows.ts).

const dataPath = (split: string) =>
  new URL(`../../data/tldr/${split}.jsonl`, import.meta.url).pathname;
const train = readTldrJsonl(dataPath("train"));
const evalRows = readTldrJsonl(dataPath("eval"));
const corpus = [...loadMobyDick(), ...loadSotu()];

const KEYS = {
  "moby-dick": ["id", "prompt", "source", "words", "chapter", "title"],
  sotu: ["id", "prompt", "source", "words", "year", "president"],
};

Deno.test("every tldr row has the documented schema and provenance", () => {
  for (const [split, rows] of [["train", train], ["eval", evalRows]] as const) {
    rows.forEach((row, i) => {
      const where = `data/tldr/${split}.jsonl:${i + 1}`;
      assert.ok(row.source === "moby-dick" || row.source === "sotu", where);
      const keys = [...KEYS[row.source]];
      if (row.completion !== undefined) keys.push("completion");
      assert.deepEqual(Object.keys(row), keys, `${where}: keys`);
      assert.equal(row.words, countWords(row.prompt), `${where}: words`);
      assert.equal(row.prompt, row.prompt.trim(), `${where}: untrimmed`);
      assert.doesNotMatch(row.prompt, /[ \t]{2,}|\n{3,}| \n|\n /, where);
      if (row.source === "moby-dick") {
        assert.ok(Number.isInteger(row.chapter) && row.chapter! >= 1, where);
        assert.ok(row.title !== undefined && row.title.length > 0, where);
        const ch = String(row.chapter).padStart(3, "0");
        assert.match(
          row.id,
          new RegExp(`^moby-dick-ch${ch}-p\\d{3,}-p\\d{3,}$`),
        );
      } else {
        assert.ok(row.year! >= 1790 && row.year! <= 2021, `${where}: year`);
        assert.ok(row.president!.length > 0, where);
        assert.match(
          row.id,
          new RegExp(`^sotu-${row.year}-[a-z-]+-s\\d{3,}-s\\d{3,}$`),
        );
      }
    });
  }
});

Deno.test("tldr passages stay within 80–250 words", () => {
  for (const row of [...train, ...evalRows]) {
    assert.ok(row.words >= 80 && row.words <= 250, `${row.id}: ${row.words}`);
  }
});

Deno.test("tldr counts: 200+ passages, every eval row and 40+ train rows summarised", () => {
  assert.ok(train.length + evalRows.length >= 200);
  assert.ok(evalRows.length >= 40, `eval has ${evalRows.length}`);
  assert.ok(evalRows.every((r) => r.completion !== undefined), "eval gaps");
  const summarised = train.filter((r) => r.completion !== undefined).length;
  assert.ok(summarised >= 40, `train has ${summarised} summaries`);
  for (const rows of [train, evalRows]) {
    const sources = new Set(rows.map((r) => r.source));
    assert.deepEqual([...sources].sort(), ["moby-dick", "sotu"]);
  }
});

Deno.test("tldr ids and passages are unique and train/eval are disjoint", () => {
  const all = [...train, ...evalRows];
  assert.equal(new Set(all.map((r) => r.id)).size, all.length, "ids");
  assert.equal(new Set(all.map((r) => r.prompt)).size, all.length, "prompts");
  // One passage per chapter or address, so the splits share no document.
  const doc = (r: TldrRow) => r.id.replace(/-[ps]\d{3,}-[ps]\d{3,}$/, "");
  const trainDocs = new Set(train.map(doc));
  for (const row of evalRows) assert.ok(!trainDocs.has(doc(row)), row.id);
});

Deno.test("summaries are at most 40 words and shorter than their passage", () => {
  for (const row of [...train, ...evalRows]) {
    if (row.completion === undefined) continue;
    const n = countWords(row.completion);
    assert.ok(n >= 5 && n <= 40, `${row.id}: summary has ${n} words`);
    assert.ok(n < row.words, `${row.id}: summary not shorter than passage`);
    assert.ok(row.completion.length < row.prompt.length, row.id);
  }
});

Deno.test("the committed passages are exactly what the builder extracts", () => {
  const split = splitTrainEval(extractPassages(corpus));
  const strip = (rows: TldrRow[]) =>
    rows.map(({ completion: _, ...rest }) => rest);
  assert.deepEqual(strip(train), split.train);
  assert.deepEqual(strip(evalRows), split.eval);
});

Deno.test("extraction is deterministic, and the seed matters", () => {
  const a = extractPassages(corpus), b = extractPassages(corpus);
  assert.deepEqual(a, b);
  // Document order on disk must not matter either.
  assert.deepEqual(extractPassages([...corpus].reverse()), a);
  const other = extractPassages(corpus, { ...DEFAULT_EXTRACT, seed: 6 });
  assert.notDeepEqual(other.map((r) => r.id), a.map((r) => r.id));
});

// A small hand-made corpus: four paragraphs of known length per chapter.
function fixtureDocs(): SourceDocument[] {
  const para = (tag: string, n: number) =>
    `${tag} ` + Array.from({ length: n - 1 }, (_, i) => `w${i}`).join(" ") +
    ".";
  return [1, 2, 3].map((ch) => {
    const blocks = [
      para(`Alpha${ch}`, 30),
      para(`Bravo${ch}`, 60),
      para(`Charlie${ch}`, 120),
      para(`Delta${ch}`, 300), // too long to appear in any passage
    ];
    return {
      source: "moby-dick" as const,
      key: `moby-dick-ch00${ch}`,
      blocks,
      prose: blocks.map(() => true),
      meta: { chapter: ch, title: `T${ch}` },
    };
  });
}

Deno.test("passages are whole paragraphs within the word bounds", () => {
  const docs = fixtureDocs();
  const options = { ...DEFAULT_EXTRACT, mobyDick: 3, sotu: 0 };
  const rows = extractPassages(docs, options);
  assert.equal(rows.length, 3);
  assert.deepEqual(rows, extractPassages(fixtureDocs(), options));
  for (const row of rows) {
    const doc = docs.find((d) => row.id.startsWith(d.key))!;
    const paragraphs = row.prompt.split("\n\n");
    const start = doc.blocks.indexOf(paragraphs[0]);
    assert.ok(start >= 0, `${row.id}: does not start at a paragraph`);
    assert.deepEqual(
      paragraphs,
      doc.blocks.slice(start, start + paragraphs.length),
    );
    assert.ok(row.words >= 80 && row.words <= 250, `${row.id}: ${row.words}`);
    assert.ok(!row.prompt.includes("Delta"));
  }
  assert.throws(
    () => extractPassages(docs, { ...options, mobyDick: 4 }),
    /asked for 4 moby-dick passages, only 3/,
  );
});

Deno.test("sentence splitting keeps titles, initials and abbreviations intact", () => {
  assert.deepEqual(
    splitSentences(
      'Mr. Speaker, Harry S. Truman spoke. The U.S. Navy grew. "Go!" he said. Then 1,234.5 tons.',
    ),
    [
      "Mr. Speaker, Harry S. Truman spoke.",
      "The U.S. Navy grew.",
      '"Go!" he said.',
      "Then 1,234.5 tons.",
    ],
  );
});

Deno.test("verse, stage directions and speaker lines are not prose", () => {
  assert.equal(isProse("Call me Ishmael. Some years ago I went to sea."), true);
  assert.equal(isProse("Farewell and adieu,      to you, ladies!"), false);
  assert.equal(isProse("(Foresail rises and discovers the watch.)"), false);
  assert.equal(isProse("STUBB. Avast there, lads!"), false);
  assert.equal(isProse("PIP (shrinking under the windlass). Jollies?"), false);
  assert.equal(isProse("THE NATIONAL GUARD Under existing law"), false);
  assert.equal(isProse("The debt [p.3] was paid."), false);
});

Deno.test("merging keeps summaries only where id and passage still match", () => {
  const row = (id: string, prompt: string): TldrRow => ({
    id,
    prompt,
    source: "sotu",
    words: countWords(prompt),
  });
  const fresh = [row("a", "one two"), row("b", "three four")];
  const existing = [
    { ...row("a", "one two"), completion: "kept" },
    { ...row("b", "changed text"), completion: "stale" },
    { ...row("gone", "x"), completion: "orphan" },
    row("c", "no summary"),
  ];
  const { rows, lost } = mergeCompletions(fresh, existing);
  assert.equal(rows[0].completion, "kept");
  assert.equal(rows[1].completion, undefined);
  assert.deepEqual(lost, ["b", "gone"]);
  assert.equal(fresh[0].completion, undefined, "inputs are not mutated");
});

Deno.test("a malformed tldr file is reported with its line and field", () => {
  const path = Deno.makeTempFileSync({ suffix: ".jsonl" });
  try {
    Deno.writeTextFileSync(
      path,
      '{"id":"a","prompt":"p","source":"sotu"}\n{"id":"b","source":"sotu"}\n',
    );
    assert.throws(() => readTldrJsonl(path), /:2: field "prompt"/);
    Deno.writeTextFileSync(path, "{not json\n");
    assert.throws(() => readTldrJsonl(path), /:1: invalid JSON/);
  } finally {
    Deno.removeSync(path);
  }
});
