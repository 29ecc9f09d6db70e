/**
 * Builds the offline TLDR dataset: passages to summarise, cut from the
 * public-domain documents of tldr_sources.ts (_Moby-Dick_ chapters and State
 * of the Union addresses) into the rows of tldr_rows.ts.
 *
 * Moby-Dick passages are runs of whole paragraphs; SOTU passages are runs of
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
import { countWords } from "../util/sentences.ts";
import { loadMobyDick, loadSotu, type SourceDocument } from "./tldr_sources.ts";
import {
  formatTldrJsonl,
  mergeCompletions,
  readTldrJsonl,
  type TldrRow,
  type TldrSource,
} from "./tldr_rows.ts";

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
