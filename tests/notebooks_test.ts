/**
 * Executes every notebook in notebooks/ headlessly through real Jupyter and
 * the Deno kernel, in fast mode (TUNEBOOK_FAST=1), and fails on any cell
 * error or code cell without output. Also checks that the committed copy
 * holds the outputs of a clean run.
 *
 * Two notebooks execute at a time (each is its own kernel process, mostly
 * one busy thread), started when this file loads; each notebook's test
 * waits for its own execution.
 */
import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  describeProblems,
  executeNotebook,
  findJupyter,
  type NotebookJson,
  notebookProblems,
} from "../lib/notebook/execute.ts";

const notebooksDir = fileURLToPath(new URL("../notebooks/", import.meta.url));
const notebooks = [...Deno.readDirSync(notebooksDir)]
  .filter((entry) =>
    entry.isFile && entry.name.endsWith(".ipynb") &&
    !entry.name.endsWith(".out.ipynb")
  )
  .map((entry) => join(notebooksDir, entry.name))
  .sort();

/** Notebooks executing at once. */
const CONCURRENT = 2;

/** Runs `work` when one of {@link CONCURRENT} slots is free. */
const slot = (() => {
  let free = CONCURRENT;
  const waiting: (() => void)[] = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free++;
    }
  };
})();

/** The problems of a fast-mode execution of `path` (a settled promise: errors are values). */
function execute(path: string): Promise<string | null> {
  return slot(async () => {
    const jupyter = await findJupyter();
    const scratch = await Deno.makeTempDir({ prefix: "tunebook-nbtest-" });
    try {
      const { notebook } = await executeNotebook(path, {
        output: join(scratch, basename(path)),
        fast: true,
        cellTimeoutSeconds: 300,
        jupyter,
        command: "./tunebook task test (tests/notebooks_test.ts)",
      });
      const problems = notebookProblems(notebook);
      return problems.length
        ? describeProblems(`notebooks/${basename(path)}`, problems)
        : null;
    } finally {
      await Deno.remove(scratch, { recursive: true });
    }
  }).catch((error) => String(error?.message ?? error));
}

const executions = new Map(notebooks.map((path) => [path, execute(path)]));

Deno.test("notebooks/ has notebooks to execute", () => {
  assert.ok(notebooks.length > 0, `no *.ipynb in ${notebooksDir}`);
});

for (const path of notebooks) {
  const name = `notebooks/${basename(path)}`;
  Deno.test({
    name: `${name} executes in fast mode without errors or missing outputs`,
    // The execution started when the file loaded and may still be running
    // (or another notebook's) when this test begins or ends.
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      await t.step("committed copy holds a clean run", async () => {
        const committed = JSON.parse(
          await Deno.readTextFile(path),
        ) as NotebookJson;
        const problems = notebookProblems(committed);
        assert.equal(
          problems.length,
          0,
          `${
            describeProblems(name, problems)
          }\n(re-run \`./tunebook task notebooks\` and commit the result)`,
        );
      });
      await t.step({
        name: "executes through jupyter nbconvert",
        sanitizeOps: false,
        sanitizeResources: false,
        async fn() {
          const problem = await executions.get(path)!;
          assert.equal(problem, null, problem ?? "");
        },
      });
    },
  });
}
