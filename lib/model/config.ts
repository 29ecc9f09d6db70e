/**
 * Model configuration parsed from a Hugging Face `config.json`.
 *
 * Two families are supported: `Gemma3ForCausalLM` (model_type `gemma3_text`,
 * or the text part of a `gemma3` multimodal config) and `LlamaForCausalLM`
 * (Llama 3.x, SmolLM). Anything else, or a field this code would silently
 * ignore (softcapping we do not implement, an unknown RoPE type), is an error
 * naming the file and the field.
 *
 * @module
 */
import { ConfigError, FieldReader, type Json } from "../util/fields.ts";

/** RoPE frequency rule, as in transformers' `modeling_rope_utils.py`. */
export type RopeScaling =
  | { type: "default" }
  | { type: "linear"; factor: number }
  | {
    type: "llama3";
    factor: number;
    lowFreqFactor: number;
    highFreqFactor: number;
    originalMaxPositionEmbeddings: number;
  };

/** Per-layer attention kind. */
export type LayerType = "full_attention" | "sliding_attention";

/** Everything the decoder code needs, in one flat, validated record. */
export interface ModelConfig {
  family: "gemma3" | "llama";
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  rmsNormEps: number;
  /** Gemma's RMSNorm multiplies by (1 + w); Llama's by w. */
  normOffset: 0 | 1;
  /** MLP activation: Gemma uses tanh-approximated GELU, Llama SiLU. */
  activation: "gelu_tanh" | "silu";
  /** Multiply token embeddings by √hidden (Gemma). */
  embedScale: number;
  /** Scale applied to q·kᵀ (Gemma: query_pre_attn_scalar^−½, Llama: head_dim^−½). */
  attnScale: number;
  /** Gemma: RMSNorm on q and k over head_dim, before RoPE. */
  qkNorm: boolean;
  /** Gemma: four norms per layer (pre/post attention, pre/post MLP). */
  sandwichNorms: boolean;
  layerTypes: LayerType[];
  slidingWindow: number | null;
  ropeTheta: number;
  ropeScaling: RopeScaling;
  /** RoPE base of sliding layers (Gemma's rope_local_base_freq; never scaled). */
  ropeLocalTheta: number;
  maxPositionEmbeddings: number;
  tieWordEmbeddings: boolean;
  /**
   * What sits on the decoder: the LM head (`…ForCausalLM`), or a score head
   * read at one position (`…ForSequenceClassification`, a reward model;
   * sequence_classifier.ts), whose checkpoint has `score.weight` and no
   * `lm_head.weight`.
   */
  head: "lm" | "score";
  attentionBias: boolean;
  mlpBias: boolean;
  bosTokenId: number | null;
  eosTokenIds: number[];
  padTokenId: number | null;
  /** dtype the checkpoint declares (weights are always computed in float32 here). */
  torchDtype: string;
  /** The parsed JSON, for writing the config back unchanged. */
  raw: Record<string, unknown>;
}

export { ConfigError } from "../util/fields.ts";

/** The model-config reader: the shared field reader plus token-id lists. */
class Reader extends FieldReader {
  tokenIds(field: string): number[] {
    const v = this.json[field];
    if (v === undefined || v === null) return [];
    const list = Array.isArray(v) ? v : [v];
    if (!list.every((x) => Number.isInteger(x) && x >= 0)) {
      throw this.error(
        field,
        `must be a token id or a list of ids, got ${JSON.stringify(v)}`,
      );
    }
    return list as number[];
  }
  mustBeNull(field: string, why: string) {
    if (this.has(field)) {
      throw this.error(
        field,
        `is ${JSON.stringify(this.json[field])}, but ${why}`,
      );
    }
  }
}

const SUPPORTED =
  "Gemma3ForCausalLM (gemma3_text) and LlamaForCausalLM (llama), and their ForSequenceClassification forms";

/**
 * Parses a `config.json` object. `source` names the file in error messages.
 */
export function parseConfig(
  json: unknown,
  source = "config.json",
): ModelConfig {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new ConfigError(source, "(root)", "must be a JSON object");
  }
  let root = json as Json;
  // The multimodal config names the architecture above its text_config.
  const head = headOf(root);
  // A multimodal Gemma 3 config nests the decoder under text_config.
  if (root.model_type === "gemma3" && typeof root.text_config === "object") {
    root = { ...(root.text_config as Json), model_type: "gemma3_text" };
  }
  const r = new Reader(root, source);
  const modelType = r.string("model_type", "");
  const archs = Array.isArray(root.architectures)
    ? root.architectures as string[]
    : [];
  if (
    modelType === "gemma3_text" || archs.includes("Gemma3ForCausalLM") ||
    archs.includes("Gemma3TextForSequenceClassification")
  ) {
    return { ...parseGemma3(r, root), head };
  }
  if (
    modelType === "llama" || archs.includes("LlamaForCausalLM") ||
    archs.includes("LlamaForSequenceClassification")
  ) {
    return { ...parseLlama(r, root), head };
  }
  throw new ConfigError(
    source,
    modelType ? "model_type" : "architectures",
    `is ${JSON.stringify(modelType || archs)}; supported: ${SUPPORTED}`,
  );
}

