/**
 * Evaluation tables for READMEs, summary files and notebooks: one row per
 * model with `mean [low, high]` cells, and a paired comparison of two
 * models on the same prompts.
 *
 * ```ts
 * console.log(summaryTable([base, sft, rl]));
 * // | Model | Accuracy | Format | …
 * // | sft   | 12.0 % [5.0, 19.0] | 0.42 [0.35, 0.49] | …
 * console.log(pairedTable(rl, sft)); // Δ = rl − sft per metric, with p-values
 * ```
 *
 * @module
 */
import { formatTable, type TableColumn } from "../util/table.ts";
import { compareReports } from "./compare.ts";
import { reportLabel } from "./evaluate.ts";
import {
  formatInterval,
  formatValue,
  type Metric,
  metricOf,
} from "./metrics.ts";
import type { PairedOptions } from "./stats.ts";
import type { EvalReport, StudySetting } from "./types.ts";

/** Options of the tables. */
export interface TableFormatOptions {
  /** Metric keys to show, in order (default: every metric of the first report). */
  metrics?: readonly string[];
  /** Decimals of score metrics (default: each metric's own); percents and counts keep theirs. */
  digits?: number;
  /** Appended to the caption: what the study settings mean (e.g. "similarity: use-lite cosine − 0.5"). */
  note?: string;
  /** Rendering (default "markdown"). */
  format?: "markdown" | "html" | "text";
}

/**
 * One row per report: each metric as `mean [low, high]`. The caption
 * states the settings every report shares (k, prompts, interval, variant);
 * a setting the reports differ in becomes a column instead.
 */
export function summaryTable(
  reports: readonly EvalReport[],
  options: TableFormatOptions = {},
): string {
  if (reports.length === 0) throw new Error("summaryTable: no reports");
  const metrics = shownMetrics(reports[0], options.metrics);
  const varies = (pick: (r: EvalReport) => unknown) =>
    new Set(reports.map((r) => JSON.stringify(pick(r) ?? null))).size > 1;
  const variant = varies((r) => r.variant);
  const k = varies((r) => r.settings.k);
  const prompts = varies((r) => r.settings.prompts);
  const studyKeys = [
    ...new Set(reports.flatMap((r) => Object.keys(r.settings.study))),
  ].filter((key) => varies((r) => r.settings.study[key]));
  const rows = reports.map((r) => {
    const row: Record<string, string | number | StudySetting> = {
      model: r.model,
      variant: r.variant ?? "",
      k: r.settings.k,
      prompts: r.settings.prompts,
    };
    for (const key of studyKeys) row[`study:${key}`] = r.settings.study[key];
    for (const m of metrics) {
      const est = r.aggregate[m.key];
      row[`metric:${m.key}`] = est
        ? formatInterval(est, m, options.digits)
        : "n/a";
    }
    return row;
  });
  const columns: TableColumn[] = [
    { key: "model", label: "Model" },
    ...(variant ? [{ key: "variant", label: "Variant" }] : []),
    ...(k ? [{ key: "k" }] : []),
    ...(prompts ? [{ key: "prompts", label: "Prompts" }] : []),
    ...studyKeys.map((key) => ({ key: `study:${key}`, label: key })),
    ...metrics.map((m) => ({ key: `metric:${m.key}`, label: m.label })),
  ];
  const table = formatTable(rows, {
    columns,
    caption: caption(
      reports,
      { variant, k, prompts, study: studyKeys },
      options.note,
    ),
  });
  return table[options.format ?? "markdown"];
}

/**
 * Paired comparison of `a` and `b` on the same prompts: per metric, both
 * means, the mean per-prompt difference A − B with its bootstrap interval,
 * and the sign-flip permutation p-value.
 */
export function pairedTable(
  a: EvalReport,
  b: EvalReport,
  options: TableFormatOptions & PairedOptions = {},
): string {
  const { resamples, seed, level, permutations } = options;
  const paired = Object.fromEntries(
    Object.entries({ resamples, seed, level, permutations }).filter(
      ([, v]) => v !== undefined,
    ),
  ) as PairedOptions;
  const comparisons = compareReports(a, b, paired);
  const metrics = shownMetrics(a, options.metrics);
  const rows = metrics.map((m) => {
    const c = comparisons[m.key];
    const show = (v: number) => formatValue(v, m, options.digits);
    return {
      metric: m.label,
      a: c ? show(c.meanA) : "n/a",
      b: c ? show(c.meanB) : "n/a",
      delta: c ? formatInterval(c.difference, m, options.digits) : "n/a",
      p: c ? formatPValue(c.pValue) : "n/a",
      prompts: c ? c.prompts : 0,
    };
  });
  const b0 = { ...a.settings.bootstrap, ...paired };
  // One variant on both sides (e.g. the same decoding) goes in the caption.
  const shared = a.variant !== undefined && a.variant === b.variant;
  const [nameA, nameB] = shared
    ? [a.model, b.model]
    : [reportLabel(a), reportLabel(b)];
  const table = formatTable(rows, {
    columns: [
      { key: "metric", label: "Metric" },
      { key: "a", label: nameA },
      { key: "b", label: nameB },
      {
        key: "delta",
        label: `Δ ${nameA} − ${nameB} [${pct(b0.level)} CI]`,
      },
      { key: "p", label: "p (sign-flip)" },
      { key: "prompts", label: "Prompts" },
    ],
    caption: `Paired by prompt${
      shared ? ` (${a.variant})` : ""
    }: ${nameA} and ${nameB} columns are means of per-prompt means over the prompts both have values for; Δ is their mean per-prompt difference with a bootstrap interval over prompts (B = ${b0.resamples}) and a two-sided sign-flip permutation p-value.`,
  });
  return table[options.format ?? "markdown"];
}

/** The metrics of `report` named by `keys` (default: all), in that order. */
function shownMetrics(
  report: EvalReport,
  keys: readonly string[] | undefined,
): Metric[] {
  return keys ? keys.map((k) => metricOf(report.metrics, k)) : report.metrics;
}

/** A p-value as the tables print it: "< 0.001", else three decimals. */
export function formatPValue(p: number): string {
  return p < 0.001 ? "< 0.001" : p.toFixed(3);
}

/** `95 %` of a level 0.95. */
export function pct(level: number): string {
  return `${Number((level * 100).toFixed(1))} %`;
}

/** The caption: what every report shares, and the study's note. */
function caption(
  reports: readonly EvalReport[],
  varies: { variant: boolean; k: boolean; prompts: boolean; study: string[] },
  note: string | undefined,
): string {
  const s = reports[0].settings;
  const sameBootstrap = reports.every((r) =>
    JSON.stringify(r.settings.bootstrap) === JSON.stringify(s.bootstrap)
  );
  const size = varies.k || varies.prompts
    ? "means over each row's prompts × k samples"
    : `means over ${s.prompts} prompts × k = ${s.k} samples`;
  const interval = sameBootstrap
    ? `, ${
      pct(s.bootstrap.level)
    } bootstrap interval over prompts (B = ${s.bootstrap.resamples})`
    : ", bootstrap intervals over prompts";
  const variant = reports[0].variant;
  const text = !varies.variant && variant !== undefined
    ? `${variant}: ${size}`
    : size[0].toUpperCase() + size.slice(1);
  return `${text}${interval}${
    note && varies.study.length === 0 ? `; ${note}` : ""
  }.`;
}
