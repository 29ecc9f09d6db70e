/**
 * Offloaded models (frozen weights in host memory, multiplied through
 * OpenBLAS) must compute what the same model on the heap computes: log-probs,
 * generation, adapter gradients with and without recomputed layers, weight
 * merges, save/load, and the PyTorch reference values.
 */
import assert from "node:assert/strict";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import { loadOpenBlas } from "../../lib/engine/blas.ts";
import { generate } from "../../lib/generate/generate.ts";
import type { ModelConfig } from "../../lib/model/config.ts";
import { CausalLM, type LinearAdapter } from "../../lib/model/decoder.ts";
import { HostMatrix, offloadableNames } from "../../lib/model/host_weights.ts";
import { loadModel, saveModel } from "../../lib/model/load.ts";
import { sequenceLogProbs } from "../../lib/model/logprobs.ts";
import type { TokenBatch } from "../../lib/model/batch.ts";
import { causalLmLoss } from "../../lib/train/lm_loss.ts";
import { tinyGemmaConfig, tinyLlamaConfig } from "../helpers/tiny_models.ts";

await initEngine({ verbose: false });
const HAS_BLAS = loadOpenBlas().ok;
const test = (name: string, fn: () => void | Promise<void>) =>
  Deno.test({ name, ignore: !HAS_BLAS, fn });

const FAMILIES = [
  ["gemma3 (tied head)", tinyGemmaConfig()],
  ["llama (untied head)", tinyLlamaConfig()],
] as const;

