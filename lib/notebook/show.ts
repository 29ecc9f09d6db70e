/**
 * Cell outputs that survive headless execution: markdown, plain text, HTML,
 * tables and SVG charts, each published with `Deno.jupyter.display` and a
 * short settle (see {@link emit}).
 *
 * Outside Jupyter (`deno run`, tests) the same calls print a plain-text form
 * to stdout, so library code can report through them from CLI tasks.
 *
 * ```ts
 * await show.markdown(`**Backend:** ${engine.summary}`);
 * await show.table(rows, { columns: ["size", "gflops"] });
 * await show.svg(lineChart(history, { x: "step", y: "loss" }), { alt: "loss curve" });
 * ```
 *
 * @module
 */
import { emit, inJupyter, type MimeBundle } from "./jupyter.ts";
import { formatTable, type TableOptions } from "../util/table.ts";

/** Options of {@link show.svg}. */
export interface SvgOptions {
  /** Short description, used as the plain-text form (default: "chart W×H"). */
  alt?: string;
}

/** An output ready to publish: its MIME bundle and what a terminal shows. */
export interface CellOutput {
  bundle: MimeBundle;
  /** Printed outside Jupyter; `undefined` prints nothing. */
  plain?: string;
}

/** Markdown, shown as text outside Jupyter. */
export function markdownOutput(text: string): CellOutput {
  return { bundle: { "text/markdown": text, "text/plain": text }, plain: text };
}

/** Preformatted plain text. */
export function textOutput(text: string): CellOutput {
  return { bundle: { "text/plain": text }, plain: text };
}

/** HTML with a plain-text stand-in for terminals. */
export function htmlOutput(html: string, plain: string): CellOutput {
  return { bundle: { "text/html": html, "text/plain": plain }, plain };
}

/** A table as HTML, Markdown and aligned text. */
export function tableOutput(
  rows: readonly object[],
  options: TableOptions = {},
): CellOutput {
  const table = formatTable(rows, options);
  return {
    bundle: {
      "text/html": table.html,
      "text/markdown": table.markdown,
      "text/plain": table.text,
    },
    plain: table.text,
  };
}

/** A standalone SVG (e.g. from lib/plot); a one-line description in terminals. */
export function svgOutput(svg: string, options: SvgOptions = {}): CellOutput {
  if (!svg.trimStart().startsWith("<svg")) {
    throw new Error(
      `show.svg: expected an <svg> document, got: ${svg.slice(0, 40)}…`,
    );
  }
  const alt = options.alt ?? describeSvg(svg);
  return {
    bundle: { "image/svg+xml": svg, "text/plain": alt },
    plain: `[${alt}]`,
  };
}

/** Publishes an output output in Jupyter, or prints its plain form. */
export async function publish(output: CellOutput): Promise<void> {
  if (inJupyter()) await emit(output.bundle);
  else if (output.plain !== undefined) console.log(output.plain);
}

/** One call per output kind; each resolves once the output is published. */
export const show = {
  /** Markdown text. */
  markdown: async (text: string): Promise<void> =>
    await publish(markdownOutput(text)),
  /** Plain text. */
  text: async (text: string): Promise<void> => await publish(textOutput(text)),
  /** HTML, with the text shown outside Jupyter. */
  html: async (html: string, plain: string): Promise<void> =>
    await publish(htmlOutput(html, plain)),
  /** Rows of objects as a table. */
  table: async (
    rows: readonly object[],
    options?: TableOptions,
  ): Promise<void> => await publish(tableOutput(rows, options)),
  /** An SVG chart. */
  svg: async (svg: string, options?: SvgOptions): Promise<void> =>
    await publish(svgOutput(svg, options)),
};

function describeSvg(svg: string): string {
  const open = svg.slice(0, svg.indexOf(">") + 1);
  const width = open.match(/\swidth="([\d.]+)"/)?.[1];
  const height = open.match(/\sheight="([\d.]+)"/)?.[1];
  return width && height ? `chart ${width}×${height}` : "chart";
}
