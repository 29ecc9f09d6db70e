/**
 * The flags every experiment task shares besides its own: `--model` (the
 * starting model: a folder or a hub id, finetuned-llama's SmolLM-135M or
 * Llama 3.2 1B, Gemma 3 270M / 1B, default the embedded model) and `--out`
 * (write checkpoints/ and results/ under one folder instead of the repo's).
 *
 * ```ts
 * const { values: args } = startTask({ name, summary, flags: { ...STUDY_FLAGS, … } });
 * const model = await studyModel(args.model); // resolved before anything trains
 * const settings = tldrSettings({ model: model.dir, context: model.context, … });
 * placeRun(settings, args.out);
 * ```
 *
 * @module
 */
import {
  resolveStudyModel,
  type StudyModel,
} from "../experiments/study_model.ts";
import type { ExperimentPaths } from "../experiments/paths.ts";
import { flag } from "../util/flags.ts";

/** `--model` and `--out`. */
export const STUDY_FLAGS = {
  model: flag.string(
    "model folder or hub id, e.g. HuggingFaceTB/SmolLM-135M-Instruct, meta-llama/Llama-3.2-1B-Instruct, google/gemma-3-270m-it (default: the embedded default model)",
    { arg: "M" },
  ),
  out: flag.string(
    "write checkpoints/ and results/ under DIR (default: the repo's checkpoints/<study>/<run> and results/<study>/<run>)",
    { arg: "DIR" },
  ),
};

/**
 * The starting model, resolved to a folder before anything trains: a hub
 * id is downloaded or read from the cache, and offline without a cached
 * copy the error says how to provide the files. Logs the model and its
 * context when it is not the embedded one.
 */
export async function studyModel(
  source: string | undefined,
  log: (line: string) => void = console.error,
): Promise<StudyModel> {
  const model = await resolveStudyModel(source);
  if (!model.embedded) {
    log(
      `model ${model.source}${
        model.dir === model.source ? "" : ` (${model.dir})`
      }: ${model.family}, context ${model.context} tokens`,
    );
  }
  return model;
}

/** Points a run's checkpoints and results under `out` (`<out>/checkpoints`, `<out>/results`) when given. */
export function placeRun(settings: ExperimentPaths, out: string | undefined) {
  if (!out) return;
  settings.checkpointsDir = `${out}/checkpoints`;
  settings.resultsDir = `${out}/results`;
}
