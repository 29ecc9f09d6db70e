/**
 * The few chart shapes tunebook experiments draw, as typed helpers that
 * return standalone SVG strings: a line chart (loss or reward per step per
 * run), a bar chart with error bars (a mean and its interval per model), a
 * scatter plot and a histogram.
 *
 * Rows are plain objects; options name their fields. Every row is checked
 * before drawing, so a NaN loss or a missing field is an error naming the row
 * and field instead of a silently broken line.
 *
 * ```ts
 * const svg = lineChart(history, { x: "step", y: "loss", series: "run", title: "Training loss" });
 * await Deno.writeTextFile("loss.svg", svg);
 * ```
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { renderSvg } from "./render.ts";

/** Field names of a row type. */
export type FieldOf<T> = Extract<keyof T, string>;

/** Frame options shared by every chart. */
export interface ChartFrame {
  /** Bold heading drawn inside the SVG. */
  title?: string;
  /** Grey line under the title. */
  subtitle?: string;
  /** Grey note under the chart. */
  caption?: string;
  /** Width of the chart area in px (default 640). */
  width?: number;
  /** Height of the chart area in px, without title and legend (default 360). */
  height?: number;
  /** x-axis label (default: the x field name). */
  xLabel?: string;
  /** y-axis label (default: the y field name). */
  yLabel?: string;
  /** Extra Plot marks drawn on top, e.g. `Plot.ruleY([1.5])` for a reference level. */
  marks?: Plot.Markish[];
}

/** Options of {@link lineChart}. */
export interface LineChartOptions<T> extends ChartFrame {
  /** Field on the x axis, e.g. "step". Numbers or Dates. */
  x: FieldOf<T>;
  /** Field on the y axis, e.g. "loss". Finite numbers. */
  y: FieldOf<T>;
  /** Field naming the line each row belongs to, e.g. "run"; gets a legend. */
  series?: FieldOf<T>;
  /** y scale (default linear). Log needs every y > 0. */
  yScale?: "linear" | "log";
  /**
   * Trailing moving average over this many points per series. The raw
   * values stay visible as faint lines, which is what a noisy reward curve needs.
   */
  smooth?: number;
}

/** A line per series: y against x (e.g. loss or reward per step per run). */
export function lineChart<T extends object>(
  rows: readonly T[],
  options: LineChartOptions<T>,
): string {
  const where = "lineChart";
  checkNumbers(rows, [options.x], where, { allowDates: true });
  checkNumbers(rows, [options.y], where, {
    positive: options.yScale === "log",
  });
  if (options.series) checkPresent(rows, options.series, where);
  const smooth = options.smooth;
  if (smooth !== undefined && !(Number.isInteger(smooth) && smooth >= 1)) {
    throw new Error(
      `${where}: smooth must be a positive integer window, got ${smooth}`,
    );
  }
  const channels = { x: options.x, y: options.y, stroke: options.series };
  const lines: Plot.Markish[] = smooth && smooth > 1
    ? [
      Plot.lineY(rows, { ...channels, strokeOpacity: 0.25 }),
      Plot.lineY(
        rows,
        Plot.windowY({ k: smooth, anchor: "end", strict: false }, {
          ...channels,
          strokeWidth: 2,
        }),
      ),
    ]
    : [Plot.lineY(rows, { ...channels, strokeWidth: 1.5 })];
  return renderSvg({
    ...frame(options),
    y: {
      type: options.yScale ?? "linear",
      label: options.yLabel ?? options.y,
      grid: true,
    },
    x: { label: options.xLabel ?? options.x },
    color: options.series ? { legend: true } : undefined,
    marks: [...lines, ...(options.marks ?? [])],
  });
}

/** Options of {@link barChart}. */
export interface BarChartOptions<T> extends ChartFrame {
  /** Category of each bar, e.g. "model". */
  x: FieldOf<T>;
  /** Bar height, e.g. "mean". */
  y: FieldOf<T>;
  /** Lower end of the error bar, e.g. "ciLow". Needs `high` too. */
  low?: FieldOf<T>;
  /** Upper end of the error bar, e.g. "ciHigh". Needs `low` too. */
  high?: FieldOf<T>;
  /**
   * Groups bars side by side (one panel per group value, e.g. "size"), with
   * `x` then coloured and named in a legend.
   */
  group?: FieldOf<T>;
}

/** Bars with optional error bars, e.g. a mean with its 95% CI per model. */
export function barChart<T extends object>(
  rows: readonly T[],
  options: BarChartOptions<T>,
): string {
  const where = "barChart";
  if ((options.low === undefined) !== (options.high === undefined)) {
    throw new Error(
      `${where}: give both low and high for error bars, or neither`,
    );
  }
  checkPresent(rows, options.x, where);
  if (options.group) checkPresent(rows, options.group, where);
  const numeric = [options.y, options.low, options.high].filter(
    (field): field is FieldOf<T> => field !== undefined,
  );
  checkNumbers(rows, numeric, where);
  if (options.low && options.high) {
    rows.forEach((row, index) => {
      const [low, mid, high] = [options.low!, options.y, options.high!].map(
        (field) => (row as Record<string, number>)[field],
      );
      if (!(low <= mid && mid <= high)) {
        throw new Error(
          `${where}: row ${index} has ${options.low}=${low}, ${options.y}=${mid}, ` +
            `${options.high}=${high}; expected ${options.low} ≤ ${options.y} ≤ ${options.high}`,
        );
      }
    });
  }
  const position = { x: options.x, fx: options.group };
  const inset = capInset(rows, options);
  const errorBars: Plot.Markish[] = options.low && options.high
    ? [
      Plot.ruleX(rows, {
        ...position,
        y1: options.low,
        y2: options.high,
        strokeWidth: 1.5,
      }),
      Plot.tickY(rows, { ...position, y: options.low, inset }),
      Plot.tickY(rows, { ...position, y: options.high, inset }),
    ]
    : [];
  return renderSvg({
    ...frame(options),
    marginBottom: options.group ? 30 : 40,
    // Categories keep the order of the rows (Plot would sort "64" after "256").
    x: {
      domain: distinctValues(rows, options.x),
      label: options.group ? null : options.xLabel ?? options.x,
      axis: options.group ? null : "bottom",
      padding: 0.2,
    },
    fx: options.group
      ? {
        domain: distinctValues(rows, options.group),
        label: options.xLabel ?? options.group,
        padding: 0.1,
      }
      : undefined,
    y: { label: options.yLabel ?? options.y, grid: true, zero: true },
    color: {
      domain: distinctValues(rows, options.x),
      legend: options.group !== undefined,
    },
    marks: [
      Plot.barY(rows, { ...position, y: options.y, fill: options.x }),
      Plot.ruleY([0]),
      ...errorBars,
      ...(options.marks ?? []),
    ],
  });
}

