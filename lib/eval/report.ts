/**
 * Evaluation results on disk: `results/haiku/<run>/` gets
 *
 * | file | content |
 * | --- | --- |
 * | `summary.csv` | one row per model: gemma_haiku's `full_eval.py` columns in its order, then intervals, our metrics and the settings |
 * | `per_prompt.csv` | one row per model × prompt: per-prompt means |
 * | `samples.csv` | one row per output: the completion and its scores |
 * | `summary.md` | {@link summaryTable} |
 * | `scores.svg` | {@link scoreBars} (Haiku, Similarity, Total) |
 * | `reports.json` | the full reports, for {@link readReports} and later paired comparisons |
 *
 * ```ts
 * const files = await writeReport("results/haiku/2025-01-01", [base, sft]);
 * const again = await readReports("results/haiku/2025-01-01");
 * ```
 *
 * gemma_haiku's `duplicate_percentage` is, despite its name, a fraction
 * (duplicates / total_samples); it is written the same way. `error` is
 * kept for gemma_haiku's column order and left empty.
 *
 * @module
 */
import { stringify } from "csv-stringify/sync";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic.ts";
import { writeSvg } from "../plot/mod.ts";
import { scoreBars } from "./charts.ts";
import { summaryTable } from "./tables.ts";
import { type EvalReport, HAIKU_METRICS } from "./types.ts";

export { rewardCurves, type RewardRun, scoreBars } from "./charts.ts";
export { formatInterval, pairedTable, summaryTable } from "./tables.ts";

/** gemma_haiku's CSV columns, in its order. */
export const SEED_COLUMNS = [
  "model_path",
  "is_haiku_avg",
  "similarity_avg",
  "total_avg",
  "duplicates",
  "duplicate_percentage",
  "total_samples",
  "error",
] as const;

/** A CSV row: column → cell. */
export type CsvRow = Record<string, string | number | null>;

/** The columns of `summary.csv`, in order. */
export function summaryColumns(): string[] {
  const seed = HAIKU_METRICS.filter((m) => m.seed);
  const ours = HAIKU_METRICS.filter((m) => !m.seed);
  return [
    ...SEED_COLUMNS,
    ...seed.flatMap((m) => [`${m.column}_ci_low`, `${m.column}_ci_high`]),
    ...ours.flatMap((
      m,
    ) => [m.column, `${m.column}_ci_low`, `${m.column}_ci_high`]),
    "prompts",
    "k",
    "seed",
    "temperature",
    "top_p",
    "top_k",
    "min_p",
    "sampling",
    "max_new_tokens",
    "embedder",
    "counter",
    "topic_rule",
    "ci_level",
    "bootstrap_resamples",
    "bootstrap_seed",
  ];
}

/** One `summary.csv` row per report. */
export function summaryRows(reports: readonly EvalReport[]): CsvRow[] {
  return reports.map((r) => {
    const row: CsvRow = {
      model_path: r.model,
      duplicates: r.duplicates,
      total_samples: r.outputs,
      error: "",
    };
    for (const m of HAIKU_METRICS) {
      const est = r.aggregate[m.key];
      row[m.column] = est?.mean ?? null;
      row[`${m.column}_ci_low`] = est?.low ?? null;
      row[`${m.column}_ci_high`] = est?.high ?? null;
    }
    const s = r.settings;
    const sampling = typeof s.sampling === "object" ? s.sampling : null;
    Object.assign(row, {
      prompts: s.prompts,
      k: s.k,
      seed: s.seed,
      temperature: sampling?.temperature ?? null,
      top_p: sampling?.topP ?? null,
      top_k: sampling?.topK ?? null,
      min_p: sampling?.minP ?? null,
      sampling: typeof s.sampling === "string" ? s.sampling : null,
      max_new_tokens: s.maxNewTokens,
      embedder: s.embedder,
      counter: s.counter,
      topic_rule: s.topicRule,
      ci_level: s.bootstrap.level,
      bootstrap_resamples: s.bootstrap.resamples,
      bootstrap_seed: s.bootstrap.seed,
    });
    return row;
  });
}

/** The columns of `per_prompt.csv`, in order. */
export function perPromptColumns(): string[] {
  return [
    "model_path",
    "prompt_index",
    "topic",
    "k",
    ...HAIKU_METRICS.map((m) => m.column),
    "reference",
  ];
}

