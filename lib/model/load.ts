/**
 * Loading and saving models as Hugging Face checkpoint folders:
 * `config.json`, `generation_config.json` and `model.safetensors` (or an
 * index with shards). Weights of any float dtype load as float32.
 *
 * @module
 */
import { ShardedCheckpoint } from "../checkpoint/sharded.ts";
import { writeSafetensors } from "../checkpoint/safetensors.ts";
import type { FloatDtype } from "../checkpoint/dtypes.ts";
import { writeFileAtomic } from "../checkpoint/atomic.ts";
import { tf } from "../engine/mod.ts";
import { type ModelConfig, parameterCount, parseConfig } from "./config.ts";
import { CausalLM } from "./decoder.ts";
import { matchCheckpoint, weightSpecs } from "./weights.ts";

/** Options of {@link loadModel}. */
export interface LoadOptions {
  /** Make every weight trainable (full fine-tuning). Default false: frozen. */
  trainable?: boolean;
  /** Called after each tensor with (done, total) for progress display. */
  onProgress?: (done: number, total: number) => void;
}

/** Reads and validates `config.json` in `folder`, merging eos ids from `generation_config.json`. */
export async function loadConfig(folder: string): Promise<ModelConfig> {
  const path = `${folder}/config.json`;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `${path} not found: a model folder needs config.json (Hugging Face layout)`,
      );
    }
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  const config = parseConfig(json, path);
  const generation = await readJsonIfPresent(
    `${folder}/generation_config.json`,
  );
  const extra = generation?.eos_token_id;
  if (extra !== undefined && extra !== null) {
    const ids = (Array.isArray(extra) ? extra : [extra]).filter((
      x,
    ): x is number => Number.isInteger(x));
    config.eosTokenIds = [...new Set([...config.eosTokenIds, ...ids])];
  }
  return config;
}

/** Loads a model from a local Hugging Face checkpoint folder. */
export async function loadModel(
  folder: string,
  options: LoadOptions = {},
): Promise<CausalLM> {
  const config = await loadConfig(folder);
  checkFitsBackend(config, folder);
  const checkpoint = await ShardedCheckpoint.open(folder);
  try {
    const shapes = new Map(
      checkpoint.names().map((n) => [n, checkpoint.info(n).shape]),
    );
    const mapping = matchCheckpoint(config, shapes, checkpoint.source);
    const weights = new Map<string, tf.Variable>();
    const specs = weightSpecs(config);
    try {
      for (const [i, spec] of specs.entries()) {
        const tensor = await checkpoint.read(mapping.get(spec.name)!);
        weights.set(
          spec.name,
          tf.variable(
            tf.tensor(tensor.data, spec.shape, "float32"),
            options.trainable ?? false,
          ),
        );
        options.onProgress?.(i + 1, specs.length);
      }
    } catch (error) {
      for (const w of weights.values()) w.dispose();
      throw error;
    }
    return new CausalLM(config, weights);
  } finally {
    checkpoint.close();
  }
}

/**
 * The wasm backend keeps every tensor in one 32-bit WebAssembly heap of at
 * most 4 GiB (measured: 4 GiB of 0.5 GiB tensors allocate, the next fails).
 * Weights are float32 here, so a model over ~3.5 GiB of weights cannot load;
 * say so before reading gigabytes, instead of failing deep inside tfjs.
 */
const WASM_WEIGHT_BUDGET = 3.5 * 2 ** 30;

function checkFitsBackend(config: ModelConfig, folder: string): void {
  const bytes = parameterCount(config) * 4;
  if (tf.getBackend() === "wasm" && bytes > WASM_WEIGHT_BUDGET) {
    throw new Error(
      `${folder}: this model has ${
        (parameterCount(config) / 1e9).toFixed(2)
      }B parameters = ${
        (bytes / 2 ** 30).toFixed(1)
      } GiB as float32, more than the wasm backend's 4 GiB heap can hold with room to run. ` +
        `Use the native backend (TUNEBOOK_BACKEND=tensorflow with @tensorflow/tfjs-node or -gpu; see the README) ` +
        `or a smaller model (gemma-3-270m, SmolLM-135M/360M).`,
    );
  }
}

/** Options of {@link saveModel}. */
export interface SaveOptions {
  /** Storage dtype of the weights (default F32). */
  dtype?: FloatDtype;
  /** Extra generation_config.json fields (eos ids are always written). */
  generationConfig?: Record<string, unknown>;
}

/** Writes a model as a Hugging Face checkpoint folder that transformers can load. */
export async function saveModel(
  model: CausalLM,
  folder: string,
  options: SaveOptions = {},
): Promise<void> {
  await Deno.mkdir(folder, { recursive: true });
  const dtype = options.dtype ?? "F32";
  const torchDtype =
    { F32: "float32", BF16: "bfloat16", F16: "float16" }[dtype];
  const tensors = new Map(
    model.namedWeights().map((
      [name, v],
    ) => [name, { shape: v.shape, data: v.dataSync() as Float32Array, dtype }]),
  );
  await writeSafetensors(`${folder}/model.safetensors`, tensors, {
    metadata: { format: "pt" },
  });
  const config = { ...model.config.raw, torch_dtype: torchDtype };
  await writeFileAtomic(
    `${folder}/config.json`,
    JSON.stringify(config, null, 2) + "\n",
  );
  const generation = {
    bos_token_id: model.config.bosTokenId ?? undefined,
    eos_token_id: model.config.eosTokenIds.length === 1
      ? model.config.eosTokenIds[0]
      : model.config.eosTokenIds,
    pad_token_id: model.config.padTokenId ?? undefined,
    ...options.generationConfig,
  };
  await writeFileAtomic(
    `${folder}/generation_config.json`,
    JSON.stringify(generation, null, 2) + "\n",
  );
}

async function readJsonIfPresent(
  path: string,
): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new Error(`${path}: ${(error as Error).message}`);
  }
}
