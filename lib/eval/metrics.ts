/**
 * Metric declarations: what a study measures per sample, named once for
 * tables (label), CSV files (column) and readers (description), with the
 * way its values are shown.
 *
 * ```ts
 * const METRICS = defineMetrics([
 *   { key: "accuracy", label: "Accuracy", column: "accuracy",
 *     description: "the extracted answer equals the gold", format: { kind: "percent", digits: 1 } },
 *   { key: "tokens", label: "Tokens", column: "tokens",
 *     description: "completion length in tokens", format: { kind: "count", digits: 1 } },
 * ]);
 * formatInterval({ mean: 0.125, low: 0, high: 0.25 }, METRICS[0]); // "12.5 % [0.0, 25.0]"
 * ```
 *
 * @module
 */
import type { Interval } from "./stats.ts";

/**
 * How a metric's values are shown: a score with `digits` decimals (the
 * tables' `digits` option may change them), a rate shown in percent, or a
 * count-like quantity (lengths, tallies) with its own decimals.
 */
export interface MetricFormat {
  kind: "score" | "percent" | "count";
  /** Decimals (of the percentage, for "percent"). */
  digits: number;
}

/** One metric of a study, as every table, file and chart names it. */
export interface Metric {
  /** Key of the per-sample values (`values[key]`) and of the aggregates. */
  key: string;
  /** Heading in markdown tables and chart panels. */
  label: string;
  /** Column in the CSV files (snake_case). */
  column: string;
  /** One line: what a sample contributes. */
  description: string;
  format: MetricFormat;
}

/** The metrics of a study, in table order. */
export type MetricSet = readonly Metric[];

/** Checks a metric set (non-empty, unique keys and columns, known formats) and returns it. */
export function defineMetrics<T extends MetricSet>(metrics: T): T {
  if (metrics.length === 0) throw new Error("a metric set needs a metric");
  for (const field of ["key", "column"] as const) {
    const names = metrics.map((m) => m[field]);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined) {
      throw new Error(`two metrics have the ${field} "${twice}"`);
    }
  }
  for (const m of metrics) {
    if (!["score", "percent", "count"].includes(m.format?.kind)) {
      throw new Error(
        `metric "${m.key}": format.kind must be "score", "percent" or "count", got ${
          JSON.stringify(m.format?.kind)
        }`,
      );
    }
    if (!Number.isInteger(m.format.digits) || m.format.digits < 0) {
      throw new Error(
        `metric "${m.key}": format.digits must be an integer ≥ 0, got ${m.format.digits}`,
      );
    }
  }
  return metrics;
}

/** The metric of `metrics` keyed `key`; an unknown key is an error naming the known ones. */
export function metricOf(metrics: MetricSet, key: string): Metric {
  const metric = metrics.find((m) => m.key === key);
  if (!metric) {
    throw new Error(
      `unknown metric ${JSON.stringify(key)}; expected one of ${
        metrics.map((m) => m.key).join(", ")
      }`,
    );
  }
  return metric;
}

/**
 * A value as tables show it: `0.42`, `12.5 %` (percent), `16.0` (count).
 * `digits` overrides the decimals of score metrics only.
 */
export function formatValue(
  value: number,
  metric: Metric,
  digits?: number,
  withUnit = true,
): string {
  const { kind } = metric.format;
  if (kind === "percent") {
    return `${(value * 100).toFixed(metric.format.digits)}${
      withUnit ? " %" : ""
    }`;
  }
  if (kind === "count") return value.toFixed(metric.format.digits);
  return value.toFixed(digits ?? metric.format.digits);
}

/** `0.42 [0.35, 0.49]`, or `1.3 % [0.0, 3.5]` for a percent metric. */
export function formatInterval(
  est: Interval,
  metric: Metric,
  digits?: number,
): string {
  const f = (v: number) => formatValue(v, metric, digits, false);
  const unit = metric.format.kind === "percent" ? " %" : "";
  return `${f(est.mean)}${unit} [${f(est.low)}, ${f(est.high)}]`;
}

/** A markdown list of the metrics: label and what a sample contributes. */
export function metricLegend(metrics: MetricSet): string {
  return metrics.map((m) => `- **${m.label}**: ${m.description}`).join("\n");
}
