import assert from "node:assert/strict";
import { parquetWriteBuffer } from "hyparquet-writer";
import { jsonErrorOffset } from "../../lib/data/json_position.ts";
import { isDataFile, iterateRows, readRows } from "../../lib/data/read.ts";
import { rowLocation } from "../../lib/data/rows.ts";

const FIXTURES = new URL("../fixtures/data/", import.meta.url).pathname;

async function withTempDir(body: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "tunebook-data-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A NuminaMath-TIR-like parquet file with a nested messages column. */
function numinaParquet(rowGroupSize?: number): ArrayBuffer {
  const problems = ["What is 2+3?", "What is 7*6?", "Halve 18."];
  const solutions = ["\\boxed{5}", "\\boxed{42}", "\\boxed{9}"];
  return parquetWriteBuffer({
    columnData: [
      { name: "problem", data: problems },
      { name: "solution", data: solutions },
      { name: "id", data: [1n, 2n, 3n] },
      {
        name: "messages",
        data: problems.map((p, i) => [
          { role: "user", content: p },
          { role: "assistant", content: solutions[i] },
        ]),
      },
    ],
    schema: [
      { name: "root", num_children: 4 },
      {
        name: "problem",
        type: "BYTE_ARRAY",
        converted_type: "UTF8",
        repetition_type: "OPTIONAL",
      },
      {
        name: "solution",
        type: "BYTE_ARRAY",
        converted_type: "UTF8",
        repetition_type: "OPTIONAL",
      },
      { name: "id", type: "INT64", repetition_type: "OPTIONAL" },
      {
        name: "messages",
        repetition_type: "OPTIONAL",
        converted_type: "LIST",
        num_children: 1,
      },
      { name: "list", repetition_type: "REPEATED", num_children: 1 },
      { name: "element", repetition_type: "OPTIONAL", num_children: 2 },
      {
        name: "content",
        type: "BYTE_ARRAY",
        converted_type: "UTF8",
        repetition_type: "OPTIONAL",
      },
      {
        name: "role",
        type: "BYTE_ARRAY",
        converted_type: "UTF8",
        repetition_type: "OPTIONAL",
      },
    ],
    rowGroupSize,
  });
}

Deno.test("JSON: an array of objects, gemma_haiku's conversations layout", async () => {
  const rows = await readRows(`${FIXTURES}conversations.json`);
  assert.equal(rows.length, 3);
  const turns = rows[0].conversations as { role: string; content: string }[];
  assert.equal(turns[1].role, "assistant");
  assert.match(turns[1].content, /^steam lifts the lid up\n/);
  assert.equal(rowLocation(rows[2], 2), "row 3");
});

Deno.test('JSON: {"data": [...]} and the errors for other shapes', async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/d.json`, '{"data": [{"a": 1}, {"a": 2}]}');
    assert.deepEqual(await readRows(`${dir}/d.json`), [{ a: 1 }, { a: 2 }]);

    // JSON Lines under a .json name, as many hub datasets have them.
    await Deno.writeTextFile(
      `${dir}/lines.json`,
      '{"a": 1}\n{"a": 2}\n{"a": }\n',
    );
    await assert.rejects(
      readRows(`${dir}/lines.json`),
      (e: Error) =>
        e.message.startsWith(`${dir}/lines.json line 3: invalid JSON: `),
    );
    await Deno.writeTextFile(`${dir}/lines.json`, '{"a": 1}\n\n{"a": 2}\n');
    const lines = await readRows(`${dir}/lines.json`);
    assert.deepEqual(lines, [{ a: 1 }, { a: 2 }]);
    assert.equal(rowLocation(lines[1], 1), "line 3");

    await Deno.writeTextFile(`${dir}/obj.json`, '{"rows": [], "n": 0}');
    await assert.rejects(readRows(`${dir}/obj.json`), {
      message:
        `${dir}/obj.json: expected an array of objects or {"data": [...]}, got an object with keys rows, n`,
    });
    await Deno.writeTextFile(`${dir}/mixed.json`, '[{"a": 1}, "two"]');
    await assert.rejects(readRows(`${dir}/mixed.json`), {
      message: `${dir}/mixed.json row 2: expected an object, got string`,
    });
    await Deno.writeTextFile(
      `${dir}/broken.json`,
      '[\n  {"a": 1},\n  {"a": }\n]',
    );
    await assert.rejects(
      readRows(`${dir}/broken.json`),
      (e: Error) =>
        e.message.startsWith(`${dir}/broken.json: invalid JSON: `) &&
        /line 3/.test(e.message),
    );
  });
});

Deno.test("the JSON error locator finds the first bad character", () => {
  const cases: [string, number | undefined][] = [
    ['{"a": [1, 2, {"b": null}], "c": "\\u00e9"}', undefined],
    ["[1, 2,]", 6],
    ['{"a" 1}', 5],
    ['{"a": tru}', 9],
    ["[1] [2]", 4],
    ['["open', 6],
    ["-01", 2],
    ["", 0],
  ];
  for (const [text, offset] of cases) {
    assert.equal(jsonErrorOffset(text), offset, text);
    assert.equal(
      offset === undefined,
      (() => {
        try {
          JSON.parse(text);
          return true;
        } catch {
          return false;
        }
      })(),
      `JSON.parse agrees on ${text}`,
    );
  }
});

Deno.test("JSONL: blank lines skipped, rows remember their line", async () => {
  const rows = await readRows(`${FIXTURES}gsm8k.jsonl`);
  assert.equal(rows.length, 3);
  assert.equal(
    rows[1].answer,
    "1000 + 234 = <<1000+234=1234>>1234\n#### 1,234",
  );
  // The blank second line shifts the line numbers.
  assert.deepEqual(rows.map((r, i) => rowLocation(r, i)), [
    "line 1",
    "line 3",
    "line 4",
  ]);
});

Deno.test("JSONL: a bad line is reported with its line number", async () => {
  const path = `${FIXTURES}bad_line.jsonl`;
  await assert.rejects(
    readRows(path),
    (e: Error) => e.message.startsWith(`${path} line 4: invalid JSON: `),
  );
  // Rows before the bad line were already streamed out.
  const seen: unknown[] = [];
  await assert.rejects(async () => {
    for await (const row of iterateRows(path)) seen.push(row.question);
  });
  assert.deepEqual(seen, ["one", "two"]);

  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/arr.jsonl`, '{"a": 1}\n[1, 2]\n');
    await assert.rejects(readRows(`${dir}/arr.jsonl`), {
      message: `${dir}/arr.jsonl line 2: expected a JSON object, got array`,
    });
  });
});

