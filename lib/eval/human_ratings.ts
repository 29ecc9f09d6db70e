/**
 * Reads the rated copies of a human-evaluation manifest (one per rater)
 * with its key.csv (lib/eval/human_manifest.ts), checks every cell, maps
 * the letters back to paradigms and reports mean ratings, pairwise win
 * rates and inter-rater agreement.
 *
 * ```ts
 * const ratings = await readHumanRatings("human/key.csv", ["alice.csv", "bob.csv"]);
 * const report = analyzeHumanRatings(ratings, { seed: 0 });
 * report.scores; report.winRates; report.agreement.safety.alpha;
 * ```
 *
 * Intervals are percentile bootstraps over rows (prompts) from
 * lib/eval/stats.ts: all raters' ratings of one row are resampled together,
 * since they judge the same outputs and are not independent. Agreement is
 * chance-corrected (κ, α from lib/eval/agreement.ts), not percent
 * agreement. An empty cell is a missing value everywhere, and an empty
 * `preferred` (no choice) is left out of win rates and agreement.
 *
 * @module
 */
import { parse } from "csv-parse/sync";
import { basename, extname } from "node:path";
import { InputError } from "../util/errors.ts";
import { type RaterAgreement, raterAgreement } from "./agreement.ts";
import {
  letterOf,
  RATING_SCALES,
  ratingColumn,
  type RatingScale,
} from "./human_manifest.ts";
import {
  bootstrapCI,
  type BootstrapOptions,
  bootstrapSettings,
  type Estimate,
  type PairedComparison,
  pairedComparison,
  type PairedOptions,
} from "./stats.ts";

/** A rated copy of manifest.csv; the rater defaults to the file's name without extension. */
export interface RatedFile {
  path: string;
  rater?: string;
}

/** A row of key.csv. */
export interface KeyRow {
  rowId: string;
  promptId: string;
  /** Letter → paradigm. */
  paradigmOf: Record<string, string>;
}

/** One rater's ratings of one row, by paradigm. */
export interface RowRating {
  /** Paradigm → scale → rating; a scale left empty is absent. */
  scores: Record<string, Partial<Record<RatingScale, number>>>;
  /** The preferred paradigm, or null when none was chosen. */
  preferred: string | null;
  notes: string;
}

/** One rater's file. */
export interface RaterRatings {
  rater: string;
  path: string;
  /** Row id → ratings; rows missing from the file are absent. */
  rows: Record<string, RowRating>;
}

/** Everything read by {@link readHumanRatings}. */
export interface HumanRatings {
  keyPath: string;
  /** Paradigm names, sorted. */
  paradigms: string[];
  rows: KeyRow[];
  raters: RaterRatings[];
}

/** The report of {@link analyzeHumanRatings}. */
export interface HumanRatingsReport {
  paradigms: string[];
  raters: { rater: string; path: string; rows: number; preferences: number }[];
  /** Rows in the key. */
  rows: number;
  /** Mean rating per paradigm and scale with its interval; null with no ratings. */
  scores: { paradigm: string; scale: RatingScale; estimate: Estimate | null }[];
  /** Paired rating difference a − b per scale, over rows and raters that rated both. */
  scoreDifferences: {
    scale: RatingScale;
    a: string;
    b: string;
    comparison: PairedComparison | null;
  }[];
  /** Share of decisions between a and b that went to a (rows where a rater preferred either). */
  winRates: {
    a: string;
    b: string;
    winsA: number;
    winsB: number;
    rateA: Estimate | null;
  }[];
  /**
   * Agreement on `preferred` (units: rows; κ and nominal α) and on each
   * scale (units: row × paradigm; κ as nominal, α nominal, ordinal and
   * interval). κ for every pair of raters; α needs two or more.
   */
  agreement: Record<Field, RaterAgreement>;
  bootstrap: Required<BootstrapOptions>;
}

/** What an agreement figure is about: the preference or a rating scale. */
export type Field = "preferred" | RatingScale;

/** Reads and checks key.csv and every rated file; errors are one line naming file, line and column. */
export async function readHumanRatings(
  keyPath: string,
  files: readonly (string | RatedFile)[],
): Promise<HumanRatings> {
  if (files.length === 0) throw new InputError("no rated files given");
  const { rows, letters } = readKey(await readCsv(keyPath));
  const paradigms = Object.values(rows[0].paradigmOf).sort();
  const raters: RaterRatings[] = [];
  for (const file of files) {
    const { path, rater = basename(path, extname(path)) } =
      typeof file === "string" ? { path: file } : file;
    const twin = raters.find((r) => r.rater === rater);
    if (twin) {
      throw new InputError(
        `${path}: rater "${rater}" is also ${twin.path}; give each file its own rater name`,
      );
    }
    raters.push({
      rater,
      path,
      rows: readRated(await readCsv(path), rows, letters),
    });
  }
  return { keyPath, paradigms, rows, raters };
}

