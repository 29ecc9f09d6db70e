/**
 * Every benchmark `deno task bench` knows. A new benchmark plugs in with one
 * line here; its `group` makes it selectable on the command line.
 *
 * @module
 */
import { blockBenchmarks } from "./block.ts";
import { dpoBenchmarks } from "./dpo.ts";
import { matmulBenchmarks } from "./matmul.ts";
import { modelBenchmarks } from "./model.ts";
import { ppoBenchmarks } from "./ppo.ts";
import { peerBenchmarks } from "./versus.ts";
import { qloraBenchmarks } from "./qlora.ts";
import { rewardBenchmarks } from "./reward.ts";
import { serveBenchmarks } from "./serve.ts";
import { trainBenchmarks } from "./train.ts";
import type { Benchmark } from "./types.ts";

/** All benchmarks, in the order a full run executes them. */
export const BENCHMARKS: readonly Benchmark[] = [
  ...matmulBenchmarks,
  ...blockBenchmarks,
  ...modelBenchmarks,
  ...trainBenchmarks,
  ...dpoBenchmarks,
  ...rewardBenchmarks,
  ...ppoBenchmarks,
  ...qloraBenchmarks,
  ...peerBenchmarks,
  ...serveBenchmarks,
];

/** Group names, in run order. */
export function benchmarkGroups(
  benchmarks: readonly Benchmark[] = BENCHMARKS,
): string[] {
  return [...new Set(benchmarks.map((b) => b.group))];
}

/**
 * The benchmarks of `groups` (all when empty), in run order. Throws on an
 * unknown group, listing the known ones.
 */
export function selectBenchmarks(
  groups: readonly string[],
  benchmarks: readonly Benchmark[] = BENCHMARKS,
): Benchmark[] {
  const known = benchmarkGroups(benchmarks);
  const unknown = groups.filter((g) => !known.includes(g));
  if (unknown.length) {
    throw new Error(
      `unknown bench group${unknown.length > 1 ? "s" : ""} ${
        unknown.map((g) => `"${g}"`).join(", ")
      }; known groups: ${known.join(", ")}`,
    );
  }
  return groups.length
    ? benchmarks.filter((b) => groups.includes(b.group))
    : [...benchmarks];
}