/** Options of {@link scatterChart}. */
export interface ScatterChartOptions<T> extends ChartFrame {
  /** Field on the x axis. Finite numbers. */
  x: FieldOf<T>;
  /** Field on the y axis. Finite numbers. */
  y: FieldOf<T>;
  /** Field that colours the dots; gets a legend. */
  series?: FieldOf<T>;
}

/** One dot per row. */
export function scatterChart<T extends object>(
  rows: readonly T[],
  options: ScatterChartOptions<T>,
): string {
  checkNumbers(rows, [options.x, options.y], "scatterChart");
  if (options.series) checkPresent(rows, options.series, "scatterChart");
  return renderSvg({
    ...frame(options),
    x: { label: options.xLabel ?? options.x, grid: true },
    y: { label: options.yLabel ?? options.y, grid: true },
    color: options.series ? { legend: true } : undefined,
    marks: [
      Plot.dot(rows, { x: options.x, y: options.y, stroke: options.series }),
      ...(options.marks ?? []),
    ],
  });
}

/** Options of {@link histogram}. */
export interface HistogramOptions<T> extends ChartFrame {
  /** Field whose values are binned. Finite numbers. */
  x: FieldOf<T>;
  /** Field that splits the counts into stacked, coloured parts; gets a legend. */
  series?: FieldOf<T>;
  /** Approximate number of bins (default: Plot's choice). */
  bins?: number;
}

/** Counts of a numeric field in bins. */
export function histogram<T extends object>(
  rows: readonly T[],
  options: HistogramOptions<T>,
): string {
  checkNumbers(rows, [options.x], "histogram");
  if (options.series) checkPresent(rows, options.series, "histogram");
  return renderSvg({
    ...frame(options),
    x: { label: options.xLabel ?? options.x },
    y: { label: options.yLabel ?? "count", grid: true },
    color: options.series ? { legend: true } : undefined,
    marks: [
      Plot.rectY(
        rows,
        Plot.binX<Plot.RectYOptions>({ y: "count" }, {
          x: options.x,
          fill: options.series,
          thresholds: options.bins,
          inset: 0.5,
        }),
      ),
      Plot.ruleY([0]),
      ...(options.marks ?? []),
    ],
  });
}

/**
 * Tick inset that gives error-bar caps about a third of a bar's width (at
 * most 24 px). Plot has no fixed-width tick, and the band width is only known
 * inside Plot, so it is estimated from the number of bars and panels.
 */
function capInset<T extends object>(
  rows: readonly T[],
  options: BarChartOptions<T>,
): number {
  const panels = options.group ? distinctValues(rows, options.group).length : 1;
  const bars = Math.max(1, distinctValues(rows, options.x).length);
  const plotWidth = (options.width ?? 640) - 56 - 20;
  const band = (plotWidth / Math.max(1, panels)) * 0.9 / bars * 0.8;
  const cap = Math.min(24, band / 3);
  return Math.max(0, (band - cap) / 2);
}

/** Values of a field in order of first appearance. */
function distinctValues<T extends object>(
  rows: readonly T[],
  field: string,
): unknown[] {
  return [
    ...new Set(rows.map((row) => (row as Record<string, unknown>)[field])),
  ];
}

function frame(options: ChartFrame): Plot.PlotOptions {
  return {
    title: options.title,
    subtitle: options.subtitle,
    caption: options.caption,
    width: options.width ?? 640,
    height: options.height ?? 360,
    marginLeft: 56,
  };
}

function checkPresent<T extends object>(
  rows: readonly T[],
  field: string,
  where: string,
): void {
  rows.forEach((row, index) => {
    const value = (row as Record<string, unknown>)[field];
    if (value === undefined || value === null) {
      throw new Error(`${where}: row ${index} has no field "${field}"`);
    }
  });
}

function checkNumbers<T extends object>(
  rows: readonly T[],
  fields: readonly string[],
  where: string,
  rules: { positive?: boolean; allowDates?: boolean } = {},
): void {
  rows.forEach((row, index) => {
    for (const field of fields) {
      const value = (row as Record<string, unknown>)[field];
      if (rules.allowDates && value instanceof Date) continue;
      if (typeof value !== "number" || !Number.isFinite(value)) {
        throw new Error(
          `${where}: row ${index} field "${field}" is ${
            typeof value === "number"
              ? String(value)
              : JSON.stringify(value) ?? "missing"
          }; expected a finite number`,
        );
      }
      if (rules.positive && value <= 0) {
        throw new Error(
          `${where}: row ${index} field "${field}" is ${value}; a log scale needs values > 0`,
        );
      }
    }
  });
}
