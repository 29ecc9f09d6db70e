/**
 * The CSV files of an evaluation, one row per report (summary.csv), per
 * report × prompt (per_prompt.csv) and per sample (samples.csv). Columns
 * come from the reports' metric sets, settings and variants; a study's
 * {@link ReportLayout} names the model and prompt columns, opens
 * summary.csv with columns of its own and adds sample columns.
 *
 * summary.csv: `[layout lead…] model [variant] <metric> <metric>_ci_low
 * <metric>_ci_high … prompts k seed temperature top_p top_k min_p sampling
 * max_new_tokens <study settings…> ci_level bootstrap_resamples
 * bootstrap_seed`.
 *
 * @module
 */
import { stringify } from "csv-stringify/sync";
import type { CsvRow, EvalReport, ReportLayout } from "./types.ts";

/** The columns of `summary.csv`, in order. */
export function summaryColumns(
  reports: readonly EvalReport[],
  layout: ReportLayout = {},
): string[] {
  const studyKeys = [
    ...new Set(reports.flatMap((r) => Object.keys(r.settings.study))),
  ];
  return unique([
    ...(layout.summaryLead?.columns ?? []),
    ...leadColumns(reports, layout),
    ...metricsOf(reports).flatMap((m) => [
      m.column,
      `${m.column}_ci_low`,
      `${m.column}_ci_high`,
    ]),
    "prompts",
    "k",
    "seed",
    "temperature",
    "top_p",
    "top_k",
    "min_p",
    "sampling",
    "max_new_tokens",
    ...studyKeys.map(snakeCase),
    "ci_level",
    "bootstrap_resamples",
    "bootstrap_seed",
  ]);
}

/** One `summary.csv` row per report. */
export function summaryRows(
  reports: readonly EvalReport[],
  layout: ReportLayout = {},
): CsvRow[] {
  return reports.map((r) => {
    const row: CsvRow = { ...keyCells(r, layout) };
    for (const m of r.metrics) {
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
      ci_level: s.bootstrap.level,
      bootstrap_resamples: s.bootstrap.resamples,
      bootstrap_seed: s.bootstrap.seed,
    });
    for (const [key, value] of Object.entries(s.study)) {
      row[snakeCase(key)] = typeof value === "boolean" ? String(value) : value;
    }
    return { ...row, ...layout.summaryLead?.cells(r) };
  });
}

/** The columns of `per_prompt.csv`, in order. */
export function perPromptColumns(
  reports: readonly EvalReport[],
  layout: ReportLayout = {},
): string[] {
  return unique([
    ...leadColumns(reports, layout),
    "prompt_index",
    layout.idColumn ?? "id",
    "k",
    ...metricsOf(reports).map((m) => m.column),
    "reference",
  ]);
}

/** One `per_prompt.csv` row per report × prompt (per-prompt means; empty where a metric does not apply). */
export function perPromptRows(
  reports: readonly EvalReport[],
  layout: ReportLayout = {},
): CsvRow[] {
  return reports.flatMap((r) =>
    r.prompts.map((p) => {
      const row: CsvRow = {
        ...keyCells(r, layout),
        prompt_index: p.index,
        [layout.idColumn ?? "id"]: p.id,
        k: p.samples.length,
        reference: p.reference ?? null,
      };
      for (const m of r.metrics) row[m.column] = p.means[m.key] ?? null;
      return row;
    })
  );
}

/** The columns of `samples.csv`, in order. */
export function sampleColumns(
  reports: readonly EvalReport[],
  layout: ReportLayout = {},
): string[] {
  return unique([
    ...leadColumns(reports, layout),
    "prompt_index",
    "sample_index",
    layout.idColumn ?? "id",
    "completion",
    ...(layout.sampleColumns?.columns ?? []),
    ...metricsOf(reports).map((m) => m.column),
  ]);
}

/** One `samples.csv` row per sample. */
export function sampleRows(
  reports: readonly EvalReport[],
  layout: ReportLayout = {},
): CsvRow[] {
  return reports.flatMap((r) =>
    r.prompts.flatMap((p) =>
      p.samples.map((s, j) => {
        const row: CsvRow = {
          ...keyCells(r, layout),
          prompt_index: p.index,
          sample_index: j,
          [layout.idColumn ?? "id"]: p.id,
          completion: s.text,
          ...layout.sampleColumns?.cells(s),
        };
        for (const m of r.metrics) row[m.column] = s.values[m.key] ?? null;
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

/** The model column, and the variant column when any report has one. */
function leadColumns(
  reports: readonly EvalReport[],
  layout: ReportLayout,
): string[] {
  const variant = reports.some((r) => r.variant !== undefined);
  return [layout.modelColumn ?? "model", ...(variant ? ["variant"] : [])];
}

function keyCells(r: EvalReport, layout: ReportLayout): CsvRow {
  return {
    [layout.modelColumn ?? "model"]: r.model,
    variant: r.variant ?? null,
  };
}

/** Every report's metrics, first-seen order, one per key. */
function metricsOf(reports: readonly EvalReport[]) {
  const seen = new Map<string, EvalReport["metrics"][number]>();
  for (const r of reports) {
    for (const m of r.metrics) if (!seen.has(m.key)) seen.set(m.key, m);
  }
  return [...seen.values()];
}

function unique(columns: readonly string[]): string[] {
  return [...new Set(columns)];
}

/** `topicRule` → `topic_rule`. */
export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
