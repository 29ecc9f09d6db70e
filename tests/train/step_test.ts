/**
 * The shared optimizer step: token-weighted micro-batches equal one big
 * batch, max_grad_norm 0 measures without clipping, statistics are
 * averaged with the micro-batch weights, a parameter without a gradient is
 * left alone, and a single micro-batch of weight 1 is exactly the plain
 * gradient → clip → AdamW path.
 *
 * To see the gradient a step applied: AdamW's first step moves each weight
 * by −lr·g / (|g| + eps), so with lr = eps ≫ |g| the change is −g to about
 * one part in a million.
 */
import assert from "node:assert/strict";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import { padBatch, type TokenBatch } from "../../lib/model/batch.ts";
import { CausalLM } from "../../lib/model/decoder.ts";
import { clipGradNorm } from "../../lib/train/clip.ts";
import { causalLmLoss } from "../../lib/train/lm_loss.ts";
import { AdamW } from "../../lib/train/optimizer.ts";
import { type MicroBatchLoss, optimizerStep } from "../../lib/train/step.ts";
import { Rng } from "../../lib/util/random.ts";
import { tinyLlamaConfig } from "../helpers/tiny_models.ts";
import { gradsByName } from "./helpers.ts";

await initEngine({ verbose: false });

const BIG = 1e6;

/** Sequences of 9, 6 and 4 tokens whose loss masks leave 6, 2 and 3 targets. */
function sequences(): { ids: number[]; mask: number[] }[] {
  const rng = new Rng(5);
  const ids = (n: number) => Array.from({ length: n }, () => rng.int(40));
  return [
    { ids: ids(9), mask: [0, 0, 0, 1, 1, 1, 1, 1, 1] },
    { ids: ids(6), mask: [0, 0, 0, 0, 1, 1] },
    { ids: ids(4), mask: [0, 1, 1, 1] },
  ];
}

function model(seed = 3): CausalLM {
  return CausalLM.random(tinyLlamaConfig(), { seed, trainable: true });
}

/** The AdamW whose first step reveals the gradient (see the module comment). */
function revealing(params: [string, tf.Variable][]): AdamW {
  return new AdamW(params, { lr: BIG, eps: BIG, weightDecay: 0 });
}

const snapshot = (params: [string, tf.Variable][]) =>
  new Map(params.map(([n, v]) => [n, v.dataSync().slice() as Float32Array]));

/** −(after − before) per parameter: the applied gradient under {@link revealing}. */
function applied(
  before: Map<string, Float32Array>,
  params: [string, tf.Variable][],
): Map<string, Float32Array> {
  return new Map(params.map(([n, v]) => {
    const now = v.dataSync(), was = before.get(n)!;
    return [n, was.map((x, i) => x - now[i])];
  }));
}

/** Largest |a − b| / max(1e-3, max |b|) over the parameters. */
function worst(
  a: Map<string, ArrayLike<number>>,
  b: Map<string, ArrayLike<number>>,
): number {
  let out = 0;
  for (const [name, ys] of b) {
    const xs = a.get(name)!;
    let scale = 1e-3, diff = 0;
    for (let i = 0; i < ys.length; i++) {
      scale = Math.max(scale, Math.abs(ys[i]));
      diff = Math.max(diff, Math.abs(xs[i] - ys[i]));
    }
    out = Math.max(out, diff / scale);
  }
  return out;
}

const lmLoss = (m: CausalLM) => (b: TokenBatch): MicroBatchLoss => {
  const { loss, tokens } = causalLmLoss(m, b);
  return { loss, weight: tokens };
};

Deno.test("optimizerStep: token-weighted micro-batches apply the gradient of one big batch", () => {
  const seqs = sequences();
  // The reference: the full batch's gradient and loss, taken directly.
  const ref = model();
  const refParams = ref.namedWeights();
  const full = padBatch(seqs, 0);
  const { value, grads } = tf.variableGrads(
    () => causalLmLoss(ref, full).loss,
    refParams.map(([, v]) => v),
  );
  const want = new Map(
    [...gradsByName(refParams, grads)].map(([n, g]) => [n, g.dataSync()]),
  );
  const wantLoss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads)]);
  ref.dispose();

  const micro = [padBatch(seqs.slice(0, 2), 0), padBatch(seqs.slice(2), 0)];
  const run = (weighted: boolean) => {
    const m = model();
    const params = m.namedWeights();
    const optimizer = revealing(params);
    const before = snapshot(params);
    const r = optimizerStep({ params, optimizer }, {
      microBatches: micro,
      loss: (b) => ({ ...lmLoss(m)(b), ...(weighted ? {} : { weight: 1 }) }),
      lr: BIG,
      maxGradNorm: 0,
    });
    const got = applied(before, params);
    optimizer.dispose();
    m.dispose();
    return { r, got };
  };
  const weighted = run(true);
  assert.equal(weighted.r.totalWeight, 6 + 2 + 3);
  assert.ok(Math.abs(weighted.r.loss - wantLoss) < 1e-5, "weighted mean loss");
  const err = worst(weighted.got, want);
  assert.ok(err < 1e-4, `applied gradient vs full batch: ${err}`);
  // A plain mean of the two micro-batches weighs the short one's tokens more.
  const plain = run(false);
  assert.ok(worst(plain.got, want) > 1e-2, "unweighted differs");
});

