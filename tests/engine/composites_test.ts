/**
 * The model-level composites (RMSNorm, SiLU, tanh-GELU, RoPE, causal
 * attention, a whole decoder block, LoRA, the GRPO loss): values and
 * gradients on wasm against cpu. These are written here as the model code
 * writes them, so a kernel that only misbehaves in combination shows up.
 */
import { tf } from "../../lib/engine/mod.ts";
import {
  ALL_WASM_TARGETS,
  compareBackends,
  compareGradients,
  f32Tolerance,
  randn,
  WASM_TARGETS,
} from "./compare.ts";

/** x·rsqrt(mean(x²) + eps)·(1 + w) over the last axis (Gemma's form). */
function rmsNorm(x: tf.Tensor, w: tf.Tensor, eps = 1e-6): tf.Tensor {
  const inv = tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps));
  return tf.mul(tf.mul(x, inv), tf.add(1, w));
}

const silu = (x: tf.Tensor) => tf.mul(x, tf.sigmoid(x));

/** 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), with x³ as x·x·x. */
function geluTanh(x: tf.Tensor): tf.Tensor {
  const cube = tf.mul(tf.mul(x, x), x);
  const inner = tf.mul(
    Math.sqrt(2 / Math.PI),
    tf.add(x, tf.mul(0.044715, cube)),
  );
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
}

/** RoPE cos/sin tables [T, D] for positions start … start+T−1. */
function ropeTables(start: number, t: number, d: number, base = 10000) {
  const invFreq = tf.pow(base, tf.div(tf.range(0, d, 2), -d)); // base^(−2i/d)
  const positions = tf.range(start, start + t);
  const freqs = tf.mul(tf.expandDims(positions, 1), tf.expandDims(invFreq, 0));
  const angles = tf.concat([freqs, freqs], -1);
  return { cos: tf.cos(angles), sin: tf.sin(angles) };
}

/** x·cos + rotate_half(x)·sin, rotate_half(x) = [−x₂, x₁] over the last axis. */
function rope(x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor): tf.Tensor {
  const [x1, x2] = tf.split(x, 2, -1);
  const rotated = tf.concat([tf.neg(x2), x1], -1);
  return tf.add(tf.mul(x, cos), tf.mul(rotated, sin));
}

/** Causal softmax attention; k and v may have fewer heads (broadcast). */
function attention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor): tf.Tensor {
  const [t, d] = q.shape.slice(-2);
  // The mask depends on no input, so no gradient flows through the comparison.
  const causal = tf.cast(tf.linalg.bandPart(tf.ones([t, t]), -1, 0), "bool");
  const scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(d));
  const masked = tf.where(causal, scores, tf.scalar(-1e9));
  return tf.matMul(tf.softmax(masked), v);
}

Deno.test("RMSNorm, SiLU and tanh-GELU: values and gradients", async () => {
  await compareGradients(
    "RMSNorm",
    () => [randn([2, 7, 129], 1), randn([129], 2, 0.1)],
    (x, w) => rmsNorm(x, w),
    { tolerance: f32Tolerance(129, 4) },
  );
  await compareGradients(
    "RMSNorm of a tiny-variance row",
    () => [randn([3, 13], 3, 1e-3), randn([13], 4, 0.1)],
    (x, w) => rmsNorm(x, w),
    { tolerance: f32Tolerance(13, 30) },
  );
  await compareGradients("SiLU", () => [randn([3, 7, 13], 5, 4)], silu, {
    tolerance: f32Tolerance(4, 4),
  });
  await compareGradients(
    "tanh-GELU",
    () => [randn([3, 7, 13], 6, 4)],
    geluTanh,
    { tolerance: f32Tolerance(4, 4) },
  );
});

Deno.test("RoPE tables and rotate_half: values and gradients", async () => {
  await compareBackends(
    "RoPE tables at positions 0… and 4090…",
    () => {
      const near = ropeTables(0, 13, 16), far = ropeTables(4090, 13, 16);
      return [near.cos, near.sin, far.cos, far.sin];
    },
    // Angles up to ~4100 rad: a 1-ulp difference in the angle moves sin by
    // ~4100·ε, so compare with that scale.
    { tolerance: f32Tolerance(1, 4100) },
  );
  await compareGradients(
    "rope(x) on [B,H,T,D]",
    () => [randn([2, 3, 13, 16], 7)],
    (x) => {
      const { cos, sin } = ropeTables(5, 13, 16);
      return rope(x, cos, sin);
    },
    { tolerance: f32Tolerance(2, 4) },
  );
});

Deno.test("causal attention with full and shared (broadcast) K/V heads", async () => {
  await compareGradients(
    "attention [2,3,13,8]",
    () => [
      randn([2, 3, 13, 8], 8),
      randn([2, 3, 13, 8], 9),
      randn([2, 3, 13, 8], 10),
    ],
    attention,
    { tolerance: f32Tolerance(13 * 8, 4), targets: ALL_WASM_TARGETS },
  );
  // One K/V head shared by three query heads: [2,3,T,D] × [2,1,D,T]. Stock
  // wasm (and cpu) mis-broadcast [B,1] against [B,H], so cpu differentiates
  // the same attention with K/V tiled to every head.
  await compareGradients(
    "grouped-query attention, K/V [2,1,13,8]",
    () => [
      randn([2, 3, 13, 8], 11),
      randn([2, 1, 13, 8], 12),
      randn([2, 1, 13, 8], 13),
    ],
    attention,
    {
      tolerance: f32Tolerance(3 * 13 * 8, 4),
      targets: WASM_TARGETS,
      reference: (q, k, v) =>
        attention(q, tf.tile(k, [1, 3, 1, 1]), tf.tile(v, [1, 3, 1, 1])),
    },
  );
});

