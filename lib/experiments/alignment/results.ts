/**
 * Where an experiment run writes and what its `results.json` holds (read by
 * the evaluation and the study's tables).
 *
 * @module
 */
import type { MetricsRecord } from "../../train/metrics_log.ts";
import type { Experiment } from "./load.ts";
import type { StageKind } from "./plan.ts";

/** Where a run writes. */
export interface RunFolders {
  /** Resolved config and results. */
  results: string;
  /** Stage files and weights. */
  checkpoints: string;
}

/** A run's folders: `<output_dir>/<name>` and `<checkpoint_dir>/<name>` (`_debug` appended with --debug). */
export function runFolders(experiment: Experiment): RunFolders {
  const { logging, debug } = experiment.config;
  const name = `${experiment.name}${debug ? "_debug" : ""}`;
  return {
    results: `${logging.outputDir}/${name}`,
    checkpoints: `${logging.checkpointDir}/${name}`,
  };
}

/** One stage's outcome in results.json. */
export interface StageResult {
  kind: StageKind;
  output_dir: string;
  /** "trained" now, or "skipped": finished by an earlier run. */
  status: "trained" | "skipped";
  /** The last training and held-out records this run saw (none when skipped). */
  last_train: MetricsRecord | null;
  last_eval: MetricsRecord | null;
}

/** What results.json holds. */
export interface ExperimentResult {
  experiment: string;
  task: string;
  mode: string;
  algorithm: string | null;
  debug: boolean;
  train_rows: number;
  eval_rows: number;
  stages: StageResult[];
  /** Where the evaluation reports went (eval/summary.md …), when evaluated. */
  eval?: { dir: string; models: string[]; prompts: number; k: number };
}
