/**
 * Runs benchmarks, prints one aligned table per benchmark to stdout, and
 * writes one JSON file per group (`<outDir>/<group>.json`) holding the
 * machine facts, every row, and the checks.
 *
 * @module
 */
import { join } from "node:path";
import { initEngine } from "../engine/mod.ts";
import { loadAverage, type MachineFacts, machineFacts } from "./machine.ts";
import { columnsOf, formatNumber, formatTable } from "./table.ts";
import type { Benchmark, Check, Column, Row } from "./types.ts";

/** How to run. */
export interface RunOptions {
  quick: boolean;
  /** Directory for `<group>.json`; created when missing. */
  outDir: string;
  /** Where tables go (default: stdout). */
  print?: (text: string) => void;
  /** Where progress goes (default: stderr). */
  log?: (message: string) => void;
}

/** One benchmark's result as stored in the JSON file. */
export interface BenchRecord {
  name: string;
  description: string;
  seconds: number;
  columns: Column[];
  rows: Row[];
  checks: Check[];
  notes: string[];
  /** Set when the benchmark threw; its rows are then empty. */
  error?: string;
}

/** The content of `<group>.json`. */
export interface GroupReport {
  group: string;
  date: string;
  quick: boolean;
  machine: MachineFacts;
  /** Load averages when the group finished (the start is in `machine`). */
  loadAverageAfter: number[];
  benchmarks: BenchRecord[];
}

/** Everything a run produced. */
export interface RunSummary {
  reports: GroupReport[];
  files: string[];
  failedChecks: Check[];
  errors: string[];
}

/**
 * Runs `benchmarks` group by group, in the order given. A benchmark that
 * throws is recorded with its error and the run goes on.
 */
export async function runBenchmarks(
  benchmarks: readonly Benchmark[],
  options: RunOptions,
): Promise<RunSummary> {
  const print = options.print ?? ((text: string) => console.log(text));
  const log = options.log ?? ((message: string) => console.error(message));
  const groups = [...new Set(benchmarks.map((b) => b.group))];
  const summary: RunSummary = {
    reports: [],
    files: [],
    failedChecks: [],
    errors: [],
  };
  await Deno.mkdir(options.outDir, { recursive: true });
  for (const group of groups) {
    const machine = await machineFacts();
    const date = new Date().toISOString();
    const records: BenchRecord[] = [];
    for (const bench of benchmarks.filter((b) => b.group === group)) {
      log(`[bench] ${group}/${bench.name}: ${bench.description}`);
      // Each benchmark starts from the default engine, whatever the last one left.
      await initEngine({ verbose: false });
      const record = await runOne(bench, options.quick, log);
      records.push(record);
      print(renderRecord(group, record));
      summary.failedChecks.push(...record.checks.filter((c) => !c.pass));
      if (record.error) {
        summary.errors.push(`${group}/${bench.name}: ${record.error}`);
      }
    }
    const report: GroupReport = {
      group,
      date,
      quick: options.quick,
      machine,
      loadAverageAfter: loadAverage(),
      benchmarks: records,
    };
    const file = join(options.outDir, `${group}.json`);
    await Deno.writeTextFile(file, JSON.stringify(report, null, 2) + "\n");
    log(`[bench] wrote ${file}`);
    summary.reports.push(report);
    summary.files.push(file);
  }
  return summary;
}

async function runOne(
  bench: Benchmark,
  quick: boolean,
  log: (message: string) => void,
): Promise<BenchRecord> {
  const start = performance.now();
  const seconds = () => Math.round(performance.now() - start) / 1000;
  const base = { name: bench.name, description: bench.description };
  try {
    const output = await bench.run({
      quick,
      log: (message) => log(`  ${message}`),
    });
    return {
      ...base,
      seconds: seconds(),
      columns: output.columns ?? columnsOf(output.rows),
      rows: output.rows,
      checks: output.checks ?? [],
      notes: output.notes ?? [],
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`  failed: ${error instanceof Error ? error.stack : message}`);
    return {
      ...base,
      seconds: seconds(),
      columns: [],
      rows: [],
      checks: [],
      notes: [],
      error: message,
    };
  }
}

function renderRecord(group: string, record: BenchRecord): string {
  const lines = [
    `## ${group} / ${record.name} (${record.seconds.toFixed(1)} s)`,
    record.description,
    "",
  ];
  if (record.error) lines.push(`ERROR: ${record.error}`);
  // A benchmark that could not measure (its notes say why) has no table.
  else if (record.rows.length > 0) {
    lines.push(formatTable(record.columns, record.rows));
  }
  if (record.notes.length || record.checks.length) lines.push("");
  for (const note of record.notes) lines.push(`note: ${note}`);
  for (const check of record.checks) {
    lines.push(
      `check: ${check.what}: ${formatNumber(check.value)}${check.unit} ` +
        `(target ≥ ${formatNumber(check.target)}${check.unit}) ${
          check.pass ? "PASS" : "FAIL"
        }`,
    );
  }
  lines.push("");
  return lines.join("\n");
}
