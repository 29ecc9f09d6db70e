/**
 * Command line of `deno task bench`: `[group...] [--quick] [--out DIR]`,
 * declared for the shared parser (lib/util/flags.ts).
 *
 * @module
 */
import { type Command, flag } from "../util/flags.ts";

/** The flags of `deno task bench`. */
export const BENCH_FLAGS = {
  quick: flag.boolean(
    "fewer repeats and smaller sizes (a smoke run, not a measurement)",
  ),
  out: flag.string("write <group>.json here (default: results/bench)", {
    arg: "DIR",
  }),
};

/** `deno task bench`: groups as positionals, then the flags. */
export const BENCH_COMMAND: Command<typeof BENCH_FLAGS> = {
  name: "bench",
  summary:
    "Runs the benchmarks, prints a table per benchmark and writes results/bench/<group>.json. Exit 1 when a benchmark fails or misses its target.",
  flags: BENCH_FLAGS,
  positionals: {
    arg: "[group ...]",
    doc: "run only these groups (default: all)",
  },
};
