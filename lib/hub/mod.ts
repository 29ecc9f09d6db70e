/**
 * Getting model files from a local folder or the Hugging Face hub.
 *
 * ```ts
 * import { resolveModelSource } from "../lib/hub/mod.ts";
 * const model = await resolveModelSource("HuggingFaceTB/SmolLM-135M-Instruct");
 * // model.dir holds config.json, tokenizer files and the safetensors weights
 * ```
 *
 * Settings follow `huggingface_hub`: `HF_TOKEN`, `HF_ENDPOINT`,
 * `HF_HUB_CACHE` / `HF_HOME`, `HF_HUB_OFFLINE`, from the environment or the
 * project's `.env`.
 *
 * @module
 */
export { isCommitHash, RepoCache, type RepoType } from "./cache.ts";
export { parseDotenv, readDotenvFile } from "./dotenv.ts";
export {
  type DownloadFileOptions,
  downloadHubFile,
  type HubFile,
  type HubOptions,
} from "./download.ts";
export { HubError, type HubErrorKind } from "./errors.ts";
export { resolveUrl } from "./http.ts";
export {
  formatProgress,
  type ProgressEvent,
  type ProgressReporter,
  stderrProgress,
} from "./progress.ts";
export {
  type ModelSource,
  OPTIONAL_MODEL_FILES,
  resolveModelSource,
  type ResolveOptions,
} from "./resolve.ts";
export {
  describeSettings,
  type HubSettings,
  hubSettings,
  type HubSettingsOptions,
} from "./settings.ts";