Deno.test("optimizerStep: max_grad_norm 0 measures the norm and does not clip", () => {
  const micro = [padBatch(sequences(), 0)];
  const run = (maxGradNorm: number) => {
    const m = model();
    const params = m.namedWeights();
    const optimizer = revealing(params);
    const before = snapshot(params);
    const r = optimizerStep({ params, optimizer }, {
      microBatches: micro,
      loss: lmLoss(m),
      lr: BIG,
      maxGradNorm,
    });
    const got = applied(before, params);
    optimizer.dispose();
    m.dispose();
    return { norm: r.gradNorm, got };
  };
  const off = run(0);
  assert.ok(off.norm > 0.1, `norm measured: ${off.norm}`);
  const loose = run(1e30);
  assert.equal(loose.norm, off.norm);
  assert.ok(worst(off.got, loose.got) < 1e-6, "no clipping: the full gradient");
  const half = run(off.norm / 2);
  const scaled = new Map(
    [...off.got].map(([n, g]) => [n, g.map((x) => x / 2)]),
  );
  assert.ok(worst(half.got, scaled) < 1e-4, "clipped to half the norm");
});

Deno.test("optimizerStep: statistics are averaged with the weights, nothing leaks", () => {
  const m = model();
  const params = m.namedWeights();
  const optimizer = new AdamW(params, { lr: 1e-3 });
  const micro = [
    padBatch(sequences().slice(0, 1), 0),
    padBatch(sequences().slice(2), 0),
  ];
  const step = () =>
    optimizerStep({ params, optimizer }, {
      microBatches: micro,
      loss: (b, k) => {
        const { loss, tokens } = causalLmLoss(m, b);
        return {
          loss,
          weight: tokens,
          stats: { index: tf.scalar(k + 1), "loss/copy": tf.mul(loss, 1) },
        };
      },
      lr: 1e-3,
      maxGradNorm: 1,
    });
  step(); // creates AdamW's moments
  const tensors = tf.memory().numTensors;
  const r = step();
  assert.equal(tf.memory().numTensors, tensors, "no tensor left behind");
  assert.deepEqual(Object.keys(r.stats), ["index", "loss/copy"]);
  // Weights 6 and 3: (1·6 + 2·3) / 9.
  assert.ok(Math.abs(r.stats.index - 12 / 9) < 1e-12);
  assert.equal(r.stats["loss/copy"], r.loss);
  optimizer.dispose();
  m.dispose();
});

Deno.test("optimizerStep: a parameter without a gradient is left alone", () => {
  const m = model();
  const unused = tf.variable(tf.fill([3], 0.5), true);
  const frozen = tf.variable(tf.fill([2], 0.25), false);
  const params: [string, tf.Variable][] = [
    ...m.namedWeights(),
    ["unused.weight", unused],
    ["frozen.weight", frozen],
  ];
  const optimizer = new AdamW(params, { lr: 1e-2, weightDecay: 0.1 });
  const r = optimizerStep({ params, optimizer }, {
    microBatches: [padBatch(sequences(), 0)],
    loss: lmLoss(m),
    lr: 1e-2,
    maxGradNorm: 1,
  });
  assert.ok(r.gradNorm > 0);
  assert.deepEqual(
    [...unused.dataSync()],
    [0.5, 0.5, 0.5],
    "no decay, no step",
  );
  assert.deepEqual([...frozen.dataSync()], [0.25, 0.25]);
  const steps = optimizer.state().paramStep;
  assert.equal(steps.has("unused.weight"), false);
  assert.equal(steps.has("frozen.weight"), false);
  assert.equal(steps.get("model.norm.weight"), 1);
  optimizer.dispose();
  tf.dispose([unused, frozen]);
  m.dispose();
});

Deno.test("optimizerStep: one micro-batch of weight 1 is exactly gradient → clip → AdamW", () => {
  const batch = padBatch(sequences(), 0);
  const options = { lr: 3e-3, weightDecay: 0.1, beta2: 0.95 };
  // By hand, as pre-training did before the shared step.
  const a = model();
  const pa = a.namedWeights();
  const oa = new AdamW(pa, options);
  for (let i = 0; i < 2; i++) {
    const { value, grads } = tf.variableGrads(
      () => causalLmLoss(a, batch).loss,
      pa.map(([, v]) => v),
    );
    const clipped = clipGradNorm(gradsByName(pa, grads), 0.5, {
      disposeInputs: true,
    });
    oa.step(clipped.grads, 3e-3);
    tf.dispose([value, ...clipped.grads.values()]);
  }
  const b = model();
  const pb = b.namedWeights();
  const ob = new AdamW(pb, options);
  for (let i = 0; i < 2; i++) {
    optimizerStep({ params: pb, optimizer: ob }, {
      microBatches: [batch],
      loss: (x) => ({ loss: causalLmLoss(b, x).loss, weight: 1 }),
      lr: 3e-3,
      maxGradNorm: 0.5,
    });
  }
  pa.forEach(([name, v], i) =>
    assert.deepEqual(pb[i][1].dataSync(), v.dataSync(), name)
  );
  [oa, ob].forEach((o) => o.dispose());
  [a, b].forEach((x) => x.dispose());
});
