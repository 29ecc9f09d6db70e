/**
 * A saved reward model, whichever form it was saved in, loaded ready to
 * score: a full sequence-classifier folder (`LlamaForSequenceClassification`
 * / `Gemma3TextForSequenceClassification`, a local folder or a hub id), or
 * a PEFT SEQ_CLS adapter folder (LoRA plus the score head) applied to its
 * base model (`base_model_name_or_path`, or the one given).
 *
 * ```ts
 * const rm = await loadSequenceClassifier("runs/rm");            // either form
 * const scores = rm.classifier.scoreValues(padBatch(rows, rm.tokenizer.padId));
 * rm.dispose();
 * ```
 *
 * @module
 */
import { loadPretrained } from "../model/pretrained.ts";
import {
  scoreVariable,
  SequenceClassifier,
} from "../model/sequence_classifier.ts";
import type { Tokenizer } from "../tokenizer/mod.ts";
import { ADAPTER_CONFIG_FILE } from "./adapter_config.ts";
import { attachAdapter, readAdapter } from "./format.ts";
import type { LoraAdapters } from "./lora.ts";

/** A reward model ready to score. */
export interface LoadedClassifier {
  classifier: SequenceClassifier;
  /** The LoRA of an adapter-form reward model (eval mode), else null. */
  lora: LoraAdapters | null;
  /** The tokenizer it was trained with (the base model's, for an adapter). */
  tokenizer: Tokenizer;
  /** The folder the weights came from (the adapter folder, for an adapter). */
  dir: string;
  /** For an adapter: the base model it was applied to; else null. */
  baseModel: string | null;
  /** Frees the head, the adapters and the decoder. */
  dispose(): void;
}

/** Options of {@link loadSequenceClassifier}. */
export interface ClassifierLoadOptions {
  /** The base model of an adapter, instead of its base_model_name_or_path. */
  baseModel?: string;
}

/** Whether `path` is a local folder holding a PEFT adapter. */
async function isAdapterFolder(path: string): Promise<boolean> {
  return await Deno.stat(`${path}/${ADAPTER_CONFIG_FILE}`).then(
    (s) => s.isFile,
    () => false,
  );
}

/** Loads a reward model from a full folder, a hub id or an adapter folder. */
export async function loadSequenceClassifier(
  path: string,
  options: ClassifierLoadOptions = {},
): Promise<LoadedClassifier> {
  return await isAdapterFolder(path)
    ? await loadAdapterForm(path, options)
    : await loadFullForm(path);
}

async function loadFullForm(path: string): Promise<LoadedClassifier> {
  const { model, tokenizer, dir } = await loadPretrained(path, {
    head: "score",
  });
  try {
    // A causal LM folder has no score.weight: refused there, by name.
    const classifier = await SequenceClassifier.fromFolder(model, dir);
    if (!tokenizer) {
      classifier.dispose();
      throw new Error(
        `${dir}: no tokenizer files (tokenizer.json, tokenizer_config.json); a reward model scores text with the tokenizer it was trained with`,
      );
    }
    return {
      classifier,
      lora: null,
      tokenizer,
      dir,
      baseModel: null,
      dispose: () => {
        classifier.dispose();
        model.dispose();
      },
    };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

async function loadAdapterForm(
  dir: string,
  options: ClassifierLoadOptions,
): Promise<LoadedClassifier> {
  const configPath = `${dir}/${ADAPTER_CONFIG_FILE}`;
  const declared = JSON.parse(await Deno.readTextFile(configPath))
    .base_model_name_or_path;
  const base = options.baseModel ??
    (typeof declared === "string" && declared ? declared : null);
  if (!base) {
    throw new Error(
      `${configPath}: field "base_model_name_or_path" is not set, so the base model of this reward model is unknown; give it (the reward's "base_model" setting)`,
    );
  }
  const { model, tokenizer } = await loadPretrained(base, { head: "score" });
  try {
    if (!tokenizer) {
      throw new Error(
        `${base}: no tokenizer files (tokenizer.json, tokenizer_config.json); the reward model ${dir} scores text with its base model's tokenizer`,
      );
    }
    const read = await readAdapter(dir, model.config, {
      taskTypes: ["SEQ_CLS"],
    });
    const lora = attachAdapter(model, read, { seed: 0 });
    const classifier = new SequenceClassifier(
      model,
      scoreVariable(read.score!.data, false),
    );
    return {
      classifier,
      lora,
      tokenizer,
      dir,
      baseModel: base,
      dispose: () => {
        classifier.dispose();
        lora.remove();
        model.dispose();
      },
    };
  } catch (error) {
    model.dispose();
    throw error;
  }
}
