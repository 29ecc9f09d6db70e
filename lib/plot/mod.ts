/**
 * Charts for experiments and notebooks: Observable Plot rendered server-side
 * to standalone SVG strings (legends and titles inside), written as SVG or
 * PNG files.
 *
 * ```ts
 * import { lineChart, writeSvg } from "../lib/plot/mod.ts";
 * const svg = lineChart(history, { x: "step", y: "loss", series: "run" });
 * await writeSvg("results/loss.svg", svg);
 * ```
 *
 * @module
 */
export {
  barChart,
  type BarChartOptions,
  type ChartFrame,
  type FieldOf,
  histogram,
  type HistogramOptions,
  lineChart,
  type LineChartOptions,
  scatterChart,
  type ScatterChartOptions,
} from "./charts.ts";
export { type PlotSpec, renderSvg } from "./render.ts";
export { escapeXml, SVG_NS, withNamespace } from "./svg.ts";
export { type PngOptions, svgToPng, writeSvg } from "./files.ts";
export { flattenFigure } from "./figure.ts";
