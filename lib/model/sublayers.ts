/**
 * The two sub-layers of every decoder layer, as both families compute them:
 * self-attention (q/k/v projections, optional q/k RMSNorm, RoPE, the layer's
 * KV-cache entry, masked attention, output projection) and the gated MLP
 * (SwiGLU or GeGLU). The family files (gemma3.ts, llama.ts) arrange them with
 * norms and residuals.
 *
 * Weights are read by HF module name through {@link ModuleWeights}, so where
 * a weight lives (heap or host memory) and which adapters it carries stay the
 * model's concern.
 *
 * @module
 */
import { tf } from "../engine/mod.ts";
import type { ModelConfig } from "./config.ts";
import type { RopeTensors } from "./attention_inputs.ts";
import type { KVCache } from "./kv_cache.ts";
import { applyRope, attention, geluTanh, silu } from "./layers.ts";

/** How a sub-layer reads the model's weights, by HF module name. */
export interface ModuleWeights {
  /** y = x·Wᵀ (+ b) (+ adapter delta) for the linear module `name`; x is [N, in]. */
  linear(name: string, x: tf.Tensor2D): tf.Tensor2D;
  /** RMSNorm of x over its last axis with the weight `name`. */
  norm(name: string, x: tf.Tensor): tf.Tensor;
}

/**
 * Self-attention of layer `layer` on x [B, T, D]. With a cache, the new keys
 * and values extend the layer's cached ones; `maskFor(start, size)` gives the
 * additive mask for keys at slots [start, start + size).
 */
export function selfAttention(
  weights: ModuleWeights,
  c: ModelConfig,
  layer: number,
  x: tf.Tensor3D,
  rope: RopeTensors,
  cache: KVCache | undefined,
  maskFor: (start: number, size: number) => tf.Tensor,
): tf.Tensor3D {
  const prefix = `model.layers.${layer}`;
  const [b, t, d] = x.shape;
  const flat = tf.reshape(x, [b * t, d]) as tf.Tensor2D;
  const heads = (name: string, count: number, norm?: string) => {
    let h: tf.Tensor = tf.reshape(
      weights.linear(`${prefix}.self_attn.${name}`, flat),
      [b, t, count, c.headDim],
    );
    if (norm) h = weights.norm(`${prefix}.self_attn.${norm}.weight`, h);
    return tf.transpose(h, [0, 2, 1, 3]) as tf.Tensor4D;
  };
  const q = applyRope(
    heads("q_proj", c.numHeads, c.qkNorm ? "q_norm" : undefined),
    rope.cos,
    rope.sin,
  );
  let k = applyRope(
    heads("k_proj", c.numKvHeads, c.qkNorm ? "k_norm" : undefined),
    rope.cos,
    rope.sin,
  );
  let v = heads("v_proj", c.numKvHeads);
  let start = 0;
  if (cache) {
    const window = c.layerTypes[layer] === "sliding_attention"
      ? c.slidingWindow
      : null;
    ({ k, v, start } = cache.extend(layer, k, v, window));
  }
  const out = attention(q, k, v, maskFor(start, k.shape[2]), c.attnScale);
  const projected = weights.linear(
    `${prefix}.self_attn.o_proj`,
    tf.reshape(out, [b * t, -1]) as tf.Tensor2D,
  );
  return tf.reshape(projected, [b, t, d]) as tf.Tensor3D;
}

/** The gated MLP of layer `layer` on x [B, T, D]: down(act(gate(x)) · up(x)). */
export function mlp(
  weights: ModuleWeights,
  c: ModelConfig,
  layer: number,
  x: tf.Tensor3D,
): tf.Tensor3D {
  const prefix = `model.layers.${layer}`;
  const [b, t, d] = x.shape;
  const flat = tf.reshape(x, [b * t, d]) as tf.Tensor2D;
  const gate = weights.linear(`${prefix}.mlp.gate_proj`, flat);
  const activated = c.activation === "silu" ? silu(gate) : geluTanh(gate);
  const hidden = tf.mul(
    activated,
    weights.linear(`${prefix}.mlp.up_proj`, flat),
  ) as tf.Tensor2D;
  return tf.reshape(weights.linear(`${prefix}.mlp.down_proj`, hidden), [
    b,
    t,
    d,
  ]) as tf.Tensor3D;
}
