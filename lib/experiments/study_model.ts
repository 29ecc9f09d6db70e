/**
 * The model a study starts from (`--model` of the experiment tasks): a
 * folder or a hub id (HuggingFaceTB/SmolLM-135M-Instruct,
 * meta-llama/Llama-3.2-1B-Instruct, google/gemma-3-270m-it, …), resolved
 * to a local folder once, before anything trains, with the facts the
 * studies size themselves by.
 *
 * ```ts
 * const model = await resolveStudyModel("HuggingFaceTB/SmolLM-135M-Instruct");
 * model.dir;     // the cached snapshot folder
 * model.context; // 2048 (max_position_embeddings)
 * promptWindow(200, 48, model.context); // 200: the study's window fits
 * ```
 *
 * Offline, a hub id that is not cached fails here with lib/hub's message
 * on how to bring the files over, before any stage starts.
 *
 * @module
 */
import { DEFAULT_MODEL_DIR } from "../model/default_model.ts";
import { loadConfig } from "../model/load.ts";
import { resolveModelSource } from "../model/source.ts";
import { InputError } from "../util/errors.ts";

/** A study's starting model, resolved. */
export interface StudyModel {
  /** What the user named (a folder or a hub id). */
  source: string;
  /** The local folder holding its files (a hub snapshot for hub ids). */
  dir: string;
  /** Its context in tokens (config.json's max_position_embeddings). */
  context: number;
  /** "llama" or "gemma3". */
  family: string;
  /** Whether it is the embedded default model (whose sizes the studies were tuned on). */
  embedded: boolean;
}

/**
 * Resolves `source` (default: the embedded model) to a folder and reads its
 * config. A hub id is downloaded or taken from the cache; offline and not
 * cached, the error (lib/hub) says how to provide the files.
 */
export async function resolveStudyModel(
  source: string = DEFAULT_MODEL_DIR,
): Promise<StudyModel> {
  const resolved = await resolveModelSource(source);
  const config = await loadConfig(resolved.dir);
  return {
    source,
    dir: resolved.dir,
    context: config.maxPositionEmbeddings,
    family: config.family,
    embedded: resolved.dir === DEFAULT_MODEL_DIR,
  };
}

/**
 * The prompt window (tokens kept, prompts cut from the left) of a study that
 * sized `wanted` for the default model's 256 positions: `wanted` when it fits
 * `context` beside `completion` new tokens, else what does fit. The study's
 * own window is kept on a larger context, so every model answers the same
 * prompt text.
 */
export function promptWindow(
  wanted: number,
  completion: number,
  context: number,
): number {
  const room = context - completion;
  if (room < 1) {
    throw new InputError(
      `the model's context of ${context} tokens (max_position_embeddings) leaves no room for a prompt beside ${completion} new tokens`,
    );
  }
  return Math.min(wanted, room);
}
