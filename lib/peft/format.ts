/**
 * Saving and loading LoRA adapters as PEFT folders: `adapter_config.json`
 * plus `adapter_model.safetensors`, the files `PeftModel.save_pretrained`
 * writes and `PeftModel.from_pretrained` reads, so adapters move between
 * tunebook and PyTorch both ways.
 *
 * @module
 */
import { writeFileAtomic } from "../util/atomic.ts";
import {
  type LoadedTensor,
  SafetensorsFile,
  writeSafetensors,
} from "../safetensors/safetensors.ts";
import { tf } from "../engine/mod.ts";
import type { ModelConfig } from "../model/config.ts";
import type { CausalLM } from "../model/decoder.ts";
import {
  ADAPTER_CONFIG_FILE,
  parsePeftAdapterConfig,
  peftConfigObject,
  peftConfigText,
  type PeftTaskType,
  resolveFileTargets,
} from "./adapter_config.ts";
import type { LoraConfig } from "./config.ts";
import {
  loraKeyShapes,
  parsePeftKey,
  PEFT_SCORE_KEY,
  peftKey,
  scoreKeyOf,
} from "./keys.ts";
import { applyLora, type LoraAdapters } from "./lora.ts";

/** The weights file name PEFT uses. */
export const ADAPTER_WEIGHTS_FILE = "adapter_model.safetensors";

/** Whether `dir` holds a saved adapter (its weights file is written last, atomically). */
export async function hasAdapter(dir: string): Promise<boolean> {
  try {
    await Deno.stat(`${dir}/${ADAPTER_WEIGHTS_FILE}`);
    return true;
  } catch {
    return false;
  }
}

/** Options of {@link saveAdapter}. */
export interface SaveAdapterOptions {
  /** Hub id or path of the base model, written as base_model_name_or_path. */
  baseModel: string;
  /**
   * A reward model's score head [1, hidden], trained whole: saved as
   * `base_model.model.score.weight` with task_type SEQ_CLS.
   */
  score?: tf.Variable;
}

/** Writes `lora` to the folder `dir` (created if needed) in PEFT's format. */
export async function saveAdapter(
  dir: string,
  lora: LoraAdapters,
  options: SaveAdapterOptions,
): Promise<void> {
  const tensors = new Map<string, Float32Array>();
  for (const [key, variable] of lora.parameters()) {
    tensors.set(key, await variable.data() as Float32Array);
  }
  await writeAdapter(dir, {
    model: lora.model.config,
    lora: lora.config,
    baseModel: options.baseModel,
    tensors,
    score: options.score
      ? await options.score.data() as Float32Array
      : undefined,
  });
}

/** Everything an adapter folder holds, as plain data. */
export interface AdapterContents {
  model: ModelConfig;
  lora: LoraConfig;
  baseModel: string;
  /** Float32 data by PEFT key; keys and sizes must be {@link loraKeyShapes}'. */
  tensors: Map<string, Float32Array>;
  /** A reward model's score head (hidden values); makes the adapter SEQ_CLS. */
  score?: Float32Array;
}

/**
 * Writes an adapter folder from plain data (what {@link saveAdapter} does
 * after reading the variables). Each file is written atomically.
 */
export async function writeAdapter(
  dir: string,
  contents: AdapterContents,
): Promise<void> {
  const shapes = loraKeyShapes(contents.model, contents.lora);
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [key, shape] of shapes) {
    const data = contents.tensors.get(key);
    if (!data) throw new Error(`writeAdapter: no values for "${key}"`);
    tensors.set(key, { shape, data });
  }
  for (const key of contents.tensors.keys()) {
    if (!shapes.has(key)) {
      throw new Error(
        `writeAdapter: "${key}" is not a key of this LoRA on this model`,
      );
    }
  }
  if (contents.score) {
    const hidden = contents.model.hiddenSize;
    if (contents.score.length !== hidden) {
      throw new Error(
        `writeAdapter: the score head has ${contents.score.length} values, expected ${hidden} (one label)`,
      );
    }
    // PEFT saves modules_to_save under the module's own name (the wrapper
    // and adapter name stripped), after the LoRA matrices.
    tensors.set(PEFT_SCORE_KEY, { shape: [1, hidden], data: contents.score });
  }
  const modules = [...shapes.keys()].filter((k) => k.endsWith(".lora_A.weight"))
    .map((k) => parsePeftKey(k)!.module);
  await Deno.mkdir(dir, { recursive: true });
  await writeSafetensors(`${dir}/${ADAPTER_WEIGHTS_FILE}`, tensors);
  await writeFileAtomic(
    `${dir}/${ADAPTER_CONFIG_FILE}`,
    peftConfigText(
      peftConfigObject(
        contents.lora,
        modules,
        contents.baseModel,
        contents.score ? "SEQ_CLS" : "CAUSAL_LM",
      ),
    ),
  );
}

