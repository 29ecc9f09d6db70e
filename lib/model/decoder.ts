/**
 * The causal language model shared by both families. {@link CausalLM.forward}
 * reads top to bottom: embed, decoder layers (each family's arrangement of
 * norms and the sub-layers of sublayers.ts: gemma3.ts, llama.ts), final
 * norm; {@link CausalLM.logits} then applies the LM head. Weights have HF
 * names; adapters plug into the linear layers (LoRA lives in lib/peft and
 * plugs in through {@link LinearAdapter}).
 *
 * Storage stays behind small helpers. Each weight lives in one of two places:
 * `weights` (tf.Variables on the backend's heap) or `hostWeights` (frozen
 * {@link HostMatrix}es in JS memory, for models too big for the 4 GiB wasm
 * heap; see host_weights.ts), and `linear()` and `embed()` read either. Code
 * that only needs a weight's shape or values should use
 * `weightShape`/`weightValues`, which answer for both. A pass's KV-cache
 * slots, RoPE tables and masks are in attention_inputs.ts; recomputing
 * layers in the backward pass ({@link CausalLM.recomputeLayers}) in
 * recompute.ts.
 *
 * @module
 */
import { tf } from "../engine/mod.ts";
import { AttentionInputs, type RopeTensors } from "./attention_inputs.ts";
import type { LayerType, ModelConfig } from "./config.ts";
import { gemma3Layer } from "./gemma3.ts";
import { EmbeddingRowGradients } from "./embedding_rows.ts";
import { HostMatrix, type OffloadMode, planOffload } from "./host_weights.ts";
import type { KVCache } from "./kv_cache.ts";
import { type LayerContext, rmsNorm } from "./layers.ts";
import { llamaLayer } from "./llama.ts";
import { recomputed } from "./recompute.ts";
import { layerFrequencies } from "./rope.ts";
import { mlp, selfAttention } from "./sublayers.ts";
import {
  randomArrays,
  type WeightArrays,
  weightSpecs,
  weightVariable,
} from "./weights.ts";

/** An extra path added to a linear layer's output (e.g. LoRA's B·A·x·scale). */
export interface LinearAdapter {
  /** x: [N, in] → delta [N, out], added to the frozen layer's output. */
  forward(x: tf.Tensor2D): tf.Tensor2D;
  /** The trainable variables forward() reads (needed to recompute a layer in the backward pass). */
  readonly parameters?: tf.Variable[];
}

/** Options of one forward pass. */
export interface ForwardOptions {
  /** [B × T] flat, 1 for real tokens and 0 for padding (default: all real). */
  attentionMask?: ArrayLike<number>;
  /** Continue from and extend this cache (generation). */
  cache?: KVCache;
}

const LAYERS = { gemma3: gemma3Layer, llama: llamaLayer };
const EMBEDDING = "model.embed_tokens.weight";

/** How {@link CausalLM.fromArrays} and {@link CausalLM.random} store the weights. */
export interface BuildOptions {
  /** Make every weight trainable (full fine-tuning). Default false: frozen. */
  trainable?: boolean;
  /** Which weights go to host memory (default `auto`: only when the heap is too small). */
  offload?: OffloadMode;
}

/** A decoder-only transformer with HF-named float32 weights. */
export class CausalLM {
  /** Linear-layer adapters by module name (e.g. "model.layers.0.self_attn.q_proj"). */
  readonly adapters = new Map<string, LinearAdapter>();
  /** When false, adapters are skipped: the frozen base model (the reference for KL and DPO). */
  adaptersEnabled = true;
  /**
   * Recompute each decoder layer during the backward pass instead of storing
   * its activations (what HF's `gradient_checkpointing` turns on); ignored
   * with a KV cache.
   */
  recomputeLayers = false;
  /** The row-gradient path of a heap embedding (embedding_rows.ts), which the optimizer step turns on. */
  readonly embeddingRows?: EmbeddingRowGradients;
  /** Inverse RoPE frequencies by attention type. */
  private readonly ropeFrequencies: Record<LayerType, Float64Array>;

  /**
   * `weights`: the weights on the backend's heap; `hostWeights`: the frozen
   * ones in host memory. Every weight of the config is in exactly one.
   */
  constructor(
    readonly config: ModelConfig,
    readonly weights: Map<string, tf.Variable>,
    readonly hostWeights: Map<string, HostMatrix> = new Map(),
  ) {
    for (const spec of weightSpecs(config)) {
      const w = weights.get(spec.name) ?? hostWeights.get(spec.name);
      if (!w) throw new Error(`CausalLM: weight "${spec.name}" missing`);
      if (weights.has(spec.name) && hostWeights.has(spec.name)) {
        throw new Error(
          `CausalLM: weight "${spec.name}" is both on the heap and in host memory`,
        );
      }
      if (w.shape.join() !== spec.shape.join()) {
        throw new Error(
          `CausalLM: weight "${spec.name}" has shape [${w.shape}], expected [${spec.shape}]`,
        );
      }
    }
    this.ropeFrequencies = layerFrequencies(config);
    const embedding = weights.get(EMBEDDING);
    if (embedding) this.embeddingRows = new EmbeddingRowGradients(embedding);
  }

