/**
 * The dataset loaders on malformed files, checked in process (no model,
 * milliseconds each): every format's empty file, rows of the wrong shape,
 * broken headers and stray bytes either read as what they are (an empty
 * file is zero rows, which each task then refuses by name) or fail with one
 * line naming the file and the line or row.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readRows } from "../../lib/data/read.ts";
import { errorKind } from "../../lib/util/errors.ts";
import { bytes } from "./fixtures.ts";

interface LoaderCase {
  name: string;
  file: string;
  content: string | Uint8Array;
  /** Rows read (for files that are valid but empty), or what the error names. */
  expect: { rows: number } | { mentions: string[] };
}

const CASES: LoaderCase[] = [
  { name: "empty JSONL", file: "e.jsonl", content: "", expect: { rows: 0 } },
  {
    name: "blank JSONL",
    file: "b.jsonl",
    content: "\n \n",
    expect: { rows: 0 },
  },
  { name: "empty CSV", file: "e.csv", content: "", expect: { rows: 0 } },
  {
    name: "header-only CSV",
    file: "h.csv",
    content: "a,b\n",
    expect: { rows: 0 },
  },
  {
    name: "empty JSON",
    file: "e.json",
    content: "",
    expect: { mentions: ["invalid JSON"] },
  },
  {
    name: "empty parquet",
    file: "e.parquet",
    content: "",
    expect: { mentions: ["not a readable parquet file"] },
  },
  {
    name: "JSON row that is not an object",
    file: "n.json",
    content: '[{"a": 1}, 7]',
    expect: { mentions: ["row 2", "expected an object, got number"] },
  },
  {
    name: "JSONL line that is an array",
    file: "a.jsonl",
    content: '{"a": 1}\n[1, 2]\n',
    expect: { mentions: ["line 2", "expected a JSON object, got array"] },
  },
  {
    name: "JSON null",
    file: "null.json",
    content: "null",
    expect: { mentions: ["expected an array of objects", "got null"] },
  },
  {
    name: "JSON with trailing garbage",
    file: "t.json",
    content: '[{"a": 1}]\n]',
    expect: { mentions: ["invalid JSON", "line 2"] },
  },
  {
    name: "CSV header naming a column twice",
    file: "d.csv",
    content: "a,a\n1,2\n",
    expect: { mentions: ["line 1", '"a" appears twice'] },
  },
  {
    name: "CSV header with an empty column",
    file: "c.csv",
    content: "a,,b\n1,2,3\n",
    expect: { mentions: ["line 1", "column 2 of the header is empty"] },
  },
  {
    name: "CSV with an unclosed quote",
    file: "q.csv",
    content: 'a,b\n1,"2\n',
    expect: { mentions: ["invalid CSV"] },
  },
  {
    name: "JSON (JSON Lines under a .json name) with a non-UTF-8 byte",
    file: "l.json",
    content: bytes('{"a": 1}\n{"a": "', [0xc3, 0x28], '"}\n'),
    expect: { mentions: ["line 2", "invalid UTF-8 at byte 16 (0xc3)"] },
  },
];

Deno.test(`bad inputs: ${CASES.length} malformed data files read as empty or fail naming file and line`, async () => {
  const dir = await Deno.makeTempDir({ prefix: "bad-loaders-" });
  try {
    const failures: string[] = [];
    for (const c of CASES) {
      const path = `${dir}/${c.file}`;
      if (typeof c.content === "string") {
        await Deno.writeTextFile(path, c.content);
      } else await Deno.writeFile(path, c.content);
      let rows: number | null = null, message = "", kind = "";
      try {
        rows = (await readRows(path)).length;
      } catch (error) {
        message = (error as Error).message;
        kind = errorKind(error);
      }
      if ("rows" in c.expect) {
        if (rows !== c.expect.rows) {
          failures.push(`${c.name}: ${rows} rows (${message})`);
        }
        continue;
      }
      const missing = [path, ...c.expect.mentions].filter((m) =>
        !message.includes(m)
      );
      if (rows !== null || kind !== "input" || missing.length > 0) {
        failures.push(
          `${c.name}: ${kind || "no error"}: ${JSON.stringify(message)}`,
        );
      } else if (message.includes("\n")) {
        failures.push(`${c.name}: a message of several lines`);
      }
    }
    assert.deepEqual(failures, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
