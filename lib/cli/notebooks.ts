/**
 * `deno task notebooks`: executes every notebook in notebooks/ (or the paths
 * given) through real Jupyter with the Deno kernel, and writes the outputs
 * back into the notebook, ready to commit.
 *
 * Full settings by default; `--fast` sets TUNEBOOK_FAST=1 as CI does. A
 * notebook with a cell error or a code cell without output is reported and
 * left untouched, so a committed notebook always holds a clean run.
 *
 * @module
 */
import { basename, join } from "node:path";
import {
  describeProblems,
  executeNotebook,
  findJupyter,
  listNotebooks,
  notebookProblems,
} from "../notebook/execute.ts";
import { InputError } from "../util/errors.ts";
import { flag } from "../util/flags.ts";
import { startTask } from "./task.ts";

const { values: args, positionals: given } = startTask({
  name: "notebooks",
  summary:
    "Executes the notebooks through Jupyter with the Deno kernel and writes their outputs back in place.",
  flags: {
    fast: flag.boolean("fast mode (TUNEBOOK_FAST=1), as CI runs them"),
  },
  positionals: {
    arg: "[notebook.ipynb ...]",
    doc: "the notebooks to run (default: every one in notebooks/)",
  },
});
const fast = args.fast;
const paths = given.length ? given : await listNotebooks("notebooks");
if (paths.length === 0) {
  throw new InputError("no notebooks found in notebooks/");
}
const jupyter = await findJupyter();
const scratch = await Deno.makeTempDir({ prefix: "tunebook-notebooks-" });
let failed = 0;
try {
  for (const path of paths) {
    const executedPath = join(scratch, basename(path));
    const { notebook, seconds } = await executeNotebook(path, {
      output: executedPath,
      fast,
      jupyter,
      command: `./tunebook task notebooks${fast ? " --fast" : ""} ${path}`,
    });
    const problems = notebookProblems(notebook);
    if (problems.length) {
      failed += 1;
      console.error(`✗ ${path} (${seconds.toFixed(1)} s), left unchanged:`);
      console.error(describeProblems(path, problems));
      continue;
    }
    await Deno.copyFile(executedPath, path);
    console.log(
      `✓ ${path} (${seconds.toFixed(1)} s${fast ? ", fast mode" : ""})`,
    );
  }
} finally {
  await Deno.remove(scratch, { recursive: true });
}
Deno.exit(failed ? 1 : 0);
