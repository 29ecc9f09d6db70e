/**
 * JSON and JSON Lines files: read (as strict UTF-8) with an error that
 * names the file and what it was meant to hold, written atomically (a reader never sees half a
 * file), JSONL appended a record per line.
 *
 * ```ts
 * const state = await readJsonFile("out/checkpoint-10/trainer_state.json", "trainer state");
 * await writeJsonFile("results/run/settings.json", { k: 4 });
 * await writeJsonl("out/prompts.jsonl", rows);
 * await appendJsonl("out/completions.jsonl", [row]);
 * ```
 *
 * Data files users bring go through lib/data/read.ts instead, which
 * reports the line and column of a malformed record.
 *
 * @module
 */
import { writeFileAtomic } from "./atomic.ts";
import { InputError } from "./errors.ts";
import { decodeUtf8 } from "./utf8.ts";

/**
 * The parsed content of the JSON file at `path`. A missing, unreadable or
 * malformed file is an {@link InputError}: `<path>: cannot read the <what>:
 * <reason>`.
 */
export async function readJsonFile(
  path: string,
  what = "JSON file",
): Promise<unknown> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    throw unreadable(path, what, error);
  }
  return parseJson(bytes, path, what);
}

/** {@link readJsonFile}, or undefined when the file does not exist. */
export async function readJsonFileIfPresent(
  path: string,
  what = "JSON file",
): Promise<unknown | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw unreadable(path, what, error);
  }
  return parseJson(bytes, path, what);
}

/** {@link readJsonFile}, synchronously (for module-level data loads). */
export function readJsonFileSync(path: string, what = "JSON file"): unknown {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch (error) {
    throw unreadable(path, what, error);
  }
  return parseJson(bytes, path, what);
}

/** Writes `value` as JSON (indented by `indent`, newline-terminated), atomically. */
export async function writeJsonFile(
  path: string,
  value: unknown,
  indent = 2,
): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, indent) + "\n");
}

/** The JSON Lines text of `rows`: one compact record per line, newline-terminated. */
export function jsonLines(rows: readonly unknown[]): string {
  return rows.map((row) => JSON.stringify(row) + "\n").join("");
}

/** Writes `rows` as a JSON Lines file, atomically. */
export async function writeJsonl(
  path: string,
  rows: readonly unknown[],
): Promise<void> {
  await writeFileAtomic(path, jsonLines(rows));
}

/** Appends `rows` to a JSON Lines file (created if missing). */
export async function appendJsonl(
  path: string,
  rows: readonly unknown[],
): Promise<void> {
  if (rows.length === 0) return;
  await Deno.writeTextFile(path, jsonLines(rows), { append: true });
}

function parseJson(bytes: Uint8Array, path: string, what: string): unknown {
  // Strict UTF-8: invalid bytes name their line, never turn into U+FFFD.
  const text = decodeUtf8(bytes, path).replace(/^\uFEFF/, "");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(
      `${path}: cannot read the ${what}: ${(error as Error).message}`,
    );
  }
}

function unreadable(path: string, what: string, error: unknown): Error {
  // A missing file stays a NotFound for callers that test for it.
  if (error instanceof Deno.errors.NotFound) {
    return new Deno.errors.NotFound(
      `${path}: cannot read the ${what}: no such file`,
    );
  }
  return new InputError(
    `${path}: cannot read the ${what}: ${(error as Error).message}`,
  );
}
