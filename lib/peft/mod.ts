/**
 * LoRA adapters in PEFT's format: configuration and target matching,
 * attaching adapters to a model, dropout, merging, and saving/loading the
 * `adapter_config.json` + `adapter_model.safetensors` folders PEFT uses.
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
  peftKey,
} from "./keys.ts";
export { applyLora, type ApplyLoraOptions, LoraAdapters } from "./lora.ts";
export {
  ADAPTER_CONFIG_FILE,
  parsePeftAdapterConfig,
  type PeftAdapterConfig,
  peftConfigObject,
  peftConfigText,
} from "./adapter_config.ts";
export {
  ADAPTER_WEIGHTS_FILE,
  type AdapterContents,
  hasAdapter,
  loadAdapter,
  type LoadAdapterOptions,
  type ReadAdapter,
  readAdapter,
  saveAdapter,
  type SaveAdapterOptions,
  writeAdapter,
} from "./format.ts";
