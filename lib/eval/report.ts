/**
 * Evaluation results on disk: every study writes `results/<study>/<run>/`
 * through {@link writeReport}:
 *
 * | file | content |
 * | --- | --- |
 * | `summary.csv` | one row per report: the layout's lead columns, each metric with its interval, the settings (lib/eval/csv.ts) |
 * | `per_prompt.csv` | one row per report × prompt: per-prompt means |
 * | `samples.csv` | one row per sample: the completion, the layout's columns, its values |
 * | `summary.md` | the layout's summary (default {@link summaryTable}) |
 * | `reports.json` | the full reports, for {@link readReports} and later paired comparisons |
 * | `settings.json` | the study's run settings, when given, and the run's `environment` (lib/engine/environment.ts: commit, engine, BLAS kernels and threads, CPU) |
 * | `*.svg` | the layout's charts |
 *
 * ```ts
 * const files = await writeReport("results/math/main", [base, sft], mathLayout(settings));
 * const again = await readReports("results/math/main");
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { writeSvg } from "../plot/mod.ts";
import { writeFileAtomic } from "../util/atomic.ts";
import {
  perPromptColumns,
  perPromptRows,
  sampleColumns,
  sampleRows,
  summaryColumns,
  summaryRows,
  toCsv,
} from "./csv.ts";
import { reportLabel } from "./evaluate.ts";
import { summaryTable } from "./tables.ts";
import type { EvalReport, ReportLayout } from "./types.ts";
import { readJsonFile } from "../util/json_files.ts";
import { runEnvironment } from "../engine/environment.ts";

/** Paths written by {@link writeReport}. */
export interface ReportFiles {
  summaryCsv: string;
  perPromptCsv: string;
  samplesCsv: string;
  summaryMd: string;
  reportsJson: string;
  /** Present when run settings were given. */
  settingsJson?: string;
  /** Chart file name → path (none with `plots: false`). */
  charts: Record<string, string>;
}

/** Every path of `files`, in the module doc's order (for a study's "wrote …" line). */
export function reportPaths(files: ReportFiles): string[] {
  return [
    files.summaryMd,
    files.summaryCsv,
    files.perPromptCsv,
    files.samplesCsv,
    files.reportsJson,
    ...(files.settingsJson ? [files.settingsJson] : []),
    ...Object.values(files.charts),
  ];
}

/** Options of {@link writeReport}. */
export interface WriteReportOptions {
  /** Write the layout's charts (default true). */
  plots?: boolean;
  /**
   * The study's run settings (steps, rates, files, seeds), written to
   * settings.json with the run's `environment` added.
   */
  settings?: object;
}

/** Writes every report file into `dir` (created if missing); see the module doc. */
export async function writeReport(
  dir: string,
  reports: readonly EvalReport[],
  layout: ReportLayout = {},
  options: WriteReportOptions = {},
): Promise<ReportFiles> {
  if (reports.length === 0) throw new Error(`writeReport(${dir}): no reports`);
  const names = reports.map(reportLabel);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) {
    throw new Error(
      `writeReport(${dir}): two reports are named "${twice}"; model and variant key the rows`,
    );
  }
  await Deno.mkdir(dir, { recursive: true });
  const files: ReportFiles = {
    summaryCsv: join(dir, "summary.csv"),
    perPromptCsv: join(dir, "per_prompt.csv"),
    samplesCsv: join(dir, "samples.csv"),
    summaryMd: join(dir, "summary.md"),
    reportsJson: join(dir, "reports.json"),
    charts: {},
  };
  await writeFileAtomic(
    files.summaryCsv,
    toCsv(summaryRows(reports, layout), summaryColumns(reports, layout)),
  );
  await writeFileAtomic(
    files.perPromptCsv,
    toCsv(perPromptRows(reports, layout), perPromptColumns(reports, layout)),
  );
  await writeFileAtomic(
    files.samplesCsv,
    toCsv(sampleRows(reports, layout), sampleColumns(reports, layout)),
  );
  const summary = layout.summaryMarkdown?.(reports) ?? summaryTable(reports);
  await writeFileAtomic(files.summaryMd, summary.trimEnd() + "\n");
  await writeFileAtomic(
    files.reportsJson,
    JSON.stringify(reports, null, 1) + "\n",
  );
  if (options.settings !== undefined) {
    files.settingsJson = join(dir, "settings.json");
    // What a reader needs to reproduce the numbers besides the settings.
    const recorded = {
      ...options.settings,
      environment: await runEnvironment(),
    };
    await writeFileAtomic(
      files.settingsJson,
      JSON.stringify(recorded, null, 1) + "\n",
    );
  }
  if (options.plots ?? true) {
    for (const [name, svg] of Object.entries(layout.charts?.(reports) ?? {})) {
      files.charts[name] = join(dir, name);
      await writeSvg(files.charts[name], svg);
    }
  }
  return files;
}

/** Reads the reports of a folder written by {@link writeReport}. */
export async function readReports(dir: string): Promise<EvalReport[]> {
  const path = join(dir, "reports.json");
  const value = await readJsonFile(path, "reports");
  if (!Array.isArray(value)) {
    throw new Error(`${path}: expected a list of reports`);
  }
  value.forEach((r, i) => {
    for (
      const field of ["model", "settings", "metrics", "aggregate", "prompts"]
    ) {
      if (typeof r !== "object" || r === null || !(field in r)) {
        throw new Error(`${path}: report ${i} has no "${field}"`);
      }
    }
  });
  return value as EvalReport[];
}