  /**
   * Builds a model from float32 arrays by HF name (frozen unless
   * `trainable`). Weights placed in host memory keep the given arrays
   * without copying them; heap weights are copied onto the heap.
   */
  static fromArrays(
    config: ModelConfig,
    arrays: WeightArrays,
    options: BuildOptions = {},
  ): CausalLM {
    const host = planOffload(config, { ...options, source: "CausalLM" });
    const weights = new Map<string, tf.Variable>();
    const hostWeights = new Map<string, HostMatrix>();
    try {
      for (const spec of weightSpecs(config)) {
        const a = arrays.get(spec.name);
        if (!a) throw new Error(`missing weight "${spec.name}"`);
        if (host.has(spec.name)) {
          hostWeights.set(
            spec.name,
            new HostMatrix(a.shape[0], a.shape[1], a.data),
          );
          continue;
        }
        weights.set(
          spec.name,
          weightVariable(a.data, a.shape, options.trainable ?? false),
        );
      }
    } catch (error) {
      for (const w of weights.values()) w.dispose();
      throw error;
    }
    return new CausalLM(config, weights, hostWeights);
  }

  /** A freshly initialised model: normal(0, std) linears and embeddings, neutral norms. */
  static random(
    config: ModelConfig,
    options: BuildOptions & { seed?: number; std?: number } = {},
  ): CausalLM {
    return CausalLM.fromArrays(
      config,
      randomArrays(config, options.seed ?? 0, options.std ?? 0.02),
      options,
    );
  }

  /**
   * The matrix that maps hidden states to vocabulary logits ([V, D]): a
   * heap variable, or a frozen host matrix when the head is offloaded.
   */
  head(): tf.Variable | HostMatrix {
    if (this.config.head === "score") {
      throw new Error(
        "this model is a sequence classifier (a score head, no LM head): it scores sequences and cannot give token logits; load it with loadSequenceClassifier",
      );
    }
    const name = this.config.tieWordEmbeddings ? EMBEDDING : "lm_head.weight";
    return this.weights.get(name) ?? this.hostWeights.get(name)!;
  }

  /**
   * The LM head as a heap tensor ([V, D]). Throws when the head lives in
   * host memory; {@link head} answers for both.
   */
  headWeight(): tf.Tensor2D {
    const head = this.head();
    if (head instanceof HostMatrix) {
      throw new Error(
        "headWeight: the LM head of this model is in host memory (offloaded), not a heap tensor; use head()",
      );
    }
    return head as tf.Tensor2D;
  }

  /** Shape of the weight `name`, on the heap or in host memory. */
  weightShape(name: string): number[] {
    const w = this.weights.get(name) ?? this.hostWeights.get(name);
    if (!w) throw new Error(`weightShape: no weight "${name}"`);
    return [...w.shape];
  }

  /**
   * Float32 values of the weight `name`: a copy read from the heap, or the
   * host matrix's own array (not a copy: change it only through
   * {@link addToWeight}).
   */
  weightValues(name: string): Float32Array {
    const host = this.hostWeights.get(name);
    if (host) return host.data;
    const w = this.weights.get(name);
    if (!w) throw new Error(`weightValues: no weight "${name}"`);
    return w.dataSync() as Float32Array;
  }

  /**
   * Trainable variables whose module name starts with `prefix`: base weights
   * marked trainable and the parameters of enabled adapters.
   */
  trainableParameters(prefix = ""): tf.Variable[] {
    const out: tf.Variable[] = [];
    for (const [name, w] of this.weights) {
      if (w.trainable && name.startsWith(prefix)) out.push(w);
    }
    if (this.adaptersEnabled) {
      for (const [name, adapter] of this.adapters) {
        if (!name.startsWith(prefix)) continue;
        for (const p of adapter.parameters ?? []) if (p.trainable) out.push(p);
      }
    }
    return out;
  }

  /**
   * W ← W + delta for the weight `name` (LoRA merge and unmerge). The only
   * way code outside the model changes a base weight in place.
   */
  addToWeight(name: string, delta: tf.Tensor): void {
    const host = this.hostWeights.get(name);
    if (host) {
      try {
        host.addInPlace(delta);
      } catch (error) {
        throw new Error(`addToWeight "${name}": ${(error as Error).message}`);
      }
      return;
    }
    const w = this.weights.get(name);
    if (!w) throw new Error(`addToWeight: no weight "${name}"`);
    if (w.shape.join() !== delta.shape.join()) {
      throw new Error(
        `addToWeight: delta [${delta.shape}] does not match "${name}" [${w.shape}]`,
      );
    }
    w.assign(tf.tidy(() => tf.add(w, delta)));
  }

