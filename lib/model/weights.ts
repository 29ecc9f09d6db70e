/**
 * The parameter layout of both families under Hugging Face tensor names, and
 * validation of a checkpoint's tensors against it. Linear weights keep HF's
 * [out, in] layout, so checkpoints, LoRA adapters and PEFT files map 1:1.
 *
 * @module
 */
import { tf } from "../engine/mod.ts";
import { Rng } from "../util/random.ts";
import type { ModelConfig } from "./config.ts";

/** One expected tensor: its HF name and shape. */
export interface WeightSpec {
  name: string;
  shape: number[];
  /** How a fresh model initialises it. */
  init: "normal" | "zeros" | "ones";
}

/** Names of the linear layers of layer `i`, in HF order (used by LoRA target matching). */
export function linearNames(i: number): string[] {
  const p = `model.layers.${i}`;
  return [
    `${p}.self_attn.q_proj`,
    `${p}.self_attn.k_proj`,
    `${p}.self_attn.v_proj`,
    `${p}.self_attn.o_proj`,
    `${p}.mlp.gate_proj`,
    `${p}.mlp.up_proj`,
    `${p}.mlp.down_proj`,
  ];
}

/**
 * Every tensor of the decoder a checkpoint of this config must provide, with
 * shapes. A sequence classifier (`head: "score"`) has no `lm_head.weight`;
 * its `score.weight` belongs to sequence_classifier.ts, not to the decoder.
 */
export function weightSpecs(c: ModelConfig): WeightSpec[] {
  const d = c.hiddenSize,
    q = c.numHeads * c.headDim,
    kv = c.numKvHeads * c.headDim;
  // Gemma norms store w for x̂·(1 + w), so "no change" is zeros; Llama's is ones.
  const normInit = c.normOffset ? "zeros" : "ones";
  const specs: WeightSpec[] = [{
    name: "model.embed_tokens.weight",
    shape: [c.vocabSize, d],
    init: "normal",
  }];
  for (let i = 0; i < c.numLayers; i++) {
    const p = `model.layers.${i}`;
    const linear = (name: string, out: number, inp: number, bias: boolean) => {
      specs.push({
        name: `${p}.${name}.weight`,
        shape: [out, inp],
        init: "normal",
      });
      if (bias) {
        specs.push({ name: `${p}.${name}.bias`, shape: [out], init: "zeros" });
      }
    };
    const norm = (name: string, size = d) =>
      specs.push({
        name: `${p}.${name}.weight`,
        shape: [size],
        init: normInit,
      });
    norm("input_layernorm");
    linear("self_attn.q_proj", q, d, c.attentionBias);
    linear("self_attn.k_proj", kv, d, c.attentionBias);
    linear("self_attn.v_proj", kv, d, c.attentionBias);
    linear("self_attn.o_proj", d, q, c.attentionBias);
    if (c.qkNorm) {
      norm("self_attn.q_norm", c.headDim);
      norm("self_attn.k_norm", c.headDim);
    }
    norm("post_attention_layernorm");
    if (c.sandwichNorms) {
      norm("pre_feedforward_layernorm");
      norm("post_feedforward_layernorm");
    }
    linear("mlp.gate_proj", c.intermediateSize, d, c.mlpBias);
    linear("mlp.up_proj", c.intermediateSize, d, c.mlpBias);
    linear("mlp.down_proj", d, c.intermediateSize, c.mlpBias);
  }
  specs.push({ name: "model.norm.weight", shape: [d], init: normInit });
  if (!c.tieWordEmbeddings && c.head === "lm") {
    specs.push({
      name: "lm_head.weight",
      shape: [c.vocabSize, d],
      init: "normal",
    });
  }
  return specs;
}

/** Tensors HF checkpoints may carry that the model recomputes or ties, and so ignores. */
const IGNORABLE = [/\.rotary_emb\.inv_freq$/];

/**
 * Maps checkpoint names onto the model's names: drops the multimodal prefix
 * (`language_model.`) and, for tied models, a redundant `lm_head.weight`.
 * For a sequence classifier, `score.weight` is read by its own loader and a
 * causal checkpoint's `lm_head.weight` is not used (transformers drops it
 * the same way when it loads a causal LM as a classifier). Returns the
 * names that are missing, unexpected or misshapen as one error.
 */
export function matchCheckpoint(
  c: ModelConfig,
  available: Map<string, number[]>,
  source: string,
): Map<string, string> {
  const byModelName = new Map<string, string>();
  for (const name of available.keys()) {
    const normalised = name.replace(/^language_model\./, "").replace(
      /^model\.language_model\./,
      "model.",
    );
    byModelName.set(normalised, name);
  }
  const problems: string[] = [];
  const mapping = new Map<string, string>();
  for (const spec of weightSpecs(c)) {
    const stored = byModelName.get(spec.name);
    if (!stored) {
      problems.push(
        `missing tensor "${spec.name}" (expected shape [${spec.shape}])`,
      );
      continue;
    }
    const shape = available.get(stored)!;
    if (
      shape.length !== spec.shape.length ||
      shape.some((s, i) => s !== spec.shape[i])
    ) {
      problems.push(
        `tensor "${stored}" has shape [${shape}], expected [${spec.shape}]`,
      );
    }
    mapping.set(spec.name, stored);
    byModelName.delete(spec.name);
  }
  if (c.tieWordEmbeddings || c.head === "score") {
    byModelName.delete("lm_head.weight");
  }
  if (c.head === "score") byModelName.delete("score.weight");
  for (const [name, stored] of byModelName) {
    if (!IGNORABLE.some((re) => re.test(name))) {
      problems.push(`unexpected tensor "${stored}"`);
    }
  }
  if (problems.length) {
    const shown = problems.slice(0, 12).join("\n  ");
    const more = problems.length > 12
      ? `\n  … and ${problems.length - 12} more`
      : "";
    throw new Error(
      `${source} does not match the ${c.family} config:\n  ${shown}${more}`,
    );
  }
  return mapping;
}

/**
 * A float32 weight as a tfjs variable. Unnamed: tfjs variable names are
 * process-global, and two models may coexist. The tidy frees the initial
 * tensor, which the variable shares: left alive, it would keep the weight
 * after dispose().
 */
export function weightVariable(
  data: Float32Array,
  shape: readonly number[],
  trainable: boolean,
): tf.Variable {
  return tf.tidy(() =>
    tf.variable(tf.tensor(data, [...shape], "float32"), trainable)
  );
}

/** Seeded random weights in HF layout (deterministic across backends: drawn in JS). */
export function randomArrays(
  config: ModelConfig,
  seed: number,
  std: number,
): WeightArrays {
  const rng = new Rng(seed);
  const out: WeightArrays = new Map();
  for (const spec of weightSpecs(config)) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (spec.init === "normal") {
      for (let i = 0; i < size; i++) data[i] = rng.normal() * std;
    } else if (spec.init === "ones") data.fill(1);
    out.set(spec.name, { shape: spec.shape, data });
  }
  return out;
}

/** Float32 weight values by HF name, as {@link CausalLM.fromArrays} takes them. */
export type WeightArrays = Map<string, { shape: number[]; data: Float32Array }>;
