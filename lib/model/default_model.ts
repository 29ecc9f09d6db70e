/**
 * The embedded default base model: a tiny Llama-style model tunebook trains
 * itself on public-domain English (`deno task pretrain`), committed in HF
 * layout under checkpoints/tiny-base/ with its model card. Every experiment
 * uses it when no model is given, so everything runs offline.
 *
 * @module
 */
import { repoPath } from "../util/paths.ts";

/** Folder of the embedded default model. */
export const DEFAULT_MODEL_DIR = repoPath("checkpoints/tiny-base");