Deno.test("a decoder block (RMSNorm, RoPE, attention, gated MLP): gradients of every weight", async () => {
  const [b, t, dModel, heads, dHead, dFf] = [2, 7, 12, 3, 4, 20];
  const inputs = () => [
    randn([b, t, dModel], 20),
    randn([dModel], 21, 0.1), // attention norm
    randn([dModel, 3 * heads * dHead], 22, 0.3), // fused QKV
    randn([heads * dHead, dModel], 23, 0.3), // output projection
    randn([dModel], 24, 0.1), // MLP norm
    randn([dModel, 2 * dFf], 25, 0.3), // gate and up
    randn([dFf, dModel], 26, 0.3), // down
  ];
  const block = (...[x, n1, wQkv, wO, n2, wGateUp, wDown]: tf.Tensor[]) => {
    const heads4 = (y: tf.Tensor) =>
      tf.transpose(tf.reshape(y, [b, t, heads, dHead]), [0, 2, 1, 3]);
    const { cos, sin } = ropeTables(0, t, dHead);
    // [B,T,K] × [K,N]: the broadcast matmul whose gradient tfjs got wrong.
    const [q, k, v] = tf.split(tf.matMul(rmsNorm(x, n1), wQkv), 3, -1);
    const mixed = attention(
      rope(heads4(q), cos, sin),
      rope(heads4(k), cos, sin),
      heads4(v),
    );
    const merged = tf.reshape(tf.transpose(mixed, [0, 2, 1, 3]), [
      b,
      t,
      heads * dHead,
    ]);
    const h = tf.add(x, tf.matMul(merged, wO));
    const [gate, up] = tf.split(tf.matMul(rmsNorm(h, n2), wGateUp), 2, -1);
    return tf.add(h, tf.matMul(tf.mul(geluTanh(gate), up), wDown));
  };
  await compareGradients("decoder block", inputs, block, {
    tolerance: f32Tolerance(b * t * dFf, 8),
    targets: ALL_WASM_TARGETS,
  });
});

Deno.test("LoRA: only the adapter matrices get gradients, the base weight stays frozen", async () => {
  await compareBackends(
    "LoRA variableGrads",
    () => {
      const w = tf.variable(randn([13, 7], 30), false, "base");
      const a = tf.variable(randn([13, 3], 31, 0.1), true, "lora_A");
      const bMat = tf.variable(randn([3, 7], 32, 0.1), true, "lora_B");
      const x = randn([2, 5, 13], 33), dy = randn([2, 5, 7], 34);
      const { value, grads } = tf.variableGrads(() => {
        const base = tf.matMul(x, w);
        const delta = tf.mul(tf.matMul(tf.matMul(x, a), bMat), 2 / 3);
        return tf.sum(tf.mul(tf.add(base, delta), dy));
      });
      if (Object.keys(grads).sort().join() !== "lora_A,lora_B") {
        throw new Error(`unexpected gradients: ${Object.keys(grads)}`);
      }
      const out = [value, grads.lora_A, grads.lora_B];
      tf.dispose([w, a, bMat]);
      return out;
    },
    { tolerance: f32Tolerance(10 * 13, 4), targets: ALL_WASM_TARGETS },
  );
});

Deno.test("GRPO loss: clipped ratio, KL to a reference, masked mean", async () => {
  const [b, t, vocab] = [3, 7, 13];
  const ids = () => tf.randomUniform([b, t], 0, vocab, "int32", 40);
  const mask = () =>
    tf.cast(
      tf.greater(tf.randomUniform([b, t], 0, 1, "float32", 41), 0.3),
      "float32",
    );
  const advantages = () => tf.reshape(tf.tensor1d([1.5, -0.5, 0.2]), [b, 1]);
  const tokenLogp = (logits: tf.Tensor) =>
    tf.sum(tf.mul(tf.oneHot(ids(), vocab), tf.logSoftmax(logits)), -1);
  const loss = (logits: tf.Tensor) => {
    const logp = tokenLogp(logits);
    // Stale-policy and reference log-probs: constants, no gradient.
    const oldLogp = tokenLogp(randn([b, t, vocab], 42, 2));
    const refLogp = tokenLogp(randn([b, t, vocab], 43, 2));
    const ratio = tf.exp(tf.sub(logp, oldLogp));
    const clipped = tf.clipByValue(ratio, 0.8, 1.2);
    const policy = tf.neg(
      tf.minimum(tf.mul(ratio, advantages()), tf.mul(clipped, advantages())),
    );
    const diff = tf.sub(refLogp, logp);
    const kl = tf.sub(tf.sub(tf.exp(diff), diff), 1);
    const perToken = tf.add(policy, tf.mul(0.04, kl));
    return tf.div(tf.sum(tf.mul(perToken, mask())), tf.sum(mask()));
  };
  await compareGradients(
    "GRPO loss",
    () => [randn([b, t, vocab], 44, 2)],
    loss,
    { tolerance: f32Tolerance(b * t * vocab, 4) },
  );
});