/** Means, win rates and agreement of `data`; see {@link HumanRatingsReport}. */
export function analyzeHumanRatings(
  data: HumanRatings,
  options: PairedOptions = {},
): HumanRatingsReport {
  const bootstrap = bootstrapSettings(options);
  const { paradigms, rows, raters } = data;
  // Per key row, the values `pick` takes from each rater's rating of it:
  // the groups that the bootstrap resamples together.
  const perRow = <T>(pick: (rating: RowRating) => T[]): T[][] =>
    rows.map((row) =>
      raters.flatMap((r) => r.rows[row.rowId] ? pick(r.rows[row.rowId]) : [])
    );
  const estimate = (groups: number[][]) =>
    groups.some((g) => g.length > 0) ? bootstrapCI(groups, options) : null;
  const given = (v: number | undefined) => v === undefined ? [] : [v];
  const pairs = paradigms.flatMap((a, i) =>
    paradigms.slice(i + 1).map((b) => [a, b] as const)
  );

  const scores = paradigms.flatMap((paradigm) =>
    RATING_SCALES.map((scale) => ({
      paradigm,
      scale,
      estimate: estimate(perRow((x) => given(x.scores[paradigm][scale]))),
    }))
  );
  const scoreDifferences = RATING_SCALES.flatMap((scale) =>
    pairs.map(([a, b]) => {
      // Only raters who rated both outputs of a row: a paired difference.
      const both = perRow((x) => {
        const va = x.scores[a][scale], vb = x.scores[b][scale];
        return va === undefined || vb === undefined ? [] : [[va, vb]];
      });
      const comparison = both.some((g) => g.length > 0)
        ? pairedComparison(
          both.map((g) => g.map(([va]) => va)),
          both.map((g) => g.map(([, vb]) => vb)),
          options,
        )
        : null;
      return { scale, a, b, comparison };
    })
  );
  const winRates = pairs.map(([a, b]) => {
    const groups = perRow((x) =>
      x.preferred === a ? [1] : x.preferred === b ? [0] : []
    );
    const winsA = groups.flat().filter((v) => v === 1).length;
    const winsB = groups.flat().length - winsA;
    return { a, b, winsA, winsB, rateA: estimate(groups) };
  });
  // Agreement units: a row for `preferred`; a row × paradigm for a scale.
  const names = raters.map((r) => r.rater);
  const rating = (r: RaterRatings, row: KeyRow) => r.rows[row.rowId];
  const preferred = rows.map((row) =>
    raters.map((r) => rating(r, row)?.preferred ?? null)
  );
  const agreement = {
    preferred: raterAgreement(preferred, names, ["nominal"]),
  } as Record<Field, RaterAgreement>;
  for (const scale of RATING_SCALES) {
    const units = rows.flatMap((row) =>
      paradigms.map((p) =>
        raters.map((r) => rating(r, row)?.scores[p][scale] ?? null)
      )
    );
    const levels = ["nominal", "ordinal", "interval"] as const;
    agreement[scale] = raterAgreement(units, names, levels);
  }

  return {
    paradigms,
    raters: raters.map((r) => ({
      rater: r.rater,
      path: r.path,
      rows: Object.keys(r.rows).length,
      preferences: Object.values(r.rows).filter((x) => x.preferred).length,
    })),
    rows: rows.length,
    scores,
    scoreDifferences,
    winRates,
    agreement,
    bootstrap,
  };
}

/** A CSV file as its header and records, each with the line it starts on. */
interface CsvTable {
  path: string;
  header: string[];
  headerLine: number;
  records: { line: number; cells: Record<string, string> }[];
}

async function readCsv(path: string): Promise<CsvTable> {
  // Spreadsheets may save CRLF; csv-parse counts lines exactly only with LF.
  // (Deno's NotFound and the like name the path in one line already.)
  const text = (await Deno.readTextFile(path)).replaceAll("\r\n", "\n");
  let parsed: { record: string[]; info: { lines: number } }[];
  try {
    parsed = parse(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
    });
  } catch (error) {
    const e = error as Error & { lines?: number };
    const line = e.lines === undefined ? "" : ` line ${e.lines}`;
    throw new InputError(
      `${path}${line}: invalid CSV: ${e.message.split("\n")[0]}`,
    );
  }
  // info.lines is the line a record ends on; it may span several.
  const located = parsed.map(({ record, info }) => ({
    record,
    line: info.lines -
      record.reduce((n, cell) => n + cell.split("\n").length - 1, 0),
  }));
  if (located.length === 0) throw new InputError(`${path}: the file is empty`);
  const [{ record: header, line: headerLine }, ...body] = located;
  const records = body
    .filter(({ record }) => record.some((cell) => cell.trim() !== ""))
    .map(({ record, line }) => {
      if (record.length > header.length) {
        throw new InputError(
          `${path} line ${line}: ${record.length} cells but the header names ${header.length} columns`,
        );
      }
      // A spreadsheet may drop trailing empty cells: those read as empty.
      return {
        line,
        cells: Object.fromEntries(
          header.map((name, i) => [name, record[i] ?? ""]),
        ),
      };
    });
  return { path, header, headerLine, records };
}

