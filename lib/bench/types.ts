/**
 * The shapes every benchmark shares: what a benchmark is, what it returns,
 * and the speed targets it checks on itself.
 *
 * @module
 */

/** One result line: column key → value. Numbers stay numbers in the JSON. */
export type Row = Record<string, string | number>;

/** A table column: the key in each {@link Row} and the header printed for it. */
export interface Column {
  key: string;
  header: string;
}

/** A speed target a benchmark checks on its own results (`value ≥ target`). */
export interface Check {
  what: string;
  value: number;
  target: number;
  unit: string;
  pass: boolean;
}

/** What one benchmark produces. */
export interface BenchOutput {
  /** Column order and headers; by default every key, in first-seen order. */
  columns?: Column[];
  rows: Row[];
  checks?: Check[];
  /** Human-readable findings printed under the table (e.g. a speed-up). */
  notes?: string[];
}

/** What the runner hands a benchmark. */
export interface BenchContext {
  /** Fewer repeats and smaller sizes: a smoke run, not a measurement. */
  quick: boolean;
  /** A progress line on stderr, so stdout carries only the tables. */
  log(message: string): void;
}

/** A named benchmark; benchmarks of one group share a results file. */
export interface Benchmark {
  /** Unique within its group, e.g. "square". */
  name: string;
  /** Selects the benchmark on the command line and names `results/bench/<group>.json`. */
  group: string;
  /** One sentence saying what is measured. */
  description: string;
  run(context: BenchContext): Promise<BenchOutput>;
}

/** Builds a {@link Check} that passes when `value ≥ target`. */
export function atLeast(
  what: string,
  value: number,
  target: number,
  unit: string,
): Check {
  return { what, value, target, unit, pass: value >= target };
}