/** Options of {@link loadAdapter}. */
export interface LoadAdapterOptions extends ReadAdapterOptions {
  /** Seeds dropout masks if the adapter is trained further (default 0). */
  seed?: number;
}

/** Options of {@link readAdapter}. */
export interface ReadAdapterOptions {
  /**
   * The task types accepted (default CAUSAL_LM only): a reward model's
   * trainer also takes SEQ_CLS adapters, whose score head is read too.
   */
  taskTypes?: readonly PeftTaskType[];
}

/** An adapter folder read and checked against a model, not yet attached. */
export interface ReadAdapter {
  lora: LoraConfig;
  baseModel: string | null;
  taskType: PeftTaskType;
  /** Float32 values by module name. */
  matrices: Map<string, { a: LoadedTensor; b: LoadedTensor }>;
  /** The score head [1, hidden] of a SEQ_CLS adapter, else null. */
  score: LoadedTensor | null;
}

/**
 * Reads a PEFT LoRA folder and checks every key and shape against `model`,
 * without changing the model. Errors name the file and the key.
 */
export async function readAdapter(
  dir: string,
  model: ModelConfig,
  options: ReadAdapterOptions = {},
): Promise<ReadAdapter> {
  const configPath = `${dir}/${ADAPTER_CONFIG_FILE}`;
  const weightsPath = `${dir}/${ADAPTER_WEIGHTS_FILE}`;
  const { lora, baseModel, taskType } = parsePeftAdapterConfig(
    await readJson(configPath),
    configPath,
  );
  const accepted = options.taskTypes ?? ["CAUSAL_LM"];
  if (!accepted.includes(taskType)) {
    throw new Error(
      taskType === "SEQ_CLS"
        ? `${configPath}: field "task_type" is "SEQ_CLS": a reward model's adapter (LoRA plus a score head), which scores text rather than generating it; use it as a reward model (the "reward_model" reward)`
        : `${configPath}: field "task_type" is "${taskType}", expected ${
          accepted.join(" or ")
        }`,
    );
  }
  const modules = resolveFileTargets(lora, model, configPath);
  const expected = loraKeyShapes(model, lora);

  let file: SafetensorsFile;
  try {
    file = await SafetensorsFile.open(weightsPath);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(await missingWeightsMessage(dir, weightsPath));
    }
    throw error;
  }
  try {
    // Stored key → the key tunebook names it by (adapter name stripped).
    const byCanonical = new Map<string, string>();
    const adapterNames = new Set<string>();
    let scoreKey: string | null = null;
    for (const stored of file.names()) {
      if (taskType === "SEQ_CLS" && scoreKeyOf(stored)) {
        scoreKey = stored;
        continue;
      }
      const parsed = parsePeftKey(normaliseKey(stored));
      if (!parsed) {
        throw new Error(
          `${weightsPath}: tensor "${stored}" is not a LoRA matrix (expected keys like "${
            peftKey(modules[0], "lora_A")
          }"); tunebook does not load DoRA magnitudes, embedding adapters or modules_to_save`,
        );
      }
      if (parsed.adapterName) adapterNames.add(parsed.adapterName);
      const canonical = peftKey(parsed.module, parsed.matrix);
      if (!expected.has(canonical)) {
        throw new Error(
          `${weightsPath}: tensor "${stored}" is for module "${parsed.module}", which ${configPath} does not target (targets: ${
            describeTargets(lora)
          })`,
        );
      }
      if (byCanonical.has(canonical)) {
        throw new Error(
          `${weightsPath}: tensors "${
            byCanonical.get(canonical)
          }" and "${stored}" are the same matrix`,
        );
      }
      byCanonical.set(canonical, stored);
    }
    if (adapterNames.size > 1) {
      throw new Error(
        `${weightsPath}: holds several adapters (${
          [...adapterNames].join(", ")
        }); save each adapter on its own`,
      );
    }
    for (const [key, shape] of expected) {
      const stored = byCanonical.get(key);
      if (!stored) {
        throw new Error(
          `${weightsPath}: missing tensor "${key}" (shape [${shape}]), which ${configPath} implies`,
        );
      }
      const found = file.info(stored).shape;
      if (found.join() !== shape.join()) {
        throw new Error(
          `${weightsPath}: tensor "${stored}" has shape [${found}], expected [${shape}] (r = ${lora.r} on this model)`,
        );
      }
    }
    let score: LoadedTensor | null = null;
    if (taskType === "SEQ_CLS") {
      const want = [1, model.hiddenSize];
      if (!scoreKey) {
        throw new Error(
          `${weightsPath}: missing tensor "${PEFT_SCORE_KEY}" (shape [${want}]), the score head ${configPath} (task_type SEQ_CLS) implies`,
        );
      }
      const found = file.info(scoreKey).shape;
      if (found.join() !== want.join()) {
        throw new Error(
          `${weightsPath}: tensor "${scoreKey}" has shape [${found}], expected [${want}] (one label on hidden size ${model.hiddenSize})`,
        );
      }
      score = await file.read(scoreKey);
    }
    const matrices = new Map<string, { a: LoadedTensor; b: LoadedTensor }>();
    for (const module of modules) {
      const a = await file.read(byCanonical.get(peftKey(module, "lora_A"))!);
      const b = await file.read(byCanonical.get(peftKey(module, "lora_B"))!);
      matrices.set(module, { a, b });
    }
    return { lora, baseModel, taskType, matrices, score };
  } finally {
    file.close();
  }
}

