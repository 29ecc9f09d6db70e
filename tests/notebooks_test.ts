/**
 * Executes every notebook in notebooks/ headlessly through real Jupyter and
 * the Deno kernel, in fast mode (TUNEBOOK_FAST=1), and fails on any cell
 * error or code cell without output. Also checks that the committed copy
 * holds the outputs of a clean run.
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

Deno.test("notebooks/ has notebooks to execute", () => {
  assert.ok(notebooks.length > 0, `no *.ipynb in ${notebooksDir}`);
});

for (const path of notebooks) {
  const name = `notebooks/${basename(path)}`;
  Deno.test(`${name} executes in fast mode without errors or missing outputs`, async (t) => {
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
    await t.step("executes through jupyter nbconvert", async () => {
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
        assert.equal(problems.length, 0, describeProblems(name, problems));
      } finally {
        await Deno.remove(scratch, { recursive: true });
      }
    });
  });
}