Deno.test("JSONL: a large file streams across chunk boundaries, CRLF and no final newline", async () => {
  await withTempDir(async (dir) => {
    const n = 20_000;
    const text = Array.from(
      { length: n },
      (_, i) => JSON.stringify({ i, text: "é".repeat(i % 7) }),
    )
      .join("\r\n");
    await Deno.writeTextFile(`${dir}/big.jsonl`, text);
    let count = 0;
    for await (const row of iterateRows(`${dir}/big.jsonl`)) {
      assert.equal(row.i, count);
      assert.equal(row.text, "é".repeat(count % 7));
      count++;
    }
    assert.equal(count, n);
  });
});

Deno.test("CSV: header row, quoted multi-line cells, CRLF", async () => {
  const rows = await readRows(`${FIXTURES}haiku.csv`);
  assert.deepEqual(rows, [
    {
      haiku: "still pond, a frog leaps\none splash and the reeds go quiet",
      summary: "a frog jumps into a pond",
    },
    { haiku: "grey gulls on the pier", summary: "birds waiting for fishermen" },
  ]);
  assert.equal(rowLocation(rows[0], 0), "line 2 (record 1)");
  assert.equal(rowLocation(rows[1], 1), "line 4 (record 2)");
});

Deno.test("CSV: a record missing a column names the line and the columns", async () => {
  const path = `${FIXTURES}missing_column.csv`;
  await assert.rejects(readRows(path), {
    message: `${path} line 3: expected 2 fields (haiku, summary), got 1`,
  });
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/dup.csv`, "a,b,a\n1,2,3\n");
    await assert.rejects(readRows(`${dir}/dup.csv`), {
      message: `${dir}/dup.csv line 1: column "a" appears twice`,
    });
    await Deno.writeTextFile(`${dir}/quote.csv`, 'a,b\n1,"open\n');
    await assert.rejects(
      readRows(`${dir}/quote.csv`),
      (e: Error) =>
        e.message.startsWith(`${dir}/quote.csv line `) &&
        e.message.includes("invalid CSV"),
    );
  });
});

Deno.test("parquet: strings, int64 as numbers, nested list<struct> messages, several row groups", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/n.parquet`, new Uint8Array(numinaParquet(2)));
    const rows = await readRows(`${dir}/n.parquet`);
    assert.deepEqual(rows.map((r) => r.problem), [
      "What is 2+3?",
      "What is 7*6?",
      "Halve 18.",
    ]);
    assert.deepEqual(rows.map((r) => r.id), [1, 2, 3]);
    assert.deepEqual(rows[1].messages, [
      { role: "user", content: "What is 7*6?" },
      { role: "assistant", content: "\\boxed{42}" },
    ]);
    assert.equal(rowLocation(rows[2], 2), "row 3");
  });
});