/** Two rows, the second left-padded by two (ids < 40 fit both vocabularies). */
const BATCH: TokenBatch = {
  ids: Int32Array.from([
    ...[3, 7, 11, 2, 9, 14, 5, 8, 21, 4],
    ...[0, 0, 17, 6, 30, 12, 19, 25, 1, 13],
  ]),
  batch: 2,
  length: 10,
  attentionMask: Uint8Array.from([
    ...[1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
    ...[0, 0, 1, 1, 1, 1, 1, 1, 1, 1],
  ]),
};

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function batchLogProbs(model: CausalLM): Float32Array {
  return tf.tidy(() =>
    sequenceLogProbs(
      model,
      tf.tensor2d(BATCH.ids, [BATCH.batch, BATCH.length], "int32"),
      BATCH.attentionMask,
    )
  ).dataSync() as Float32Array;
}

function allLogits(model: CausalLM): Float32Array {
  return tf.tidy(() =>
    model.logits(
      model.forward(
        tf.tensor2d(BATCH.ids, [BATCH.batch, BATCH.length], "int32"),
        { attentionMask: BATCH.attentionMask },
      ),
    )
  ).dataSync() as Float32Array;
}

/** The same random weights on the heap and offloaded. */
function pair(config: ModelConfig, seed: number) {
  const options = { seed, std: 0.2 };
  return {
    heap: CausalLM.random(config, { ...options, offload: "none" }),
    host: CausalLM.random(config, { ...options, offload: "frozen-linears" }),
  };
}

/** Low-rank adapters with identical starting values on the same modules of each model. */
function attachAdapters(models: CausalLM[], names: string[]): tf.Variable[][] {
  const perModel: tf.Variable[][] = models.map(() => []);
  names.forEach((name, i) => {
    const [out, inp] = models[0].weightShape(`${name}.weight`);
    const a0 = tf.randomNormal([inp, 2], 0, 0.3, "float32", 100 + i);
    const b0 = tf.randomNormal([2, out], 0, 0.3, "float32", 200 + i);
    models.forEach((model, m) => {
      const a = tf.variable(a0.clone()), b = tf.variable(b0.clone());
      const adapter: LinearAdapter = {
        forward: (x) => tf.matMul(tf.matMul(x, a), b),
        parameters: [a, b],
      };
      model.adapters.set(name, adapter);
      perModel[m].push(a, b);
    });
    tf.dispose([a0, b0]);
  });
  return perModel;
}

for (const [family, config] of FAMILIES) {
  test(`${family}: frozen-linears puts linears, embedding and head in host memory, norms on the heap`, () => {
    const { heap, host } = pair(config, 1);
    const offloaded = new Set(offloadableNames(config));
    assert.ok(offloaded.has("model.embed_tokens.weight"));
    assert.equal(offloaded.has("lm_head.weight"), !config.tieWordEmbeddings);
    assert.deepEqual(
      [...host.hostWeights.keys()].sort(),
      [...offloaded].sort(),
    );
    for (const [name] of host.namedWeights()) {
      assert.match(name, /norm\.weight$/, `${name} stays on the heap`);
    }
    assert.equal(heap.hostWeights.size, 0);
    assert.ok(host.head() instanceof HostMatrix);
    assert.throws(
      () => host.headWeight(),
      /LM head of this model is in host memory/,
    );
    for (const name of offloaded) {
      assert.deepEqual(host.weightValues(name), heap.weightValues(name), name);
      assert.deepEqual(host.weightShape(name), heap.weightShape(name), name);
    }
    heap.dispose();
    host.dispose();
  });

  test(`${family}: offloaded log-probs and logits equal the heap model's`, () => {
    const { heap, host } = pair(config, 2);
    const err = maxDiff(batchLogProbs(host), batchLogProbs(heap));
    assert.ok(err < 1e-5, `max |Δ log p| = ${err}`);
    const logitErr = maxDiff(allLogits(host), allLogits(heap));
    assert.ok(logitErr < 1e-5, `max |Δ logit| = ${logitErr}`);
    heap.dispose();
    host.dispose();
  });

  test(`${family}: KV-cache greedy generation gives identical tokens`, () => {
    const { heap, host } = pair(config, 3);
    const prompts = [[3, 7, 11, 2, 9], [17, 6]];
    const options = {
      maxNewTokens: 12,
      sampling: "greedy" as const,
      stopTokens: [],
    };
    const before = tf.memory().numTensors;
    const a = generate(host, prompts, options);
    assert.equal(tf.memory().numTensors, before, "generation leaks no tensor");
    const b = generate(heap, prompts, options);
    assert.deepEqual(a, b);
    assert.equal(a[0].tokens.length, 12);
    heap.dispose();
    host.dispose();
  });

  test(`${family}: adapter gradients through host weights match, with and without recomputed layers`, () => {
    const { heap, host } = pair(config, 4);
    const last = config.numLayers - 1;
    const names = [
      "model.layers.0.self_attn.q_proj",
      "model.layers.0.mlp.up_proj",
      `model.layers.${last}.self_attn.o_proj`,
      `model.layers.${last}.mlp.down_proj`,
    ];
    const [heapVars, hostVars] = attachAdapters([heap, host], names);
    const grads = (
      model: CausalLM,
      vars: tf.Variable[],
      recompute: boolean,
    ) => {
      model.recomputeLayers = recompute;
      const { value, grads } = tf.variableGrads(
        () => causalLmLoss(model, BATCH).loss,
        vars,
      );
      const out = {
        loss: value.dataSync()[0],
        grads: vars.map((v) => grads[v.name].dataSync()),
      };
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    };
    const reference = grads(heap, heapVars, false);
    for (const recompute of [false, true]) {
      const got = grads(host, hostVars, recompute);
      assert.ok(Math.abs(got.loss - reference.loss) < 1e-5, "loss");
      got.grads.forEach((g, i) => {
        const scale = Math.max(1, ...reference.grads[i].map(Math.abs));
        const err = maxDiff(g, reference.grads[i]) / scale;
        assert.ok(err < 1e-4, `recompute=${recompute} ${i}: ${err}`);
        assert.ok(g.some((v) => v !== 0), "the gradient is not trivially zero");
      });
    }
    // Training steps keep the tensor count flat.
    host.recomputeLayers = true;
    const optimizer = tf.train.sgd(0.01);
    const step = () =>
      tf.tidy(() => {
        optimizer.minimize(
          () => causalLmLoss(host, BATCH).loss,
          false,
          hostVars,
        );
      });
    step();
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      step();
      counts.push(tf.memory().numTensors);
    }
    assert.deepEqual(counts, [counts[0], counts[0], counts[0]]);
    optimizer.dispose();
    tf.dispose([...heapVars, ...hostVars]);
    heap.dispose();
    host.dispose();
  });

  test(`${family}: addToWeight changes a host weight in place (merge and unmerge)`, () => {
    const { heap, host } = pair(config, 5);
    const name = "model.layers.0.mlp.gate_proj.weight";
    const original = Float32Array.from(host.weightValues(name));
    const delta = tf.randomNormal(host.weightShape(name), 0, 0.5, "float32", 6);
    host.addToWeight(name, delta);
    heap.addToWeight(name, delta);
    assert.ok(maxDiff(host.weightValues(name), heap.weightValues(name)) === 0);
    const err = maxDiff(batchLogProbs(host), batchLogProbs(heap));
    assert.ok(err < 1e-5, `after the merge: ${err}`);
    host.addToWeight(name, tf.neg(delta));
    assert.ok(maxDiff(host.weightValues(name), original) < 1e-6, "unmerged");
    assert.throws(
      () => host.addToWeight(name, tf.zeros([2, 2])),
      /addToWeight "model.layers.0.mlp.gate_proj.weight": delta \[2,2\] does not match/,
    );
    tf.dispose(delta);
    heap.dispose();
    host.dispose();
  });

  test(`${family}: saveModel → loadModel round-trips an offloaded model exactly`, async () => {
    const { host } = pair(config, 7);
    const dir = await Deno.makeTempDir();
    await saveModel(host, dir);
    const back = await loadModel(dir, { offload: "frozen-linears" });
    assert.equal(back.hostWeights.size, host.hostWeights.size);
    const onHeap = await loadModel(dir, { offload: "none" });
    assert.equal(onHeap.hostWeights.size, 0);
    for (const [name] of host.hostWeights) {
      assert.deepEqual(back.weightValues(name), host.weightValues(name), name);
      assert.deepEqual(
        onHeap.weightValues(name),
        host.weightValues(name),
        name,
      );
    }
    assert.deepEqual(batchLogProbs(back), batchLogProbs(host));
    back.dispose();
    onHeap.dispose();
    host.dispose();
    await Deno.remove(dir, { recursive: true });
  });
}

