/**
 * A live output: one place in the cell's output that is replaced as work
 * progresses (a reward curve redrawn every few steps, a table of running
 * metrics), through Jupyter's `display_id` and `update_display_data`.
 *
 * The executed notebook keeps the last state, so a committed notebook shows
 * the final curve. Each update waits a few ms for delivery (see `emit`), so
 * update every few steps, not every step.
 *
 * Outside Jupyter, text, Markdown and table updates are printed; chart
 * updates print nothing (CLI tasks log their own progress).
 *
 * @module
 */
import { emit, inJupyter } from "./jupyter.ts";
import {
  type CellOutput,
  markdownOutput,
  type SvgOptions,
  svgOutput,
  tableOutput,
  textOutput,
} from "./show.ts";
import type { TableOptions } from "../util/table.ts";

/** A replaceable output; see {@link liveDisplay}. */
export interface LiveDisplay {
  /** The Jupyter display id. */
  readonly id: string;
  /** How many times the output has been shown or replaced. */
  readonly updates: number;
  /** Replaces the output with Markdown. */
  markdown(text: string): Promise<void>;
  /** Replaces the output with plain text. */
  text(text: string): Promise<void>;
  /** Replaces the output with a table. */
  table(rows: readonly object[], options?: TableOptions): Promise<void>;
  /** Replaces the output with an SVG chart. */
  svg(svg: string, options?: SvgOptions): Promise<void>;
  /** Replaces the output with any output built by lib/notebook/show.ts (e.g. `htmlOutput`). */
  output(output: CellOutput): Promise<void>;
}

/**
 * Creates a live output. Nothing appears until the first call; later calls
 * replace it in place (even from a later cell).
 */
export function liveDisplay(): LiveDisplay {
  const id = `tunebook-${crypto.randomUUID()}`;
  let updates = 0;
  const replace = async (output: CellOutput, isChart = false) => {
    if (inJupyter()) {
      await emit(output.bundle, { displayId: id, update: updates > 0 });
    } else if (!isChart && output.plain !== undefined) {
      console.log(output.plain);
    }
    updates += 1;
  };
  return {
    id,
    get updates() {
      return updates;
    },
    markdown: async (text) => await replace(markdownOutput(text)),
    text: async (text) => await replace(textOutput(text)),
    table: async (rows, options) => await replace(tableOutput(rows, options)),
    svg: async (svg, options) => await replace(svgOutput(svg, options), true),
    output: async (output) => await replace(output),
  };
}