Deno.test("parquet: a truncated file says so and names the file", async () => {
  await withTempDir(async (dir) => {
    const bytes = new Uint8Array(numinaParquet());
    const path = `${dir}/cut.parquet`;
    await Deno.writeFile(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await assert.rejects(
      readRows(path),
      (e: Error) =>
        e.message.startsWith(`${path}: not a readable parquet file (`) &&
        e.message.includes("truncated"),
    );
    await Deno.writeFile(`${dir}/empty.parquet`, new Uint8Array());
    await assert.rejects(
      readRows(`${dir}/empty.parquet`),
      (e: Error) => e.message.startsWith(`${dir}/empty.parquet: `),
    );
  });
});

Deno.test("unknown extensions and missing files are named", async () => {
  assert.equal(isDataFile("a/b.JSONL"), true);
  assert.equal(isDataFile("README.md"), false);
  await assert.rejects(readRows("nope/missing.jsonl"), {
    message: "data file not found: nope/missing.jsonl",
  });
  await assert.rejects(
    readRows("x.txt"),
    (e: Error) => e.message.startsWith("x.txt: unsupported data file type"),
  );
});

async function gzipBytes(
  bytes: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("gzip: .jsonl.gz, .json.gz and .csv.gz read as their text format, line numbers kept", async () => {
  await withTempDir(async (dir) => {
    const encode = (text: string) => new TextEncoder().encode(text);
    assert.equal(isDataFile("harmless-base/train.jsonl.gz"), true);
    assert.equal(isDataFile("model.safetensors.gz"), false);
    const jsonl = await Deno.readFile(`${FIXTURES}gsm8k.jsonl`);
    await Deno.writeFile(`${dir}/g.jsonl.gz`, await gzipBytes(jsonl));
    const plain = await readRows(`${FIXTURES}gsm8k.jsonl`);
    const rows = await readRows(`${dir}/g.jsonl.gz`);
    assert.deepEqual(rows, plain);
    assert.deepEqual(rows.map((r, i) => rowLocation(r, i)), [
      "line 1",
      "line 3",
      "line 4",
    ]);
    await Deno.writeFile(
      `${dir}/a.json.gz`,
      await gzipBytes(encode('[{"q": "one"}, {"q": "two"}]')),
    );
    assert.deepEqual(await readRows(`${dir}/a.json.gz`), [
      { q: "one" },
      { q: "two" },
    ]);
    await Deno.writeFile(
      `${dir}/c.csv.gz`,
      await gzipBytes(encode('q,a\r\nhi,"two\r\nlines"\r\n')),
    );
    const csv = await readRows(`${dir}/c.csv.gz`);
    assert.deepEqual(csv, [{ q: "hi", a: "two\nlines" }]);
    assert.equal(rowLocation(csv[0], 0), "line 2 (record 1)");
    // A bad line inside the compressed text is named by its line.
    await Deno.writeFile(
      `${dir}/bad.jsonl.gz`,
      await gzipBytes(encode('{"a": 1}\n{"a": \n')),
    );
    await assert.rejects(
      readRows(`${dir}/bad.jsonl.gz`),
      (e: Error) =>
        e.message.startsWith(`${dir}/bad.jsonl.gz line 2: invalid JSON: `),
    );
  });
});

Deno.test("gzip: a corrupt or truncated stream is an error naming the file", async () => {
  await withTempDir(async (dir) => {
    const whole = await gzipBytes(
      new TextEncoder().encode('{"a": 1}\n'.repeat(50)),
    );
    await Deno.writeFile(`${dir}/cut.jsonl.gz`, whole.subarray(0, 20));
    await assert.rejects(
      readRows(`${dir}/cut.jsonl.gz`),
      (e: Error) =>
        !(e instanceof TypeError) &&
        e.message.startsWith(`${dir}/cut.jsonl.gz: not a valid gzip file: `),
    );
    await Deno.writeTextFile(`${dir}/plain.json.gz`, '[{"a": 1}]');
    await assert.rejects(
      readRows(`${dir}/plain.json.gz`),
      (e: Error) =>
        e.message.startsWith(`${dir}/plain.json.gz: not a valid gzip file: `),
    );
  });
});
