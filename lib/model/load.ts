/**
 * Loading and saving models as Hugging Face checkpoint folders:
 * `config.json`, `generation_config.json` and `model.safetensors` (or an
 * index with shards). Weights of any float dtype load as float32.
 *
 * Models too big for the wasm heap (Gemma 3 1B, Llama 3.2 1B) load with
 * their frozen linear weights, embedding and head in host memory
 * (`offload`, host_weights.ts); the choice is made before any weight is read.
 * QLoRA's base loads with its linear weights as NF4 codes in host memory,
 * quantized on load or read from a bitsandbytes checkpoint (quantize.ts).
 *
 * @module
 */
import { ShardedCheckpoint } from "../safetensors/sharded.ts";
import { writeSafetensors } from "../safetensors/safetensors.ts";
import type { FloatDtype } from "../safetensors/dtypes.ts";
import { writeFileAtomic } from "../util/atomic.ts";
import { tf } from "../engine/mod.ts";
import { type ModelConfig, parseConfig } from "./config.ts";
import { CausalLM } from "./decoder.ts";
import { HostMatrix, type OffloadMode, planOffload } from "./host_weights.ts";
import {
  isQuantState,
  prequantizedShape,
  prequantizedWeights,
  quantizableNames,
  type QuantizationSettings,
  quantizedMatrix,
  readPrequantized,
} from "./quantize.ts";
import { loadOpenBlas } from "../engine/blas.ts";
import { matchCheckpoint, weightSpecs, weightVariable } from "./weights.ts";
import { readJsonFileIfPresent } from "../util/json_files.ts";

/** Options of {@link loadModel}. */
export interface LoadOptions {
  /** Make every weight trainable (full fine-tuning). Default false: frozen. */
  trainable?: boolean;
  /**
   * Which weights live in host memory instead of the tensor heap: `auto`
   * (default) moves the frozen linear weights, embedding and head there only
   * when the model would not fit the wasm heap; `frozen-linears` always
   * does; `none` never does (and refuses a model that does not fit).
   */
  offload?: OffloadMode;
  /** Called after each tensor with (done, total) for progress display. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Load the decoder for a score head (a causal checkpoint read as a
   * sequence classifier: its `lm_head.weight` is left out, as transformers
   * does). Default: what `architectures` in config.json says.
   */
  head?: "score";
  /**
   * Quantize the linear weights to NF4 (QLoRA's frozen base) as they load.
   * A checkpoint saved by bitsandbytes in 4-bit loads its NF4 weights as
   * stored, with or without this.
   */
  quantization?: QuantizationSettings;
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
  if (options.head) config.head = options.head;
  const host = planOffload(config, { ...options, source: folder });
  const checkpoint = await ShardedCheckpoint.open(folder);
  try {
    const prequantized = prequantizedWeights(checkpoint.names());
    const quantize = options.quantization
      ? quantizableNames(config)
      : new Set<string>();
    if (prequantized.size > 0 || quantize.size > 0) {
      checkQuantizable(folder, options);
    }
    const shapes = new Map<string, number[]>();
    for (const name of checkpoint.names()) {
      if (isQuantState(name)) continue;
      shapes.set(
        name,
        prequantized.has(name)
          ? prequantizedShape(
            (await checkpoint.read(
              `${name}.quant_state.bitsandbytes__nf4`,
            )).data,
          )
          : checkpoint.info(name).shape,
      );
    }
    const mapping = matchCheckpoint(config, shapes, checkpoint.source);
    const weights = new Map<string, tf.Variable>();
    const hostWeights = new Map<string, HostMatrix>();
    const specs = weightSpecs(config);
    const readIfPresent = (name: string) =>
      checkpoint.has(name) ? checkpoint.read(name) : Promise.resolve(undefined);
    try {
      for (const [i, spec] of specs.entries()) {
        const stored = mapping.get(spec.name)!;
        options.onProgress?.(i + 1, specs.length);
        if (prequantized.has(stored)) {
          hostWeights.set(
            spec.name,
            await readPrequantized(stored, readIfPresent),
          );
          continue;
        }
        const tensor = await checkpoint.read(stored);
        const [rows, cols] = spec.shape;
        if (quantize.has(spec.name)) {
          hostWeights.set(
            spec.name,
            quantizedMatrix(rows, cols, tensor.data, options.quantization!),
          );
        } else if (host.has(spec.name)) {
          // A fresh array per tensor (checkpoint.read), kept as is.
          hostWeights.set(spec.name, new HostMatrix(rows, cols, tensor.data));
        } else {
          weights.set(
            spec.name,
            weightVariable(tensor.data, spec.shape, options.trainable ?? false),
          );
        }
      }
    } catch (error) {
      for (const w of weights.values()) w.dispose();
      throw error;
    }
    return new CausalLM(config, weights, hostWeights);
  } finally {
    checkpoint.close();
  }
}

/** 4-bit weights are frozen and multiplied through OpenBLAS. */
function checkQuantizable(folder: string, options: LoadOptions): void {
  if (options.trainable) {
    throw new Error(
      `${folder}: 4-bit (NF4) base weights are frozen and cannot be fully fine-tuned; train LoRA adapters on top (QLoRA)`,
    );
  }
  const blas = loadOpenBlas();
  if (!blas.ok) {
    throw new Error(
      `${folder}: 4-bit (NF4) weights are multiplied through OpenBLAS, which did not load: ${blas.reason}`,
    );
  }
}

/** Options of {@link saveModel}. */
export interface SaveOptions {
  /** Storage dtype of the weights (default F32). */
  dtype?: FloatDtype;
  /** Extra generation_config.json fields (eos ids are always written). */
  generationConfig?: Record<string, unknown>;
  /** config.json fields set over the model's own (a classifier's architectures, labels). */
  config?: Record<string, unknown>;
  /** Tensors written after the decoder's, by name (a classifier's `score.weight`). */
  extraTensors?: Map<string, { shape: number[]; data: Float32Array }>;
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
  // Host weights are written from their own arrays, without a copy.
  const tensors = new Map(
    weightSpecs(model.config).map(({ name }) => [name, {
      shape: model.weightShape(name),
      data: model.weightValues(name),
      dtype,
    }]),
  );
  for (const [name, t] of options.extraTensors ?? []) {
    tensors.set(name, { ...t, dtype });
  }
  await writeSafetensors(`${folder}/model.safetensors`, tensors, {
    metadata: { format: "pt" },
  });
  const config = {
    ...model.config.raw,
    ...options.config,
    torch_dtype: torchDtype,
  };
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
  return await readJsonFileIfPresent(path) as
    | Record<string, unknown>
    | undefined;
}