test("gatherRows names an index outside the matrix", () => {
  const m = new HostMatrix(3, 2, Float32Array.from([1, 2, 3, 4, 5, 6]));
  const ids = tf.tensor1d([2, 0], "int32");
  assert.deepEqual([...m.gatherRows(ids).dataSync()], [5, 6, 1, 2]);
  assert.throws(
    () => m.gatherRows(tf.tensor1d([1, 3], "int32")),
    /index 3 at position 1 is outside \[0, 3\)/,
  );
  assert.throws(
    () => new HostMatrix(2, 2, new Float32Array(3)),
    /3 values do not fill \[2, 2\]/,
  );
  ids.dispose();
});

test("host products equal tfjs matMul for one row and many (sgemv and sgemm paths)", () => {
  const w = tf.randomNormal([7, 5], 0, 1, "float32", 1);
  const m = new HostMatrix(7, 5, w.dataSync() as Float32Array);
  for (const n of [1, 4]) {
    const x = tf.randomNormal([n, 5], 0, 1, "float32", 2) as tf.Tensor2D;
    const g = tf.randomNormal([n, 7], 0, 1, "float32", 3) as tf.Tensor2D;
    const want = tf.matMul(x, w, false, true), wantG = tf.matMul(g, w);
    assert.ok(maxDiff(m.timesTransposed(x).dataSync(), want.dataSync()) < 1e-5);
    assert.ok(maxDiff(m.times(g).dataSync(), wantG.dataSync()) < 1e-5);
    const dx = tf.grad((t: tf.Tensor) =>
      tf.sum(tf.mul(m.linear(t as tf.Tensor2D), tf.range(0, 7)))
    )(x);
    const wantDx = tf.grad((t: tf.Tensor) =>
      tf.sum(tf.mul(tf.matMul(t, w, false, true), tf.range(0, 7)))
    )(x);
    assert.ok(maxDiff(dx.dataSync(), wantDx.dataSync()) < 1e-5);
    tf.dispose([x, g, want, wantG, dx, wantDx]);
  }
  assert.deepEqual(m.timesTransposed(tf.zeros([0, 5]) as tf.Tensor2D).shape, [
    0,
    7,
  ]);
  w.dispose();
});

interface Golden {
  tolerance: number;
  sequences: { name: string; tokens: number[]; logprobs: number[] }[];
  last_logits: { sequence: string; position: number; logits: number[] };
}

for (
  const name of [
    "tiny-gemma3",
    "tiny-gemma3-bf16",
    "tiny-llama-gqa",
    "tiny-llama3-mqa",
  ]
) {
  test(`${name} offloaded: matches the PyTorch reference`, async () => {
    const folder =
      new URL(`../fixtures/models/${name}`, import.meta.url).pathname;
    const golden: Golden = JSON.parse(
      Deno.readTextFileSync(`${folder}/golden.json`),
    );
    const model = await loadModel(folder, { offload: "frozen-linears" });
    assert.ok(model.hostWeights.size > 0);
    for (const seq of golden.sequences) {
      const got = tf.tidy(() =>
        sequenceLogProbs(
          model,
          tf.tensor2d([seq.tokens], [1, seq.tokens.length], "int32"),
        )
      );
      const err = maxDiff(got.dataSync(), seq.logprobs);
      got.dispose();
      assert.ok(err < golden.tolerance, `${seq.name}: max |Δ log p| = ${err}`);
    }
    const { sequence, position, logits } = golden.last_logits;
    const tokens = golden.sequences.find((s) => s.name === sequence)!.tokens;
    const got = tf.tidy(() => {
      const hidden = model.forward(
        tf.tensor2d([tokens], [1, tokens.length], "int32"),
      );
      return model.logits(tf.slice(hidden, [0, position, 0], [1, 1, -1]));
    });
    assert.ok(maxDiff(got.dataSync(), logits) < golden.tolerance);
    got.dispose();
    model.dispose();
  });
}
