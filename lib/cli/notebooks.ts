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

const fast = Deno.args.includes("--fast");
const unknown = Deno.args.filter((arg) =>
  arg.startsWith("-") && arg !== "--fast"
);
if (unknown.length) {
  console.error(
    `unknown option ${
      unknown.join(" ")
    }; usage: deno task notebooks [--fast] [notebook.ipynb …]`,
  );
  Deno.exit(2);
}
const given = Deno.args.filter((arg) => !arg.startsWith("-"));
const paths = given.length ? given : await listNotebooks("notebooks");
if (paths.length === 0) {
  console.error("no notebooks found in notebooks/");
  Deno.exit(1);
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
