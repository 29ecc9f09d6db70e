/**
 * Loading what the chat and answer commands talk to: a model with a chat
 * tokenizer, optionally with a PEFT LoRA adapter applied, and a checked
 * sampling preset. Errors name the model, folder or preset at fault.
 *
 * @module
 */
import { type PresetName, PRESETS } from "../generate/presets.ts";
import type { CausalLM } from "../model/decoder.ts";
import { DEFAULT_MODEL_DIR } from "../model/default_model.ts";
import { loadPretrained } from "../model/pretrained.ts";
import { loadAdapter } from "../peft/mod.ts";
import type { Tokenizer } from "../tokenizer/mod.ts";

/** The preset names, in ee596-fp's order. */
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/** Returns `name` as a preset name, or throws naming it and the choices. */
export function parsePreset(name: string): PresetName {
  if (!(PRESET_NAMES as string[]).includes(name)) {
    throw new Error(
      `unknown preset "${name}"; choose one of ${PRESET_NAMES.join(", ")}`,
    );
  }
  return name as PresetName;
}

/** A model ready to chat: weights (with any adapter applied) and tokenizer. */
export interface ChatModel {
  model: CausalLM;
  tokenizer: Tokenizer;
  /** The model as given (folder or hub id), or the default model's folder. */
  source: string;
  /** The adapter folder, when one was applied. */
  adapter?: string;
}

/**
 * Loads `source` (default: the embedded default model) and applies the
 * adapter in `adapterDir` when given. Throws when the model cannot be
 * loaded, has no tokenizer or chat template, or the adapter does not fit.
 */
export async function loadChatModel(
  source: string = DEFAULT_MODEL_DIR,
  adapterDir?: string,
): Promise<ChatModel> {
  let loaded;
  try {
    loaded = await loadPretrained(source);
  } catch (error) {
    throw new Error(
      `cannot load model "${source}": ${(error as Error).message}`,
    );
  }
  const { model, tokenizer } = loaded;
  if (!tokenizer) {
    model.dispose();
    throw new Error(
      `model "${source}" (${loaded.dir}) has no tokenizer.json/tokenizer_config.json, so it cannot chat`,
    );
  }
  if (!tokenizer.hf.chat_template) {
    model.dispose();
    throw new Error(
      `model "${source}" (${loaded.dir}) has no chat template (tokenizer_config.json "chat_template" or chat_template.jinja)`,
    );
  }
  if (adapterDir !== undefined) {
    try {
      await loadAdapter(adapterDir, model);
    } catch (error) {
      model.dispose();
      throw new Error(
        `cannot apply adapter "${adapterDir}" to "${source}": ${
          (error as Error).message
        }`,
      );
    }
  }
  return { model, tokenizer, source, adapter: adapterDir };
}