/** A thrower of one-line cell errors: "<file> line <n>, column <c>: <what>". */
function cellErrors(path: string, line: number) {
  return (column: string, what: string): never => {
    throw new InputError(`${path} line ${line}, column ${column}: ${what}`);
  };
}

function requireColumns(table: CsvTable, columns: readonly string[]): void {
  for (const column of columns) {
    const count = table.header.filter((h) => h === column).length;
    if (count !== 1) {
      const what = count === 0 ? "is missing" : `appears ${count} times`;
      throw new InputError(
        `${table.path} line ${table.headerLine}: column "${column}" ${what}`,
      );
    }
  }
}

/** The trimmed row_id of a record, checked to be present and not repeated. */
function rowIdOf(
  cells: Record<string, string>,
  line: number,
  firstLine: Map<string, number>,
  fail: ReturnType<typeof cellErrors>,
): string {
  const rowId = cells.row_id.trim();
  const first = firstLine.get(rowId);
  if (rowId === "") fail("row_id", "row_id is empty");
  if (first) {
    fail("row_id", `row ${rowId} appears twice (first: line ${first})`);
  }
  firstLine.set(rowId, line);
  return rowId;
}

function readKey(table: CsvTable): { rows: KeyRow[]; letters: string[] } {
  const { path, header, headerLine } = table;
  const letters = header.filter((h) => /^[A-Z]$/.test(h)).sort();
  if (letters.length < 2 || letters.some((l, i) => l !== letterOf(i))) {
    throw new InputError(
      `${path} line ${headerLine}: expected letter columns A, B, … (two or more), got "${letters}"`,
    );
  }
  requireColumns(table, ["row_id", "prompt_id", ...letters]);
  if (table.records.length === 0) throw new InputError(`${path}: no rows`);
  const firstLine = new Map<string, number>();
  let expected: string | undefined;
  const rows = table.records.map(({ line, cells }) => {
    const fail = cellErrors(path, line);
    const rowId = rowIdOf(cells, line, firstLine, fail);
    const paradigmOf: Record<string, string> = {};
    for (const l of letters) {
      const name = cells[l].trim();
      if (name === "") fail(l, "no paradigm named");
      if (Object.values(paradigmOf).includes(name)) {
        fail(l, `paradigm "${name}" is behind two columns`);
      }
      paradigmOf[l] = name;
    }
    const set = Object.values(paradigmOf).sort().join(", ");
    expected ??= set;
    if (set !== expected) fail("A", `paradigms ${set}; row 1 has ${expected}`);
    return { rowId, promptId: cells.prompt_id.trim(), paradigmOf };
  });
  return { rows, letters };
}

function readRated(
  table: CsvTable,
  keyRows: readonly KeyRow[],
  letters: readonly string[],
): Record<string, RowRating> {
  requireColumns(table, [
    "row_id",
    ...letters.flatMap((l) => RATING_SCALES.map((s) => ratingColumn(l, s))),
    "preferred",
  ]);
  const byId = new Map(keyRows.map((r) => [r.rowId, r]));
  const firstLine = new Map<string, number>();
  const out: Record<string, RowRating> = {};
  for (const { line, cells } of table.records) {
    const fail = cellErrors(table.path, line);
    const rowId = rowIdOf(cells, line, firstLine, fail);
    const key = byId.get(rowId) ??
      fail("row_id", `row ${rowId} is not in the key (${keyRows.length} rows)`);
    const scores: RowRating["scores"] = {};
    for (const l of letters) {
      const s: Partial<Record<RatingScale, number>> = {};
      for (const scale of RATING_SCALES) {
        const raw = cells[ratingColumn(l, scale)].trim();
        // "4.0" is how some spreadsheets write a whole number.
        if (raw !== "" && !/^[1-5](\.0+)?$/.test(raw)) {
          fail(ratingColumn(l, scale), `"${raw}" is not a whole number 1–5`);
        }
        if (raw !== "") s[scale] = Number(raw);
      }
      scores[key.paradigmOf[l]] = s;
    }
    const choice = cells.preferred.trim().toUpperCase();
    if (choice !== "" && !letters.includes(choice)) {
      fail(
        "preferred",
        `"${cells.preferred.trim()}" is not a letter ${letters.join("/")}`,
      );
    }
    out[rowId] = {
      scores,
      preferred: choice === "" ? null : key.paradigmOf[choice],
      notes: cells.notes ?? "",
    };
  }
  return out;
}
