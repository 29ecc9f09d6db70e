/**
 * Files from the Hugging Face hub, into a cache laid out like
 * `huggingface_hub`'s. Which files a model needs is the model stage's
 * business (lib/model/source.ts); this stage only fetches them.
 *
 * ```ts
 * import { downloadHubFile } from "../lib/hub/mod.ts";
 * const { path } = await downloadHubFile("HuggingFaceTB/SmolLM-135M-Instruct", "config.json");
 * ```
 *
 * Settings follow `huggingface_hub`: `HF_TOKEN`, `HF_ENDPOINT`,
 * `HF_HUB_CACHE` / `HF_HOME`, `HF_HUB_OFFLINE`, from the environment or the
 * project's `.env`.
 *
 * @module
 */
export { isCommitHash, RepoCache, type RepoType } from "./cache.ts";
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
  describeSettings,
  type HubSettings,
  hubSettings,
  type HubSettingsOptions,
} from "./settings.ts";
