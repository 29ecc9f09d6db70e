/**
 * The shape of lib/: every folder is a pipeline stage, imports run only
 * toward earlier stages, no module imports itself back through a cycle,
 * and no file grows past the size a reader takes in at once.
 *
 * @module
 */
import assert from "node:assert/strict";
import { dirname, join, normalize, relative } from "node:path";
import { REPO_ROOT } from "./helpers/run_script.ts";

/**
 * The stages of lib/, earliest first. A module may import from its own
 * folder and from folders earlier in this list, never from a later one.
 * Folders on one line are peers: neither imports the other.
 */
export const STAGES: readonly (readonly string[])[] = [
  ["util"], // generic helpers: files, JSON, tables, flags, errors, chat messages
  ["engine", "safetensors", "plot", "notebook"], // tfjs, the weight-file format, charts, cell output
  ["hub"], // Hugging Face hub downloads
  ["tokenizer"], // text → token ids, chat templates
  ["data"], // datasets: files, hub datasets, generators
  ["prompt"], // rows → rendered prompt → token ids; system prompts; tags
  ["model"], // configs, decoders, KV cache, log-probs
  ["peft"], // LoRA adapters
  ["generate"], // sampling
  ["gemini"], // the Gemini client (comparison row, judge)
  ["rewards"], // reward functions
  ["train"], // one optimizer step; trainers = loss + config + data
  ["eval"], // one report shape: estimates, paired comparisons, tables, charts
  ["chat"], // interactive and batch answering
  ["serve"], // inference server (OpenAI-compatible)
  ["experiments"], // one folder per study
  ["bench"], // benchmarks
  ["cli"], // task entry points
];

const MAX_LINES = 400;
/** Files allowed past {@link MAX_LINES}, each with the reason. */
const LONG_FILES: Record<string, string> = {};

const LIB = join(REPO_ROOT, "lib");
const rank = new Map<string, number>();
STAGES.forEach((names, i) => names.forEach((n) => rank.set(n, i)));

function* tsFiles(dir: string): Generator<string> {
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* tsFiles(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^"';]*?\bfrom\s*["'](\.{1,2}\/[^"']+)["']|(?:^|\n)\s*import\s*["'](\.{1,2}\/[^"']+)["']|\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)|new URL\(\s*["'](\.{1,2}\/[^"']+\.ts)["']/g;

/** Relative imports of every lib file, as lib-relative paths. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of tsFiles(LIB)) {
    const from = relative(LIB, file);
    const text = Deno.readTextFileSync(file);
    const targets: string[] = [];
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3] ?? m[4];
      const target = normalize(join(dirname(file), spec));
      if (!target.startsWith(LIB)) continue; // node_modules and the like
      targets.push(relative(LIB, target));
    }
    graph.set(from, targets);
  }
  return graph;
}

const stageOf = (path: string) => path.split("/")[0];

Deno.test("every lib folder is a declared stage", () => {
  const folders = [...Deno.readDirSync(LIB)].filter((e) => e.isDirectory)
    .map((e) => e.name).filter((n) => n !== "configs").sort();
  const undeclared = folders.filter((f) => !rank.has(f));
  assert.deepEqual(undeclared, [], "add these folders to STAGES");
  const loose = [...Deno.readDirSync(LIB)].filter((e) => e.isFile)
    .map((e) => e.name);
  assert.deepEqual(loose, [], "lib/ holds folders only");
});

Deno.test("imports run only toward earlier pipeline stages", () => {
  const violations: string[] = [];
  for (const [from, targets] of importGraph()) {
    for (const to of targets) {
      const a = stageOf(from), b = stageOf(to);
      if (a === b) continue;
      if (!rank.has(b) || rank.get(b)! >= rank.get(a)!) {
        violations.push(`${from} → ${to}`);
      }
    }
  }
  assert.deepEqual(violations, []);
});

Deno.test("lib has no import cycles", () => {
  const graph = importGraph();
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") {
        cycles.push([...path.slice(path.indexOf(next)), next].join(" → "));
      } else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, "done");
  };
  for (const node of [...graph.keys()].sort()) {
    if (!state.has(node)) visit(node);
  }
  assert.deepEqual(cycles, []);
});

Deno.test(`no source file is longer than ${MAX_LINES} lines`, () => {
  const long: string[] = [];
  for (const dir of ["lib", "tests"]) {
    for (const file of tsFiles(join(REPO_ROOT, dir))) {
      const name = relative(REPO_ROOT, file);
      const lines = Deno.readTextFileSync(file).split("\n").length - 1;
      if (lines > MAX_LINES && !(name in LONG_FILES)) {
        long.push(`${name}: ${lines}`);
      }
    }
  }
  assert.deepEqual(long, []);
});
