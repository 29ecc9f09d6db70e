/**
 * `deno task bench [group...] [--quick] [--out DIR]`: runs the benchmarks,
 * prints a table per benchmark, writes `results/bench/<group>.json`.
 *
 * Exit status: 0 when every benchmark ran and every speed check passed,
 * 1 when a benchmark failed or a check missed its target, 2 on a usage error.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { BENCH_COMMAND } from "../bench/args.ts";
import { selectBenchmarks } from "../bench/registry.ts";
import { runBenchmarks } from "../bench/runner.ts";
import { UsageError } from "../util/errors.ts";
import { startTask } from "./task.ts";

const { values: args, positionals: groups } = startTask(BENCH_COMMAND);
let benchmarks;
try {
  benchmarks = selectBenchmarks(groups);
} catch (error) {
  throw new UsageError((error as Error).message); // an unknown group
}
const outDir = args.out ??
  fileURLToPath(new URL("../../results/bench", import.meta.url));
const summary = await runBenchmarks(benchmarks, { quick: args.quick, outDir });
for (const check of summary.failedChecks) {
  console.log(`FAILED check: ${check.what}`);
}
for (const error of summary.errors) console.log(`FAILED benchmark: ${error}`);
Deno.exit(summary.failedChecks.length || summary.errors.length ? 1 : 0);
