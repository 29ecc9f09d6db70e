/**
 * Gemma 3 text decoder layer (`Gemma3DecoderLayer` in transformers).
 *
 *   h = x + post_attention_layernorm(Attn(input_layernorm(x)))
 *   y = h + post_feedforward_layernorm(MLP(pre_feedforward_layernorm(h)))
 *
 * with (1 + w) RMSNorms, RMSNorm on q and k over head_dim before RoPE, a
 * GeGLU MLP (tanh GELU), and scores scaled by query_pre_attn_scalar^−½.
 * Sliding or global attention per layer comes from the config's layer_types.
 *
 * @module
 */
import { tf } from "../engine/mod.ts";
import type { LayerContext } from "./layers.ts";

/** One Gemma 3 decoder layer on x [B, T, D]. */
export function gemma3Layer(ctx: LayerContext, x: tf.Tensor3D): tf.Tensor3D {
  const { norm, attention, mlp } = ctx;
  const attended = norm(
    "post_attention_layernorm",
    attention(norm("input_layernorm", x)),
  );
  const h = tf.add(x, attended) as tf.Tensor3D;
  const fed = norm(
    "post_feedforward_layernorm",
    mlp(norm("pre_feedforward_layernorm", h)),
  );
  return tf.add(h, fed) as tf.Tensor3D;
}
