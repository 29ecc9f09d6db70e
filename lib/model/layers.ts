/**
 * The building blocks both decoder families share: RMSNorm, activations,
 * rotary embedding and masked multi-head attention with grouped KV heads.
 * Every function is pure tfjs and differentiable.
 *
 * @module
 */
import { tf } from "../engine/mod.ts";

/** What one family's decoder layer can call; names are relative to the layer. */
export interface LayerContext {
  norm(name: string, x: tf.Tensor3D): tf.Tensor3D;
  attention(x: tf.Tensor3D): tf.Tensor3D;
  mlp(x: tf.Tensor3D): tf.Tensor3D;
}

/**
 * RMSNorm over the last axis: x · rsqrt(mean(x²) + eps) · (offset + w).
 * Gemma stores w and multiplies by (1 + w) (offset 1); Llama uses w (offset 0).
 */
export function rmsNorm(
  x: tf.Tensor,
  weight: tf.Tensor,
  eps: number,
  offset: 0 | 1,
): tf.Tensor {
  return tf.tidy(() => {
    const variance = tf.mean(tf.square(x), -1, true);
    const normed = tf.mul(x, tf.rsqrt(tf.add(variance, eps)));
    return tf.mul(normed, offset ? tf.add(weight, 1) : weight);
  });
}

/** GELU with the tanh approximation (PyTorch's `gelu_pytorch_tanh`). x³ is written as x·x·x: tf.pow is slow on wasm. */
export function geluTanh(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const cube = tf.mul(tf.mul(x, x), x);
    const inner = tf.mul(
      tf.add(x, tf.mul(cube, 0.044715)),
      Math.sqrt(2 / Math.PI),
    );
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
  });
}

/** SiLU (swish): x · sigmoid(x). */
export function silu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
}

/**
 * Applies RoPE to `x` of shape [B, H, T, D] with cos/sin of shape [B, 1, T, D]:
 * x·cos + rotate_half(x)·sin, where rotate_half(x1, x2) = (−x2, x1).
 */
export function applyRope(
  x: tf.Tensor4D,
  cos: tf.Tensor,
  sin: tf.Tensor,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [x1, x2] = tf.split(x, 2, 3);
    const rotated = tf.concat([tf.neg(x2), x1], 3);
    return tf.add(tf.mul(x, cos), tf.mul(rotated, sin)) as tf.Tensor4D;
  });
}

/**
 * Scaled dot-product attention with grouped KV heads.
 *
 * q: [B, H, T, D]; k, v: [B, KV, S, D] with H = KV·G. The G query heads that
 * share one KV head are contiguous, so q reshapes to [B, KV, G·T, D] without a
 * copy and meets k and v directly — no repeated KV tensors, no rank-5 ops
 * (both slow on wasm). `mask` is additive, [B, 1, G·T, S] (built by the caller
 * with the group repetition already laid out).
 *
 * Returns [B, T, H·D].
 */
export function attention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  mask: tf.Tensor,
  scale: number,
): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, h, t, d] = q.shape;
    const kvHeads = k.shape[1];
    const grouped = tf.reshape(q, [b, kvHeads, (h / kvHeads) * t, d]);
    const scores = tf.add(
      tf.mul(tf.matMul(grouped, k, false, true), scale),
      mask,
    );
    const weights = tf.softmax(scores, -1);
    const out = tf.reshape(tf.matMul(weights, v), [b, h, t, d]);
    return tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [
      b,
      t,
      h * d,
    ]) as tf.Tensor3D;
  });
}
