/**
 * LoRA adapters in PEFT's format: configuration and target matching,
 * attaching adapters to a model, dropout, merging, and saving/loading the
 * `adapter_config.json` + `adapter_model.safetensors` folders PEFT uses —
 * for causal LMs, and for reward models (SEQ_CLS, with the score head).
 *
 * @module
 */
export {
  adaptableModules,
  defaultLoraConfig,
  type LoraConfig,
  loraScale,
  parseLoraConfig,
  type RegexTarget,
  resolveTargets,
  shortName,
  type TargetModules,
} from "./config.ts";
export { dropoutMask, seedFrom } from "./dropout.ts";
export {
  loraKeyShapes,
  type LoraMatrix,
  parsePeftKey,
  PEFT_PREFIX,
  PEFT_SCORE_KEY,
  peftKey,
  scoreKeyOf,
} from "./keys.ts";
export { applyLora, type ApplyLoraOptions, LoraAdapters } from "./lora.ts";
export {
  ADAPTER_CONFIG_FILE,
  parsePeftAdapterConfig,
  type PeftAdapterConfig,
  peftConfigObject,
  peftConfigText,
  type PeftTaskType,
  SEQ_CLS_MODULES_TO_SAVE,
} from "./adapter_config.ts";
export {
  ADAPTER_WEIGHTS_FILE,
  type AdapterContents,
  attachAdapter,
  hasAdapter,
  loadAdapter,
  type LoadAdapterOptions,
  type ReadAdapter,
  readAdapter,
  type ReadAdapterOptions,
  saveAdapter,
  type SaveAdapterOptions,
  writeAdapter,
} from "./format.ts";
export {
  type ClassifierLoadOptions,
  type LoadedClassifier,
  loadSequenceClassifier,
} from "./classifier.ts";
