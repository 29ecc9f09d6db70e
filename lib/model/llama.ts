/**
 * Llama decoder layer (`LlamaDecoderLayer` in transformers; also SmolLM).
 *
 *   h = x + Attn(input_layernorm(x))
 *   y = h + MLP(post_attention_layernorm(h))
 *
 * Pre-norm only, x̂·w RMSNorms, a SwiGLU MLP, scores scaled by head_dim^−½.
 * Note the name: Llama's `post_attention_layernorm` is the norm *before* the
 * MLP, unlike Gemma's.
 *
 * @module
 */
import { tf } from "../engine/mod.ts";
import type { LayerContext } from "./layers.ts";

/** One Llama decoder layer on x [B, T, D]. */
export function llamaLayer(ctx: LayerContext, x: tf.Tensor3D): tf.Tensor3D {
  const { norm, attention, mlp } = ctx;
  const h = tf.add(x, attention(norm("input_layernorm", x))) as tf.Tensor3D;
  return tf.add(h, mlp(norm("post_attention_layernorm", h))) as tf.Tensor3D;
}
