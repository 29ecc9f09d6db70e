/**
 * The rows of the CoNaLa-style code task: a one-sentence programming intent
 * and a short Python 3 snippet that does it. Two sources give the same rows:
 *
 * - tunebook's offline set, `data/conala/{train,eval}.jsonl`
 *   ({@link readConalaJsonl}; errors name the file, line and field);
 * - CoNaLa's curated set on the hub, `neulab/conala` ({@link loadConala}):
 *   `rewritten_intent` (or `intent` where it is missing) and `snippet`.
 *
 * ```ts
 * const rows = readConalaJsonl("data/conala/eval.jsonl");
 * const online = await loadConala({ split: "test" });
 * online.rows[0].intent;
 * ```
 *
 * @module
 */
import { InputError } from "../util/errors.ts";
import {
  loadDataset,
  type LoadDatasetOptions,
  type LoadedDataset,
} from "./hub.ts";
import { type Row, rowLocation } from "./rows.ts";
import { readJsonlRows, stringFields } from "./jsonl_rows.ts";
import { field, validateRow } from "./schema.ts";
import { parseSplit, sliceRows } from "./split_spec.ts";

/** One intent and its snippet. */
export interface ConalaRow {
  /** Offline set: `<area>-<n>`. CoNaLa: `<question_id>-<k>`. */
  id: string;
  /** What the code should do, one sentence; variables in backticks. */
  intent: string;
  /** Python 3 that does it: one line, or a few short ones. */
  snippet: string;
}

/** Column order of the JSONL rows. */
export const CONALA_KEYS = [
  "id",
  "intent",
  "snippet",
] as const satisfies readonly (keyof ConalaRow)[];

/**
 * Checks one parsed JSONL value and returns it as a row; errors name
 * `where` (file:line) and the field.
 */
export function toConalaRow(value: unknown, where: string): ConalaRow {
  const row = stringFields(value, where, CONALA_KEYS);
  if (row.intent.includes("\n")) {
    throw new InputError(`${where}: field "intent" must be one line`);
  }
  return { id: row.id, intent: row.intent, snippet: row.snippet };
}

/**
 * Reads a CoNaLa-style JSONL file (blank lines allowed); errors name the
 * file, line and field, and a repeated id names both lines.
 */
export function readConalaJsonl(path: string): ConalaRow[] {
  return readJsonlRows(path, toConalaRow);
}

/** The hub dataset {@link loadConala} reads by default. */
export const CONALA_HUB_ID = "neulab/conala";

/** The curated CoNaLa columns read. */
export const CONALA_SCHEMA = [
  field("question_id", "integer"),
  field("intent", "string"),
  field("rewritten_intent", "string", { optional: true }),
  field("snippet", "string"),
] as const;

/**
 * Curated CoNaLa rows as CoNaLa-style rows: `rewritten_intent` where it is
 * present and not blank, else `intent`; `snippet` trimmed; id
 * `<question_id>-<k>`, k counting that question's rows from 1 (a question
 * can have several intents). Errors name `source`, the row and the field.
 */
export function conalaRows(rows: readonly Row[], source: string): ConalaRow[] {
  const perQuestion = new Map<number, number>();
  return rows.map((row, index) => {
    const valid = validateRow(row, CONALA_SCHEMA, source, index);
    const rewritten = valid.rewritten_intent?.trim();
    const intent = rewritten || valid.intent.trim();
    const snippet = valid.snippet.trim();
    const empty = intent === ""
      ? "intent"
      : snippet === ""
      ? "snippet"
      : undefined;
    if (empty) {
      throw new InputError(
        `${source} ${rowLocation(row, index)}: field "${empty}" is empty`,
      );
    }
    const k = (perQuestion.get(valid.question_id) ?? 0) + 1;
    perQuestion.set(valid.question_id, k);
    return { id: `${valid.question_id}-${k}`, intent, snippet };
  });
}

/** Options of {@link loadConala}. */
export interface ConalaOptions extends Omit<LoadDatasetOptions, "config"> {
  /**
   * A hub dataset id (optionally `@revision`), a data file (e.g. CoNaLa's
   * `conala-train.json`) or a folder; default {@link CONALA_HUB_ID}.
   */
  source?: string;
}

/** A loaded split whose rows are CoNaLa-style rows. */
export type ConalaDataset = Omit<LoadedDataset, "rows"> & {
  rows: ConalaRow[];
};

/**
 * Loads one split (`train` or `test`, optionally sliced) of CoNaLa's
 * curated set as CoNaLa-style rows. `neulab/conala` declares its configs
 * only in a loading script, so no config is passed: its file names pick
 * `data/conala-paired-{train,test}.json`, which are the curated set (the
 * mined file names no split and is left out). Ids are numbered over the
 * whole split before slicing, so a slice keeps them.
 */
export async function loadConala(
  options: ConalaOptions = {},
): Promise<ConalaDataset> {
  const source = options.source ?? CONALA_HUB_ID;
  const split = options.split ?? "train";
  const spec = parseSplit(split);
  const loaded = await loadDataset(source, {
    ...options,
    split: spec.name,
  });
  const rows = conalaRows(loaded.rows, loaded.repo ?? source);
  return { ...loaded, split, rows: sliceRows(rows, spec) };
}