function common(r: Reader) {
  const hiddenSize = r.positiveInt("hidden_size");
  const numHeads = r.positiveInt("num_attention_heads");
  const numKvHeads = r.positiveInt("num_key_value_heads", numHeads);
  if (numHeads % numKvHeads !== 0) {
    throw new ConfigError(
      r.source,
      "num_key_value_heads",
      `(${numKvHeads}) must divide num_attention_heads (${numHeads})`,
    );
  }
  const headDim = r.positiveInt("head_dim", hiddenSize / numHeads);
  if (headDim % 2 !== 0) {
    throw new ConfigError(
      r.source,
      "head_dim",
      `must be even for RoPE, got ${headDim}`,
    );
  }
  return {
    vocabSize: r.positiveInt("vocab_size"),
    hiddenSize,
    intermediateSize: r.positiveInt("intermediate_size"),
    numLayers: r.positiveInt("num_hidden_layers"),
    numHeads,
    numKvHeads,
    headDim,
    maxPositionEmbeddings: r.positiveInt("max_position_embeddings", 2048),
    bosTokenId: r.has("bos_token_id") ? r.tokenIds("bos_token_id")[0] : null,
    eosTokenIds: r.tokenIds("eos_token_id"),
    padTokenId: r.has("pad_token_id") ? r.tokenIds("pad_token_id")[0] : null,
    torchDtype: r.string("torch_dtype", r.string("dtype", "float32")),
  };
}

/**
 * "score" when `architectures` names a sequence classifier (transformers
 * writes `LlamaForSequenceClassification`, `Gemma3TextForSequenceClassification`).
 */
function headOf(json: Json): "lm" | "score" {
  const archs = Array.isArray(json.architectures) ? json.architectures : [];
  return archs.some((a) =>
      typeof a === "string" && a.endsWith("ForSequenceClassification")
    )
    ? "score"
    : "lm";
}

/** Reads `rope_scaling` (or the newer `rope_parameters`) into a {@link RopeScaling}. */
function ropeScaling(r: Reader, field: string, value: unknown): RopeScaling {
  if (value === undefined || value === null) return { type: "default" };
  if (typeof value !== "object") {
    throw new ConfigError(r.source, field, "must be an object or null");
  }
  const s = new Reader(value as Json, `${r.source} ${field}`);
  const type = s.string("rope_type", s.string("type", "default"));
  if (type === "default") return { type };
  if (type === "linear") return { type, factor: s.number("factor") };
  if (type === "llama3") {
    return {
      type,
      factor: s.number("factor"),
      lowFreqFactor: s.number("low_freq_factor"),
      highFreqFactor: s.number("high_freq_factor"),
      originalMaxPositionEmbeddings: s.positiveInt(
        "original_max_position_embeddings",
      ),
    };
  }
  throw new ConfigError(
    r.source,
    `${field}.rope_type`,
    `"${type}" is not supported (default, linear, llama3)`,
  );
}

function parseLlama(r: Reader, raw: Json): Omit<ModelConfig, "head"> {
  const c = common(r);
  r.mustBeNull(
    "sliding_window",
    "Llama sliding-window attention is not supported",
  );
  const act = r.string("hidden_act", "silu");
  if (act !== "silu") {
    throw new ConfigError(
      r.source,
      "hidden_act",
      `"${act}" is not supported for llama (silu)`,
    );
  }
  if (r.int("pretraining_tp", 1) !== 1) {
    throw new ConfigError(
      r.source,
      "pretraining_tp",
      "must be 1 (tensor-parallel slicing is not supported)",
    );
  }
  return {
    family: "llama",
    ...c,
    rmsNormEps: r.number("rms_norm_eps", 1e-6),
    normOffset: 0,
    activation: "silu",
    embedScale: 1,
    attnScale: 1 / Math.sqrt(c.headDim),
    qkNorm: false,
    sandwichNorms: false,
    layerTypes: Array(c.numLayers).fill("full_attention"),
    slidingWindow: null,
    ropeTheta: r.number("rope_theta", 10000),
    ropeScaling: ropeScaling(r, "rope_scaling", raw.rope_scaling),
    ropeLocalTheta: r.number("rope_theta", 10000),
    tieWordEmbeddings: r.bool("tie_word_embeddings", false),
    attentionBias: r.bool("attention_bias", false),
    mlpBias: r.bool("mlp_bias", false),
    raw,
  };
}