/** One `per_prompt.csv` row per report × prompt (per-prompt means; empty where a metric does not apply). */
export function perPromptRows(reports: readonly EvalReport[]): CsvRow[] {
  return reports.flatMap((r) =>
    r.prompts.map((p) => {
      const row: CsvRow = {
        model_path: r.model,
        prompt_index: p.index,
        topic: p.topic,
        k: p.samples.length,
        reference: p.reference ?? null,
      };
      for (const m of HAIKU_METRICS) row[m.column] = p.means[m.key];
      return row;
    })
  );
}

/** The columns of `samples.csv`, in order. */
export function sampleColumns(): string[] {
  return [
    "model_path",
    "prompt_index",
    "sample_index",
    "topic",
    "completion",
    "line_syllables",
    "cosine",
    ...HAIKU_METRICS.map((m) => m.column),
  ];
}

/** One `samples.csv` row per output. */
export function sampleRows(reports: readonly EvalReport[]): CsvRow[] {
  return reports.flatMap((r) =>
    r.prompts.flatMap((p) =>
      p.samples.map((s, j) => {
        const row: CsvRow = {
          model_path: r.model,
          prompt_index: p.index,
          sample_index: j,
          topic: p.topic,
          completion: s.text,
          line_syllables: s.lineSyllables.join("-"),
          cosine: s.cosine,
        };
        for (const m of HAIKU_METRICS) {
          row[m.column] = s[m.key] as number | null;
        }
        return row;
      })
    )
  );
}

/** CSV text of `rows` with a header of `columns` (null cells are empty). */
export function toCsv(
  rows: readonly CsvRow[],
  columns: readonly string[],
): string {
  return stringify(rows as CsvRow[], { header: true, columns: [...columns] });
}

/** Paths written by {@link writeReport}. */
export interface ReportFiles {
  summaryCsv: string;
  perPromptCsv: string;
  samplesCsv: string;
  summaryMd: string;
  reportsJson: string;
  /** Absent with `plots: false`. */
  scoresSvg?: string;
}

/** Writes every report file into `dir` (created if missing); see the module doc. */
export async function writeReport(
  dir: string,
  reports: readonly EvalReport[],
  options: { plots?: boolean } = {},
): Promise<ReportFiles> {
  if (reports.length === 0) throw new Error(`writeReport(${dir}): no reports`);
  const names = reports.map((r) => r.model);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) {
    throw new Error(
      `writeReport(${dir}): two reports are named "${twice}"; model names key the rows`,
    );
  }
  await Deno.mkdir(dir, { recursive: true });
  const files: ReportFiles = {
    summaryCsv: join(dir, "summary.csv"),
    perPromptCsv: join(dir, "per_prompt.csv"),
    samplesCsv: join(dir, "samples.csv"),
    summaryMd: join(dir, "summary.md"),
    reportsJson: join(dir, "reports.json"),
  };
  await writeFileAtomic(
    files.summaryCsv,
    toCsv(summaryRows(reports), summaryColumns()),
  );
  await writeFileAtomic(
    files.perPromptCsv,
    toCsv(perPromptRows(reports), perPromptColumns()),
  );
  await writeFileAtomic(
    files.samplesCsv,
    toCsv(sampleRows(reports), sampleColumns()),
  );
  await writeFileAtomic(files.summaryMd, summaryTable(reports) + "\n");
  await writeFileAtomic(
    files.reportsJson,
    JSON.stringify(reports, null, 1) + "\n",
  );
  if (options.plots ?? true) {
    files.scoresSvg = join(dir, "scores.svg");
    await writeSvg(files.scoresSvg, scoreBars(reports));
  }
  return files;
}

/** Reads the reports of a folder written by {@link writeReport}. */
export async function readReports(dir: string): Promise<EvalReport[]> {
  const path = join(dir, "reports.json");
  let value: unknown;
  try {
    value = JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    throw new Error(
      `${path}: cannot read the reports: ${(error as Error).message}`,
    );
  }
  if (!Array.isArray(value)) {
    throw new Error(`${path}: expected a list of reports`);
  }
  value.forEach((r, i) => {
    for (const field of ["model", "settings", "aggregate", "prompts"]) {
      if (typeof r !== "object" || r === null || !(field in r)) {
        throw new Error(`${path}: report ${i} has no "${field}"`);
      }
    }
  });
  return value as EvalReport[];
}
