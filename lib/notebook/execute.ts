/**
 * Headless notebook execution through real Jupyter (`jupyter nbconvert
 * --execute` with the Deno kernel), and the checks an executed notebook must
 * pass: no error outputs and no code cell without output.
 *
 * The notebook runs from its own folder (nbconvert starts the kernel there
 * even when the result is written elsewhere), so cells can import
 * `../lib/...` and `deno.json` applies. Its kernel is this checkout's `deno`
 * kernel spec (`.tools/jupyter`, written by ./tunebook for this checkout's
 * Deno), put first on JUPYTER_PATH: a run never depends on the user-wide
 * `deno` kernel, which another checkout may have registered.
 *
 * @module
 */
import { basename, delimiter, dirname, join, resolve } from "node:path";
import { FAST_ENV } from "../util/fast.ts";
import { COMMAND_ENV } from "./provenance.ts";
import { repoPath } from "../util/paths.ts";

/** Debian's Jupyter; the first `python3` on PATH may be one without Jupyter. */
export const DEBIAN_JUPYTER = "/usr/bin/jupyter";

/** The kernelspec every tunebook notebook must declare. */
export const KERNEL_NAME = "deno";

/** This checkout's Jupyter data folder, holding its `deno` kernel spec. */
export const CHECKOUT_JUPYTER_DIR = repoPath(".tools/jupyter");

/** The parts of an .ipynb file that the checks read. */
export interface NotebookJson {
  metadata?: { kernelspec?: { name?: string; language?: string } };
  cells: {
    cell_type: string;
    source: string | string[];
    outputs?: {
      output_type: string;
      ename?: string;
      evalue?: string;
      name?: string;
      text?: string | string[];
    }[];
  }[];
}

/** One thing wrong with an executed notebook. */
export interface NotebookProblem {
  /** 0-based index into the notebook's cells (`undefined` for the notebook itself). */
  cell?: number;
  /** First line of the cell's source, shortened. */
  snippet?: string;
  message: string;
}

/** Options of {@link executeNotebook}. */
export interface ExecuteOptions {
  /** Where to write the executed notebook (may be the input itself). */
  output: string;
  /** Sets TUNEBOOK_FAST=1 for the kernel; otherwise 0, whatever the caller's env says. */
  fast: boolean;
  /**
   * Per-cell time limit in seconds; -1: none. Default: 600 in fast mode, none
   * with full settings, where one cell trains a whole study (the haiku
   * notebook's took over 10 minutes on two busy cores) and shows its progress.
   */
  cellTimeoutSeconds?: number;
  /** The `jupyter` command (default: {@link findJupyter}). */
  jupyter?: string;
  /** The Jupyter data folder with the kernel spec (default {@link CHECKOUT_JUPYTER_DIR}). */
  jupyterDir?: string;
  /** The command a reader can rerun, shown by the notebook's provenance line. */
  command?: string;
}

/** What {@link executeNotebook} runs: `jupyter` with these arguments and environment additions. */
export interface NbconvertCommand {
  args: string[];
  env: Record<string, string>;
}

/** Result of {@link executeNotebook}. */
export interface ExecutedNotebook {
  notebook: NotebookJson;
  /** Wall time including kernel start, in seconds. */
  seconds: number;
}

/**
 * Finds a `jupyter` command that has nbconvert, preferring Debian's over
 * one on PATH, and otherwise throws an error that says how to get one.
 */
export async function findJupyter(
  candidates: readonly string[] = [DEBIAN_JUPYTER, "jupyter"],
): Promise<string> {
  for (const candidate of candidates) {
    try {
      const { success } = await new Deno.Command(candidate, {
        args: ["nbconvert", "--version"],
        stdout: "null",
        stderr: "null",
      }).output();
      if (success) return candidate;
    } catch {
      // not installed under this name; try the next
    }
  }
  throw new Error(
    `no jupyter with nbconvert found (tried ${candidates.join(", ")}); ` +
      `run ./tunebook once: it installs Debian's jupyter-nbconvert and registers the Deno kernel`,
  );
}

/**
 * Executes a notebook with the checkout's Deno kernel and returns the
 * executed JSON. Cell errors do not stop execution (they are left in the
 * output for {@link notebookProblems}); a missing kernel spec throws before
 * Jupyter starts, and a failure of Jupyter itself (timeout, crash) throws
 * with Jupyter's own message.
 */
