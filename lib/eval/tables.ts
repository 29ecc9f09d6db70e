/**
 * Evaluation tables for READMEs, closing notes and notebooks: one row per
 * model with `mean [low, high]` cells, and a paired comparison of two
 * models.
 *
 * ```ts
 * console.log(summaryTable([base, sft, rl]));
 * // | Model | Haiku Score | Similarity Score | Total Score | Train Overlap | …
 * // | sft   | 0.42 [0.35, 0.49] | …
 * console.log(pairedTable(rl, sft)); // Δ = rl − sft per metric, with p-values
 * ```
 *
 * @module
 */
import { formatTable, type TableColumn } from "../util/table.ts";
import { compareReports } from "./compare.ts";
import type { Interval, PairedOptions } from "./stats.ts";
import {
  type EvalReport,
  HAIKU_METRICS,
  type HaikuMetric,
  metricInfo,
} from "./types.ts";

/** Options of the tables. */
export interface TableFormatOptions {
  /** Metrics to show, in order (default: all). */
  metrics?: readonly HaikuMetric[];
  /** Decimals of scores and rates (default 2); counts get 1, Train Overlap is a percentage. */
  digits?: number;
  /** Rendering (default "markdown"). */
  format?: "markdown" | "html" | "text";
}

/**
 * One row per model: each metric as `mean [low, high]`. The caption states
 * the shared settings (k, prompts, interval, embedder, counter); when the
 * reports differ in them, k and embedder become columns instead.
 */
export function summaryTable(
  reports: readonly EvalReport[],
  options: TableFormatOptions = {},
): string {
  if (reports.length === 0) throw new Error("summaryTable: no reports");
  const metrics = options.metrics ?? HAIKU_METRICS.map((m) => m.key);
  const shared = sharedSettings(reports);
  const rows = reports.map((r) => {
    const row: Record<string, string | number> = { model: r.model };
    if (!shared) {
      row.k = r.settings.k;
      row.embedder = r.settings.embedder;
    }
    for (const m of metrics) {
      const est = r.aggregate[m];
      row[m] = est ? formatInterval(est, m, options.digits) : "n/a";
    }
    return row;
  });
  const columns: TableColumn[] = [
    { key: "model", label: "Model" },
    ...(shared ? [] : [{ key: "k" }, { key: "embedder", label: "Embedder" }]),
    ...metrics.map((m) => ({ key: m, label: metricInfo(m).label })),
  ];
  const table = formatTable(rows, { columns, caption: shared ?? undefined });
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
  const comparisons = compareReports(a, b, options);
  const metrics = options.metrics ?? HAIKU_METRICS.map((m) => m.key);
  const rows = metrics.map((m) => {
    const c = comparisons[m];
    const show = (v: number) => formatValue(v, m, options.digits);
    return {
      metric: metricInfo(m).label,
      a: c ? show(c.meanA) : "n/a",
      b: c ? show(c.meanB) : "n/a",
      delta: c ? formatInterval(c.difference, m, options.digits) : "n/a",
      p: c ? formatP(c.pValue) : "n/a",
      prompts: c ? c.prompts : 0,
    };
  });
  const b0 = a.settings.bootstrap;
  const table = formatTable(rows, {
    columns: [
      { key: "metric", label: "Metric" },
      { key: "a", label: a.model },
      { key: "b", label: b.model },
      {
        key: "delta",
        label: `Δ ${a.model} − ${b.model} [${pct(b0.level)} CI]`,
      },
      { key: "p", label: "p (sign-flip)" },
      { key: "prompts", label: "Prompts" },
    ],
    caption:
      `Paired by prompt: ${a.model} and ${b.model} columns are means of per-prompt means over the prompts both have values for; Δ is their mean per-prompt difference with a bootstrap interval over prompts (B = ${b0.resamples}) and a two-sided sign-flip permutation p-value.`,
  });
  return table[options.format ?? "markdown"];
}

/** `0.42 [0.35, 0.49]`, or `1.2 % [0.0, 3.5]` for Train Overlap. */
export function formatInterval(
  est: Interval,
  metric: HaikuMetric,
  digits?: number,
): string {
  const f = (v: number) => formatValue(v, metric, digits, false);
  const unit = metric === "trainOverlap" ? " %" : "";
  return `${f(est.mean)}${unit} [${f(est.low)}, ${f(est.high)}]`;
}

/** A metric value as the tables show it. */
export function formatValue(
  value: number,
  metric: HaikuMetric,
  digits = 2,
  withUnit = true,
): string {
  if (metric === "trainOverlap") {
    return `${(value * 100).toFixed(1)}${withUnit ? " %" : ""}`;
  }
  if (metric === "words" || metric === "chars") return value.toFixed(1);
  return value.toFixed(digits);
}

function formatP(p: number): string {
  return p < 0.001 ? "< 0.001" : p.toFixed(3);
}

function pct(level: number): string {
  return `${Number((level * 100).toFixed(1))} %`;
}

/** A caption for settings every report shares, or null when they differ. */
function sharedSettings(reports: readonly EvalReport[]): string | null {
  const key = (r: EvalReport) =>
    JSON.stringify([
      r.settings.k,
      r.settings.prompts,
      r.settings.embedder,
      r.settings.counter,
      r.settings.bootstrap,
    ]);
  if (!reports.every((r) => key(r) === key(reports[0]))) return null;
  const s = reports[0].settings;
  return `Means over ${s.prompts} prompts × k = ${s.k} samples, ${
    pct(s.bootstrap.level)
  } bootstrap interval over prompts (B = ${s.bootstrap.resamples}); similarity: ${s.embedder} cosine − ${s.similarityOffset}; syllables: ${s.counter}.`;
}
