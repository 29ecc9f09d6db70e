/**
 * Notebook runs use this checkout's Deno kernel spec, never the user-wide
 * `deno` kernel another checkout may have registered: the spec folder goes
 * first on JUPYTER_PATH, Jupyter resolves `deno` there, and a missing or
 * stale spec is refused before Jupyter starts. No notebook is executed here.
 */
import assert from "node:assert/strict";
import { delimiter, join } from "node:path";
import {
  checkKernelSpec,
  CHECKOUT_JUPYTER_DIR,
  executeNotebook,
  findJupyter,
  nbconvertCommand,
} from "../../lib/notebook/execute.ts";
import { REPO_ROOT } from "../helpers/run_script.ts";

/** A Jupyter data folder holding a `deno` kernel spec that starts `deno`. */
async function specFolder(deno: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "tunebook-kernel-" });
  await Deno.mkdir(join(dir, "kernels", "deno"), { recursive: true });
  await Deno.writeTextFile(
    join(dir, "kernels", "deno", "kernel.json"),
    JSON.stringify({
      argv: [deno, "jupyter", "--kernel", "--conn", "{connection_file}"],
      display_name: "Deno (test)",
      language: "typescript",
    }),
  );
  return dir;
}

Deno.test("nbconvert gets the checkout's kernel folder first on JUPYTER_PATH", () => {
  assert.equal(CHECKOUT_JUPYTER_DIR, join(REPO_ROOT, ".tools/jupyter"));
  const options = { output: "/tmp/out/a.ipynb", fast: true };
  const inherited = nbconvertCommand("notebooks/a.ipynb", options, "/opt/jp");
  assert.equal(
    inherited.env.JUPYTER_PATH,
    `${CHECKOUT_JUPYTER_DIR}${delimiter}/opt/jp`,
  );
  const alone = nbconvertCommand("notebooks/a.ipynb", options, undefined);
  assert.equal(alone.env.JUPYTER_PATH, CHECKOUT_JUPYTER_DIR);
  assert.equal(alone.env.TUNEBOOK_FAST, "1");
  assert.ok(alone.args.includes("--ExecutePreprocessor.kernel_name=deno"));
  assert.deepEqual(alone.args.slice(-5), [
    "--output-dir",
    "/tmp/out",
    "--output",
    "a.ipynb",
    join(Deno.cwd(), "notebooks/a.ipynb"),
  ]);
  const elsewhere = nbconvertCommand("a.ipynb", {
    ...options,
    jupyterDir: "/srv/kernels",
  }, undefined);
  assert.equal(elsewhere.env.JUPYTER_PATH, "/srv/kernels");
});

Deno.test("Jupyter resolves the deno kernel to the spec on nbconvert's JUPYTER_PATH", async () => {
  const jupyter = await findJupyter();
  const dir = await specFolder(Deno.execPath());
  try {
    const { env } = nbconvertCommand("a.ipynb", {
      output: "a.out.ipynb",
      fast: true,
      jupyterDir: dir,
    });
    const listed = await new Deno.Command(jupyter, {
      args: ["kernelspec", "list", "--json"],
      env,
      stdout: "piped",
      stderr: "null",
    }).output();
    assert.ok(listed.success, "jupyter kernelspec list");
    const { kernelspecs } = JSON.parse(
      new TextDecoder().decode(listed.stdout),
    ) as { kernelspecs: Record<string, { resource_dir: string }> };
    assert.equal(kernelspecs.deno.resource_dir, join(dir, "kernels", "deno"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("./tunebook wrote this checkout's kernel spec for the Deno running the tests", async () => {
  const deno = await checkKernelSpec(CHECKOUT_JUPYTER_DIR);
  assert.equal(Deno.realPathSync(deno), Deno.realPathSync(Deno.execPath()));
});

Deno.test("a missing or stale kernel spec is refused before Jupyter starts", async () => {
  const empty = await Deno.makeTempDir({ prefix: "tunebook-kernel-" });
  const stale = await specFolder("/nonexistent/deno");
  try {
    await assert.rejects(
      checkKernelSpec(empty),
      /kernels\/deno\/kernel\.json cannot be read .*; run \.\/tunebook once/,
    );
    await assert.rejects(
      checkKernelSpec(stale),
      /starts "\/nonexistent\/deno", which does not exist; run \.\/tunebook once/,
    );
    // A jupyter that cannot run shows that nothing got as far as starting it.
    await assert.rejects(
      executeNotebook("notebooks/a.ipynb", {
        output: join(empty, "a.ipynb"),
        fast: true,
        jupyter: "/nonexistent/jupyter",
        jupyterDir: stale,
      }),
      /which does not exist; run \.\/tunebook once/,
    );
  } finally {
    await Deno.remove(empty, { recursive: true });
    await Deno.remove(stale, { recursive: true });
  }
});

Deno.test("cells have 600 s in fast mode and no limit with full settings (a cell may train a whole study)", () => {
  const timeout = (fast: boolean, cellTimeoutSeconds?: number) =>
    nbconvertCommand("a.ipynb", {
      output: "/tmp/out/a.ipynb",
      fast,
      cellTimeoutSeconds,
    }, undefined).args.find((a) =>
      a.startsWith("--ExecutePreprocessor.timeout=")
    );
  assert.equal(timeout(true), "--ExecutePreprocessor.timeout=600");
  assert.equal(timeout(false), "--ExecutePreprocessor.timeout=-1");
  assert.equal(timeout(false, 30), "--ExecutePreprocessor.timeout=30");
});
