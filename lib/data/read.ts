/**
 * Reading the rows of a data file: `.json` (an array of objects, or
 * `{"data": [...]}`, or JSON Lines as many hub datasets store them), `.jsonl` / `.ndjson` (one object per line, blank lines
 * allowed), `.csv` (a header row, then records) and `.parquet`. The text
 * formats may be gzip-compressed (`.jsonl.gz`, as `Anthropic/hh-rlhf` ships
 * its splits): they are decompressed as they are read, and line numbers
 * and byte offsets in errors count in the decompressed text.
 *
 * ```ts
 * const rows = await readRows("data/math/eval.jsonl");
 * for await (const row of iterateRows("big.jsonl")) { ... } // streamed
 * ```
 *
 * Every error names the file and the line or row that is wrong, e.g.
 * `data/x.jsonl line 17: invalid JSON: …`. Text formats must be UTF-8: an
 * invalid byte is an error naming its line and byte offset, never text
 * silently replaced with U+FFFD.
 *
 * @module
 */
import { parse as parseCsv } from "csv-parse/sync";
import { jsonErrorLocation } from "./json_position.ts";
import { decodeUtf8 } from "../util/utf8.ts";
import { iterateParquetRows } from "./parquet.ts";
import {
  describeType,
  isPlainObject,
  type Row,
  setRowLocation,
} from "./rows.ts";

/** The data file formats {@link readRows} understands, by extension. */
export const DATA_EXTENSIONS = [
  ".json",
  ".jsonl",
  ".ndjson",
  ".csv",
  ".parquet",
  ".json.gz",
  ".jsonl.gz",
  ".ndjson.gz",
  ".csv.gz",
] as const;

/** Whether `path` has an extension {@link readRows} can read. */
export function isDataFile(path: string): boolean {
  const lower = path.toLowerCase();
  return DATA_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/** Reads every row of a data file into memory. */
export async function readRows(path: string): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const row of iterateRows(path)) rows.push(row);
  return rows;
}

/**
 * Yields the rows of a data file. JSONL is read line by line and parquet
 * one row group at a time, so a large file need not fit in memory at once;
 * JSON and CSV are parsed whole.
 */
export async function* iterateRows(path: string): AsyncGenerator<Row> {
  const lower = path.toLowerCase();
  const gzip = lower.endsWith(".gz");
  const inner = gzip ? lower.slice(0, -3) : lower;
  if (inner.endsWith(".jsonl") || inner.endsWith(".ndjson")) {
    yield* iterateJsonl(path, gzip);
  } else if (inner.endsWith(".json")) {
    yield* readJson(path, gzip);
  } else if (inner.endsWith(".csv")) {
    yield* readCsv(path, gzip);
  } else if (lower.endsWith(".parquet")) {
    yield* iterateParquetRows(path);
  } else {
    throw new Error(
      `${path}: unsupported data file type (expected one of ${
        DATA_EXTENSIONS.join(", ")
      })`,
    );
  }
}

async function* iterateJsonl(
  path: string,
  gzip: boolean,
): AsyncGenerator<Row> {
  let lineNumber = 0;
  const parseLine = (bytes: Uint8Array, offset: number): Row | undefined => {
    lineNumber++;
    let line = decodeUtf8(bytes, path, { line: lineNumber, offset })
      .replace(/\r$/, "");
    if (lineNumber === 1) line = line.replace(/^\uFEFF/, "");
    if (line.trim() === "") return undefined;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new Error(
        `${path} line ${lineNumber}: invalid JSON: ${(error as Error).message}`,
      );
    }
    if (!isPlainObject(value)) {
      throw new Error(
        `${path} line ${lineNumber}: expected a JSON object, got ${
          describeType(value)
        }`,
      );
    }
    setRowLocation(value, `line ${lineNumber}`);
    return value;
  };
  // Lines are split as bytes (a newline byte never occurs inside a UTF-8
  // sequence) and each decoded strictly, so a bad byte names its line.
  let pending = new Uint8Array(0);
  let offset = 0; // file offset of pending[0]
  for await (const chunk of readChunks(path, gzip)) {
    const joined = new Uint8Array(pending.length + chunk.length);
    joined.set(pending);
    joined.set(chunk, pending.length);
    let start = 0, newline: number;
    while ((newline = joined.indexOf(0x0a, start)) >= 0) {
      const row = parseLine(joined.subarray(start, newline), offset + start);
      start = newline + 1;
      if (row) yield row;
    }
    pending = joined.slice(start);
    offset += start;
  }
  if (pending.length > 0) {
    const row = parseLine(pending, offset);
    if (row) yield row;
  }
}

