/**
 * Notebook helpers: outputs that survive headless execution of the Deno
 * kernel (`show`, `liveDisplay`), fast mode for CI (`fastMode`), and
 * executing and checking notebooks through real Jupyter.
 *
 * In a notebook cell (the kernel's cwd is the notebook folder):
 *
 * ```ts
 * import { fastMode, liveDisplay, show } from "../lib/notebook/mod.ts";
 * const steps = fastMode() ? 40 : 400;
 * const curve = liveDisplay();
 * for (let step = 0; step < steps; step++) {
 *   // … train …
 *   if (step % 20 === 0) await curve.svg(lineChart(history, { x: "step", y: "loss" }));
 * }
 * await show.table(summary);
 * ```
 *
 * Outside Jupyter every call prints a plain-text form instead.
 *
 * @module
 */
export { emit, inJupyter, type MimeBundle, settle } from "./jupyter.ts";
export {
  type CellOutput,
  htmlOutput,
  markdownOutput,
  publish,
  show,
  type SvgOptions,
  svgOutput,
  tableOutput,
  textOutput,
} from "./show.ts";
export { type LiveDisplay, liveDisplay } from "./live.ts";
export {
  escapeHtml,
  formatCell,
  formatTable,
  type FormattedTable,
  type TableColumn,
  type TableOptions,
} from "../util/table.ts";
export { FAST_ENV, fastMode } from "../util/fast.ts";
export { checkoutCommit, COMMAND_ENV, provenance } from "./provenance.ts";
export {
  describeProblems,
  type ExecutedNotebook,
  executeNotebook,
  type ExecuteOptions,
  findJupyter,
  listNotebooks,
  type NotebookJson,
  type NotebookProblem,
  notebookProblems,
} from "./execute.ts";
