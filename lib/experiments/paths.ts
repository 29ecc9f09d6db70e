/**
 * Where an experiment reads and writes: the default model, its train and
 * eval data, and per run a checkpoints folder and a results folder.
 *
 * ```ts
 * experimentPaths("math", "main", {
 *   train: "data/math/problems.jsonl",
 *   eval: "data/math/eval.jsonl",
 * }).checkpointsDir; // <repo>/checkpoints/math/main
 * ```
 *
 * @module
 */
import { DEFAULT_MODEL_DIR } from "../model/default_model.ts";
import { relative } from "node:path";
import { repoPath } from "../util/paths.ts";

/** The folders and files of one run of an experiment. */
export interface ExperimentPaths {
  /** The run's name: "main" for the task, "fast" for CI. */
  run: string;
  /** The starting model's folder. */
  model: string;
  trainData: string;
  evalData: string;
  /** Adapters and the training data written for them. */
  checkpointsDir: string;
  /** Tables, reports and charts. */
  resultsDir: string;
}

/** The paths of run `run` of `experiment` on the default model (data paths relative to the repo). */
export function experimentPaths(
  experiment: string,
  run: string,
  data: { train: string; eval: string },
): ExperimentPaths {
  return {
    run,
    model: DEFAULT_MODEL_DIR,
    trainData: repoPath(data.train),
    evalData: repoPath(data.eval),
    checkpointsDir: repoPath(`checkpoints/${experiment}/${run}`),
    resultsDir: repoPath(`results/${experiment}/${run}`),
  };
}

/**
 * `paths` with every path inside the repository made relative to its root,
 * for the settings a run records: committed results then read the same on
 * any machine (a path outside the repository stays as it is).
 */
export function portablePaths<T extends ExperimentPaths>(paths: T): T {
  const root = repoPath(".").replace(/\/$/, "");
  const portable = (path: string) =>
    path.startsWith(`${root}/`) ? relative(root, path) : path;
  return {
    ...paths,
    model: portable(paths.model),
    trainData: portable(paths.trainData),
    evalData: portable(paths.evalData),
    checkpointsDir: portable(paths.checkpointsDir),
    resultsDir: portable(paths.resultsDir),
  };
}
