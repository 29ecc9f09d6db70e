/**
 * Non-UTF-8 bytes in what users bring are an error naming the file, the
 * line and the byte offset, in every text format the readers take (JSONL,
 * JSON, CSV) and in JSON configs, never text silently replaced with U+FFFD.
 */
import assert from "node:assert/strict";
import { readRows } from "../../lib/data/read.ts";
import { readJsonFile } from "../../lib/util/json_files.ts";
import { decodeUtf8, invalidUtf8Offset } from "../../lib/util/utf8.ts";

const bytes = (...parts: (string | number[])[]) => {
  const enc = new TextEncoder();
  const chunks = parts.map((p) =>
    typeof p === "string" ? enc.encode(p) : Uint8Array.from(p)
  );
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
};

Deno.test("invalidUtf8Offset: the first ill-formed sequence, as the WHATWG decoder sees it", () => {
  assert.equal(invalidUtf8Offset(bytes("plain ascii")), -1);
  assert.equal(invalidUtf8Offset(bytes("café – 名前 🎋")), -1);
  assert.equal(invalidUtf8Offset(bytes("caf", [0xe9], "!")), 3); // Latin-1 é
  assert.equal(invalidUtf8Offset(bytes("a", [0xc0, 0xaf])), 1); // overlong
  assert.equal(invalidUtf8Offset(bytes("ab", [0xed, 0xa0, 0x80])), 2); // surrogate
  assert.equal(invalidUtf8Offset(bytes([0xf4, 0x90, 0x80, 0x80])), 0); // > U+10FFFF
  assert.equal(invalidUtf8Offset(bytes("x", [0xe2, 0x82])), 1); // cut short
  assert.equal(invalidUtf8Offset(bytes("ok", [0x80])), 2); // stray continuation
  // It agrees with the decoder on every one of these.
  for (
    const b of [[0xe9], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82]]
  ) {
    assert.throws(() => decodeUtf8(bytes("x", b), "f"), /invalid UTF-8/);
  }
});

Deno.test("decodeUtf8 keeps a byte-order mark and names line and file offset", () => {
  assert.equal(decodeUtf8(bytes([0xef, 0xbb, 0xbf], "hi"), "f"), "\uFEFFhi");
  assert.throws(
    () => decodeUtf8(bytes("ab\ncd\ne", [0xff]), "f.txt"),
    (e: Error) =>
      e.message ===
        "f.txt line 3: invalid UTF-8 at byte 7 (0xff); save the file as UTF-8",
  );
  assert.throws(
    () => decodeUtf8(bytes("ok", [0xe9]), "f.jsonl", { line: 9, offset: 100 }),
    (e: Error) =>
      e.message.startsWith("f.jsonl line 9: invalid UTF-8 at byte 102"),
  );
});

Deno.test("data files with a non-UTF-8 byte name the file, line and byte offset", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cases: [string, Uint8Array, RegExp][] = [
      [
        "rows.jsonl",
        bytes('{"a": "x"}\n\n{"a": "caf', [0xe9], '"}\n'),
        /rows\.jsonl line 3: invalid UTF-8 at byte 22 \(0xe9\)/,
      ],
      [
        "rows.json",
        bytes('[\n  {"a": "x"},\n  {"a": "', [0xfc], '"}\n]'),
        /rows\.json line 3: invalid UTF-8 at byte 25 \(0xfc\)/,
      ],
      [
        "rows.csv",
        bytes("a,b\n1,2\n3,", [0xa3], "4\n"),
        /rows\.csv line 3: invalid UTF-8 at byte 10 \(0xa3\)/,
      ],
    ];
    for (const [name, content, message] of cases) {
      await Deno.writeFile(`${dir}/${name}`, content);
      await assert.rejects(() => readRows(`${dir}/${name}`), message, name);
    }
    // A chunk boundary inside a long JSONL line changes nothing.
    const long = "é".repeat(70_000);
    await Deno.writeFile(
      `${dir}/long.jsonl`,
      bytes(`{"a": "${long}"}\n{"a": "`, [0xe9], '"}\n'),
    );
    await assert.rejects(
      () => readRows(`${dir}/long.jsonl`),
      new RegExp(`long\\.jsonl line 2: invalid UTF-8 at byte ${140_010 + 7}`),
    );
    // Valid text, a BOM and CRLF line ends read as before.
    await Deno.writeFile(
      `${dir}/ok.jsonl`,
      bytes([0xef, 0xbb, 0xbf], '{"a": "café"}\r\n{"a": "🎋"}\r\n'),
    );
    assert.deepEqual(await readRows(`${dir}/ok.jsonl`), [
      { a: "café" },
      { a: "🎋" },
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a JSON config with a non-UTF-8 byte names the file and line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(
      `${dir}/c.json`,
      bytes('{\n  "output_dir": "r', [0xe9], 'sultats"\n}\n'),
    );
    await assert.rejects(
      () => readJsonFile(`${dir}/c.json`, "config"),
      /c\.json line 2: invalid UTF-8 at byte 20 \(0xe9\)/,
    );
    await Deno.writeFile(`${dir}/bom.json`, bytes([0xef, 0xbb, 0xbf], "{}"));
    assert.deepEqual(await readJsonFile(`${dir}/bom.json`), {});
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