async function* readJson(path: string, gzip: boolean): AsyncGenerator<Row> {
  const text = (await readText(path, gzip)).replace(/^\uFEFF/, "");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // Many hub datasets store JSON Lines under a .json name.
    if (looksLikeJsonLines(text)) {
      yield* iterateJsonl(path, gzip);
      return;
    }
    throw new Error(
      `${path}: invalid JSON: ${withLine((error as Error).message, text)}`,
    );
  }
  const rows = isPlainObject(value) && Array.isArray(value.data)
    ? value.data
    : value;
  if (!Array.isArray(rows)) {
    const what = isPlainObject(value)
      ? `an object with keys ${Object.keys(value).slice(0, 8).join(", ")}`
      : describeType(value);
    throw new Error(
      `${path}: expected an array of objects or {"data": [...]}, got ${what}`,
    );
  }
  for (const [i, row] of rows.entries()) {
    if (!isPlainObject(row)) {
      throw new Error(
        `${path} row ${i + 1}: expected an object, got ${describeType(row)}`,
      );
    }
    setRowLocation(row, `row ${i + 1}`);
    yield row;
  }
}

async function* readCsv(path: string, gzip: boolean): AsyncGenerator<Row> {
  // csv-parse miscounts lines at CRLF inside quoted cells; with plain LF
  // its line count is exact (and cells hold LF line breaks either way).
  const text = (await readText(path, gzip)).replaceAll("\r\n", "\n");
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parseCsv(text, {
      bom: true,
      columns: (header: string[]) => checkHeader(path, header),
      skip_empty_lines: true,
      info: true,
    });
  } catch (error) {
    throw new Error(describeCsvError(path, error));
  }
  for (const [i, { record, info }] of records.entries()) {
    // info.lines is the line the record ends on; it may span several.
    const breaks = Object.values(record)
      .reduce((n, cell) => n + cell.split("\n").length - 1, 0);
    setRowLocation(record, `line ${info.lines - breaks} (record ${i + 1})`);
    yield record;
  }
}

function checkHeader(path: string, header: string[]): string[] {
  const seen = new Set<string>();
  for (const [i, name] of header.entries()) {
    if (name.trim() === "") {
      throw new Error(`${path} line 1: column ${i + 1} of the header is empty`);
    }
    if (seen.has(name)) {
      throw new Error(`${path} line 1: column "${name}" appears twice`);
    }
    seen.add(name);
  }
  return header;
}

function describeCsvError(path: string, error: unknown): string {
  const e = error as Error & {
    code?: string;
    lines?: number;
    record?: unknown[];
    header?: string[];
    columns?: { name: string }[];
  };
  if (e.message.startsWith(path)) return e.message;
  const line = e.lines !== undefined ? ` line ${e.lines}` : "";
  if (e.code?.startsWith("CSV_RECORD_INCONSISTENT") && e.record) {
    const names = e.columns?.map((c) => c.name) ?? [];
    return `${path}${line}: expected ${names.length} fields (${
      names.join(", ")
    }), got ${e.record.length}`;
  }
  return `${path}${line}: invalid CSV: ${e.message}`;
}

/** Whether the first two non-blank lines are each a JSON object. */
function looksLikeJsonLines(text: string): boolean {
  const lines = text.split("\n").filter((line) => line.trim() !== "")
    .slice(0, 2);
  return lines.length === 2 && lines.every((line) => {
    try {
      return isPlainObject(JSON.parse(line));
    } catch {
      return false;
    }
  });
}

/** Adds the line and column of the error when V8's message lacks them. */
function withLine(message: string, text: string): string {
  if (/line \d+/.test(message)) return message;
  const at = jsonErrorLocation(text);
  return at ? `${message} (line ${at.line} column ${at.column})` : message;
}

async function openForReading(path: string): Promise<Deno.FsFile> {
  try {
    return await Deno.open(path, { read: true });
  } catch (error) {
    throw notReadable(path, error);
  }
}

async function readText(path: string, gzip: boolean): Promise<string> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    throw notReadable(path, error);
  }
  if (gzip) {
    const stream = new Blob([bytes]).stream()
      .pipeThrough(new DecompressionStream("gzip"));
    try {
      bytes = new Uint8Array(await new Response(stream).arrayBuffer());
    } catch (error) {
      throw notGzip(path, error);
    }
  }
  return decodeUtf8(bytes, path);
}

/** The bytes of a file as they are read, decompressed when `gzip`. */
async function* readChunks(
  path: string,
  gzip: boolean,
): AsyncGenerator<Uint8Array> {
  const file = await openForReading(path);
  const stream = gzip
    ? file.readable.pipeThrough(new DecompressionStream("gzip"))
    : file.readable;
  const reader = stream.getReader();
  try {
    while (true) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (error) {
        throw gzip ? notGzip(path, error) : notReadable(path, error);
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** A corrupt or truncated gzip stream (its own TypeError would read as a bug). */
function notGzip(path: string, error: unknown): Error {
  return new Error(
    `${path}: not a valid gzip file: ${(error as Error).message}`,
    { cause: error },
  );
}

function notReadable(path: string, error: unknown): Error {
  if (error instanceof Deno.errors.NotFound) {
    return new Error(`data file not found: ${path}`);
  }
  return new Error(`${path}: cannot read: ${(error as Error).message}`, {
    cause: error,
  });
}