function parseGemma3(r: Reader, raw: Json): Omit<ModelConfig, "head"> {
  const c = common(r);
  r.mustBeNull(
    "attn_logit_softcapping",
    "attention softcapping is not implemented (null in every Gemma 3)",
  );
  r.mustBeNull(
    "final_logit_softcapping",
    "final-logit softcapping is not implemented (null in every Gemma 3)",
  );
  if (r.bool("use_bidirectional_attention", false)) {
    throw new ConfigError(
      r.source,
      "use_bidirectional_attention",
      "is true; only causal decoders are supported",
    );
  }
  const act = r.string(
    "hidden_activation",
    r.string("hidden_act", "gelu_pytorch_tanh"),
  );
  if (act !== "gelu_pytorch_tanh") {
    throw new ConfigError(
      r.source,
      "hidden_activation",
      `"${act}" is not supported (gelu_pytorch_tanh)`,
    );
  }
  const layerTypes = gemmaLayerTypes(r, raw, c.numLayers);
  const slidingWindow = r.positiveInt("sliding_window", 4096);
  // Newer configs put the two RoPE bases under rope_parameters.
  const params = raw.rope_parameters as Json | undefined;
  const full = params?.full_attention as Json | undefined;
  const local = params?.sliding_attention as Json | undefined;
  const ropeTheta = typeof full?.rope_theta === "number"
    ? full.rope_theta
    : r.number("rope_theta", 1_000_000);
  const ropeLocalTheta = typeof local?.rope_theta === "number"
    ? local.rope_theta
    : r.number("rope_local_base_freq", 10000);
  return {
    family: "gemma3",
    ...c,
    rmsNormEps: r.number("rms_norm_eps", 1e-6),
    normOffset: 1,
    activation: "gelu_tanh",
    // transformers keeps √hidden as a buffer in the weights' dtype, so a bf16
    // checkpoint multiplies by √hidden rounded to bf16 (√640 → 25.25).
    embedScale: roundToDtype(Math.sqrt(c.hiddenSize), c.torchDtype),
    attnScale: 1 / Math.sqrt(r.number("query_pre_attn_scalar", c.headDim)),
    qkNorm: true,
    sandwichNorms: true,
    layerTypes,
    slidingWindow,
    ropeTheta,
    ropeScaling: ropeScaling(
      r,
      full ? "rope_parameters.full_attention" : "rope_scaling",
      full ?? raw.rope_scaling,
    ),
    ropeLocalTheta,
    tieWordEmbeddings: r.bool("tie_word_embeddings", true),
    attentionBias: r.bool("attention_bias", false),
    mlpBias: false,
    raw,
  };
}

function gemmaLayerTypes(r: Reader, raw: Json, numLayers: number): LayerType[] {
  if (Array.isArray(raw.layer_types)) {
    const types = raw.layer_types as unknown[];
    if (types.length !== numLayers) {
      throw new ConfigError(
        r.source,
        "layer_types",
        `has ${types.length} entries but num_hidden_layers is ${numLayers}`,
      );
    }
    types.forEach((t, i) => {
      if (t !== "full_attention" && t !== "sliding_attention") {
        throw new ConfigError(
          r.source,
          `layer_types[${i}]`,
          `is ${
            JSON.stringify(t)
          }; expected full_attention or sliding_attention`,
        );
      }
    });
    return types as LayerType[];
  }
  const pattern = r.has("sliding_window_pattern")
    ? r.positiveInt("sliding_window_pattern")
    : r.positiveInt("_sliding_window_pattern", 6);
  return Array.from(
    { length: numLayers },
    (_, i) => (i + 1) % pattern === 0 ? "full_attention" : "sliding_attention",
  );
}

/** Total parameter count implied by a config (embeddings counted once when tied). */
export function parameterCount(c: ModelConfig): number {
  const q = c.numHeads * c.headDim, kv = c.numKvHeads * c.headDim;
  const attn = c.hiddenSize * (q + 2 * kv) + q * c.hiddenSize +
    (c.attentionBias ? q + 2 * kv + c.hiddenSize : 0) +
    (c.qkNorm ? 2 * c.headDim : 0);
  const mlp = 3 * c.hiddenSize * c.intermediateSize +
    (c.mlpBias ? 2 * c.intermediateSize + c.hiddenSize : 0);
  const norms = (c.sandwichNorms ? 4 : 2) * c.hiddenSize;
  const embed = c.vocabSize * c.hiddenSize;
  return c.numLayers * (attn + mlp + norms) + embed + c.hiddenSize +
    (c.tieWordEmbeddings ? 0 : embed);
}

/** Rounds a float64 to float32 and then to a 16-bit float dtype (round to nearest even), as a cast would. */
export function roundToDtype(value: number, dtype: string): number {
  const f32 = Math.fround(value);
  if (dtype === "bfloat16") {
    const bits = new Uint32Array(new Float32Array([f32]).buffer)[0];
    const rounded = (bits + 0x7fff + ((bits >>> 16) & 1)) & 0xffff0000;
    return new Float32Array(new Uint32Array([rounded >>> 0]).buffer)[0];
  }
  if (dtype === "float16") {
    // 11 significant bits: round the float32 mantissa to 10 stored bits (normal range).
    const exponent = Math.floor(Math.log2(Math.abs(f32)));
    const step = Math.pow(2, exponent - 10);
    const q = f32 / step, floor = Math.floor(q), rest = q - floor;
    const n = rest > 0.5 || (rest === 0.5 && floor % 2 === 1)
      ? floor + 1
      : floor;
    return n * step;
  }
  return f32;
}