  /**
   * The heap weights' HF names and variables, in checkpoint order: every
   * weight unless some are offloaded, which are left out (they are frozen
   * host arrays, not variables; list all names with `weightSpecs(config)` and
   * read any weight with {@link weightValues}).
   */
  namedWeights(): [string, tf.Variable][] {
    return weightSpecs(this.config)
      .filter((s) => this.weights.has(s.name))
      .map((s) => [s.name, this.weights.get(s.name)!]);
  }

  /**
   * Runs the decoder on `ids` [B, T] and returns the final-norm hidden states
   * [B, T, D]. With a cache, the new tokens continue the cached sequence.
   */
  forward(ids: tf.Tensor2D, options: ForwardOptions = {}): tf.Tensor3D {
    return tf.tidy(() => {
      const inputs = new AttentionInputs(
        this.config,
        this.ropeFrequencies,
        ids.shape,
        options,
      );
      let x = this.embed(ids);
      for (let i = 0; i < this.config.numLayers; i++) {
        x = this.layer(i, x, inputs, options.cache);
      }
      return this.norm("model.norm.weight", x) as tf.Tensor3D;
    });
  }

  /** Vocabulary logits for hidden states [..., D] → [..., V]. */
  logits(hidden: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const d = this.config.hiddenSize;
      const flat = tf.reshape(hidden, [-1, d]) as tf.Tensor2D;
      const head = this.head();
      const out = head instanceof HostMatrix
        ? head.linear(flat)
        : tf.matMul(flat, head, false, true);
      return tf.reshape(out, [
        ...hidden.shape.slice(0, -1),
        this.config.vocabSize,
      ]);
    });
  }

  /** y = x·Wᵀ (+ b) (+ adapter delta) for the linear module `name`; x is [N, in]. */
  linear(name: string, x: tf.Tensor2D): tf.Tensor2D {
    const host = this.hostWeights.get(`${name}.weight`);
    let y: tf.Tensor2D = host ? host.linear(x) : tf.matMul(
      x,
      this.weights.get(`${name}.weight`)! as tf.Tensor2D,
      false,
      true,
    );
    const bias = this.weights.get(`${name}.bias`);
    if (bias) y = tf.add(y, bias) as tf.Tensor2D;
    const adapter = this.adaptersEnabled ? this.adapters.get(name) : undefined;
    return adapter ? tf.add(y, adapter.forward(x)) : y;
  }

  /** RMSNorm of x over its last axis with the weight `name` (norms stay on the heap). */
  norm(name: string, x: tf.Tensor): tf.Tensor {
    const c = this.config;
    return rmsNorm(x, this.weights.get(name)!, c.rmsNormEps, c.normOffset);
  }

  /** The embedding rows of `ids` [B, T] → [B, T, D], times the family's scale. */
  private embed(ids: tf.Tensor2D): tf.Tensor3D {
    const host = this.hostWeights.get(EMBEDDING);
    const rows = this.embeddingRows;
    const x =
      (host
        ? host.gatherRows(ids)
        : rows?.active
        ? rows.lookup(ids)
        : tf.gather(
          this.weights.get(EMBEDDING)!,
          tf.cast(ids, "int32"),
        )) as tf.Tensor3D;
    const scale = this.config.embedScale;
    return scale !== 1 ? tf.mul(x, scale) : x;
  }

  /**
   * Decoder layer `i` on x [B, T, D]: the family's arrangement of norms,
   * attention and MLP. Without a cache and with {@link recomputeLayers}, its
   * activations are recomputed in the backward pass instead of kept.
   */
  private layer(
    i: number,
    x: tf.Tensor3D,
    inputs: AttentionInputs,
    cache: KVCache | undefined,
  ): tf.Tensor3D {
    const decoderLayer = LAYERS[this.config.family];
    const type = this.config.layerTypes[i];
    const prefix = `model.layers.${i}`;
    const context = (rope: RopeTensors, mask?: tf.Tensor): LayerContext => ({
      norm: (name, h) =>
        this.norm(`${prefix}.${name}.weight`, h) as tf.Tensor3D,
      attention: (h) =>
        selfAttention(
          this,
          this.config,
          i,
          h,
          rope,
          cache,
          (start, size) => mask ?? inputs.mask(type, start, size),
        ),
      mlp: (h) => mlp(this, this.config, i, h),
    });
    if (!this.recomputeLayers || cache) {
      return decoderLayer(context(inputs.rope[type]), x);
    }
    // Only the layer input and these constants stay alive for backward.
    const constants = [
      inputs.rope[type].cos,
      inputs.rope[type].sin,
      inputs.mask(type, 0, x.shape[1]),
    ];
    return recomputed(
      (h, [cos, sin, mask]) =>
        decoderLayer(context({ cos, sin }, mask), h as tf.Tensor3D),
      x,
      constants,
      this.trainableParameters(`${prefix}.`),
    ) as tf.Tensor3D;
  }

  /** Frees every weight (adapters are owned by whoever attached them). */
  dispose(): void {
    this.embeddingRows?.dispose();
    for (const w of this.weights.values()) w.dispose();
    this.hostWeights.clear(); // the arrays go to the garbage collector
  }
}