export async function executeNotebook(
  path: string,
  options: ExecuteOptions,
): Promise<ExecutedNotebook> {
  const output = resolve(options.output);
  await checkKernelSpec(options.jupyterDir ?? CHECKOUT_JUPYTER_DIR);
  const jupyter = options.jupyter ?? await findJupyter();
  const { args, env } = nbconvertCommand(path, options);
  const started = performance.now();
  const result = await new Deno.Command(jupyter, {
    args,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - started) / 1000;
  if (!result.success) {
    const stderr = new TextDecoder().decode(result.stderr).trim();
    throw new Error(
      `${path}: jupyter nbconvert failed (exit ${result.code})` +
        (/No such kernel/.test(stderr)
          ? `; the Deno kernel is not registered: run ./tunebook once`
          : "") +
        `:\n${stderr.split("\n").slice(-15).join("\n")}`,
    );
  }
  const notebook = JSON.parse(await Deno.readTextFile(output)) as NotebookJson;
  return { notebook, seconds };
}

/**
 * The nbconvert call that executes `path` into `options.output`, with the
 * kernel spec folder first on JUPYTER_PATH (before any inherited entries),
 * so the `deno` kernel is the checkout's own.
 */
export function nbconvertCommand(
  path: string,
  options: ExecuteOptions,
  inheritedJupyterPath: string | undefined = Deno.env.get("JUPYTER_PATH"),
): NbconvertCommand {
  const output = resolve(options.output);
  const jupyterPath = [
    options.jupyterDir ?? CHECKOUT_JUPYTER_DIR,
    ...(inheritedJupyterPath ? [inheritedJupyterPath] : []),
  ].join(delimiter);
  return {
    args: [
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      "--allow-errors",
      `--ExecutePreprocessor.kernel_name=${KERNEL_NAME}`,
      `--ExecutePreprocessor.timeout=${
        options.cellTimeoutSeconds ?? (options.fast ? 600 : -1)
      }`,
      // per-cell timestamps would make every re-run a diff
      "--ExecutePreprocessor.record_timing=False",
      "--output-dir",
      dirname(output),
      "--output",
      basename(output),
      resolve(path),
    ],
    env: {
      [FAST_ENV]: options.fast ? "1" : "0",
      NO_COLOR: "1",
      JUPYTER_PATH: jupyterPath,
      ...(options.command ? { [COMMAND_ENV]: options.command } : {}),
    },
  };
}

/**
 * The `deno` kernel spec in `jupyterDir`: the Deno binary it starts, which
 * must exist. Throws, saying to run ./tunebook, when the spec is missing or
 * its Deno is gone (a moved checkout).
 */
export async function checkKernelSpec(jupyterDir: string): Promise<string> {
  const path = join(jupyterDir, "kernels", KERNEL_NAME, "kernel.json");
  const fix =
    "run ./tunebook once: it writes this checkout's kernel spec for its Deno";
  let deno: unknown;
  try {
    deno = JSON.parse(await Deno.readTextFile(path)).argv?.[0];
  } catch (error) {
    throw new Error(
      `the Deno kernel spec ${path} cannot be read (${
        (error as Error).message
      }); ${fix}`,
    );
  }
  if (typeof deno !== "string" || !await isFile(deno)) {
    throw new Error(
      `the Deno kernel spec ${path} starts ${
        JSON.stringify(deno)
      }, which does not exist; ${fix}`,
    );
  }
  return deno;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/**
 * What is wrong with an executed notebook: a kernelspec other than Deno's,
 * error outputs, and code cells (with source) that produced no output, which
 * is how an output lost to the kernel's race shows up.
 */
export function notebookProblems(notebook: NotebookJson): NotebookProblem[] {
  const problems: NotebookProblem[] = [];
  const kernel = notebook.metadata?.kernelspec?.name;
  if (kernel !== KERNEL_NAME) {
    problems.push({
      message: `metadata.kernelspec.name is ${
        JSON.stringify(kernel)
      }; expected "${KERNEL_NAME}"`,
    });
  }
  notebook.cells.forEach((cell, index) => {
    if (cell.cell_type !== "code") return;
    const source = Array.isArray(cell.source)
      ? cell.source.join("")
      : cell.source;
    if (!source.trim()) return;
    const snippet = snippetOf(source);
    const outputs = cell.outputs ?? [];
    for (const output of outputs) {
      if (output.output_type === "error") {
        problems.push({
          cell: index,
          snippet,
          message: `${output.ename}: ${output.evalue}`,
        });
      }
    }
    if (outputs.length === 0) {
      problems.push({
        cell: index,
        snippet,
        message:
          "no output (end the cell with `await show.…(…)` or `await settle()` so the last output is not lost)",
      });
    }
  });
  return problems;
}

/** One line per problem, naming the notebook, the cell and its first source line. */
export function describeProblems(
  name: string,
  problems: readonly NotebookProblem[],
): string {
  return problems.map((problem) =>
    problem.cell === undefined
      ? `${name}: ${problem.message}`
      : `${name} cell ${problem.cell} (\`${problem.snippet}\`): ${problem.message}`
  ).join("\n");
}

/** The notebooks in a folder (`*.ipynb`, without executed `*.out.ipynb` copies), sorted. */
export async function listNotebooks(folder: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(folder)) {
    if (
      entry.isFile && entry.name.endsWith(".ipynb") &&
      !entry.name.endsWith(".out.ipynb")
    ) {
      names.push(join(folder, entry.name));
    }
  }
  return names.sort();
}

function snippetOf(source: string): string {
  const line = source.split("\n").find((text) => text.trim()) ?? "";
  const trimmed = line.trim();
  return trimmed.length > 60 ? `${trimmed.slice(0, 57)}…` : trimmed;
}