/**
 * Reads a PEFT LoRA folder, checks it against `model` and attaches it.
 * The adapters start in eval mode. A SEQ_CLS adapter's score head (when
 * `taskTypes` admits one) is not attached here: {@link readAdapter} reads it.
 */
export async function loadAdapter(
  dir: string,
  model: CausalLM,
  options: LoadAdapterOptions = {},
): Promise<LoraAdapters> {
  const read = await readAdapter(dir, model.config, options);
  return attachAdapter(model, read, { seed: options.seed ?? 0 });
}

/** Attaches an adapter already read (and checked) by {@link readAdapter}. */
export function attachAdapter(
  model: CausalLM,
  read: ReadAdapter,
  options: { seed: number },
): LoraAdapters {
  const lora = applyLora(model, read.lora, { seed: options.seed });
  const byKey = new Map(lora.parameters());
  for (const [module, { a, b }] of read.matrices) {
    for (const [matrix, t] of [["lora_A", a], ["lora_B", b]] as const) {
      const variable = byKey.get(peftKey(module, matrix))!;
      tf.tidy(() => variable.assign(tf.tensor(t.data, t.shape, "float32")));
    }
  }
  return lora;
}

/** Gemma 3 multimodal checkpoints nest the decoder under language_model. */
function normaliseKey(key: string): string {
  return key
    .replace(
      /^base_model\.model\.model\.language_model\./,
      "base_model.model.model.",
    )
    .replace(
      /^base_model\.model\.language_model\.model\./,
      "base_model.model.model.",
    );
}

function describeTargets(lora: LoraConfig): string {
  const t = lora.targetModules;
  return t === "all-linear"
    ? "all-linear"
    : Array.isArray(t)
    ? t.join(", ")
    : `regex ${JSON.stringify(t.regex)}`;
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `${path} not found: a PEFT adapter folder needs ${ADAPTER_CONFIG_FILE} and ${ADAPTER_WEIGHTS_FILE}`,
      );
    }
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

async function missingWeightsMessage(
  dir: string,
  path: string,
): Promise<string> {
  const hasBin = await Deno.stat(`${dir}/adapter_model.bin`).then(
    () => true,
    () => false,
  );
  return hasBin
    ? `${path} not found; ${dir}/adapter_model.bin is a pickle file, which tunebook does not read (re-save it with safe_serialization=True)`
    : `${path} not found: a PEFT adapter folder needs ${ADAPTER_WEIGHTS_FILE}`;
}
