/**
 * AdamW against torch.optim.AdamW (golden values from
 * tests/fixtures/train/make_adamw_golden.py), the HF decay grouping, input
 * checks, and flat memory over many steps.
 */
import assert from "node:assert/strict";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import { CausalLM } from "../../lib/model/decoder.ts";
import { AdamW, defaultDecayFilter } from "../../lib/train/optimizer.ts";
import { causalLmLoss } from "../../lib/train/lm_loss.ts";
import { tinyLlamaConfig } from "../helpers/tiny_models.ts";
import { gradsByName, tinyBatch } from "./helpers.ts";

await initEngine({ verbose: false });

interface GoldenCase {
  name: string;
  beta1: number;
  beta2: number;
  eps: number;
  weight_decay: number;
  shapes: Record<string, number[]>;
  no_decay: string[];
  initial: Record<string, number[]>;
  steps: {
    lr: number;
    grads: Record<string, number[]>;
    params_after: Record<string, number[]>;
  }[];
  final_state: Record<
    string,
    { step: number; exp_avg: number[]; exp_avg_sq: number[] }
  >;
}

const golden: { cases: GoldenCase[] } = JSON.parse(
  await Deno.readTextFile(
    new URL("../fixtures/train/adamw_golden.json", import.meta.url),
  ),
);

/** Largest |a − b| / max(|b|, floor) over the arrays. */
function worstRelative(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  floor: number,
): number {
  assert.equal(actual.length, expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const scale = Math.max(Math.abs(expected[i]), floor);
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / scale);
  }
  return worst;
}

for (const c of golden.cases) {
  Deno.test(`AdamW matches torch.optim.AdamW step by step (${c.name})`, () => {
    const variables = new Map(
      Object.entries(c.initial).map(([name, data]) => [
        name,
        tf.variable(tf.tensor(data, c.shapes[name], "float32")),
      ]),
    );
    const opt = new AdamW([...variables], {
      lr: 123, // never used: every step passes its own rate
      beta1: c.beta1,
      beta2: c.beta2,
      eps: c.eps,
      weightDecay: c.weight_decay,
      decayFilter: defaultDecayFilter,
    });
    for (const name of variables.keys()) {
      assert.equal(opt.decays(name), !c.no_decay.includes(name), name);
    }
    c.steps.forEach((s, index) => {
      const grads = new Map(
        Object.entries(s.grads).map(([name, data]) => [
          name,
          tf.tensor(data, c.shapes[name], "float32"),
        ]),
      );
      opt.step(grads, s.lr);
      tf.dispose([...grads.values()]);
      for (const [name, v] of variables) {
        const worst = worstRelative(
          v.dataSync(),
          s.params_after[name],
          1e-3,
        );
        assert.ok(
          worst < 1e-6,
          `step ${index} "${name}": relative difference ${worst}`,
        );
      }
    });
    assert.equal(opt.stepCount, c.steps.length);
    const state = opt.state();
    assert.deepEqual(
      [...state.paramStep.keys()].sort(),
      Object.keys(c.final_state).sort(),
    );
    for (const [name, expected] of Object.entries(c.final_state)) {
      assert.equal(state.paramStep.get(name), expected.step, name);
      const m = worstRelative(state.exp_avg.get(name)!, expected.exp_avg, 1e-3);
      const v = worstRelative(
        state.exp_avg_sq.get(name)!,
        expected.exp_avg_sq,
        1e-6,
      );
      assert.ok(m < 1e-6 && v < 1e-6, `"${name}" moments: ${m}, ${v}`);
    }
    opt.dispose();
    tf.dispose([...variables.values()]);
  });
}

Deno.test("AdamW: the golden cases really exercise skipped params and no-decay groups", () => {
  // Guards the fixture: without these the comparison above proves less.
  for (const c of golden.cases) {
    const counts = Object.values(c.final_state).map((s) => s.step);
    assert.ok(new Set(counts).size > 1, `${c.name}: all step counts equal`);
    assert.ok(c.no_decay.length > 0 && c.weight_decay > 0);
  }
});

Deno.test("defaultDecayFilter: no decay on biases and norm weights, as the HF Trainer", () => {
  const noDecay = [
    "model.layers.0.input_layernorm.weight",
    "model.layers.3.post_attention_layernorm.weight",
    "model.layers.1.pre_feedforward_layernorm.weight",
    "model.layers.0.self_attn.q_norm.weight",
    "model.layers.0.self_attn.k_norm.weight",
    "model.norm.weight",
    "model.layers.0.self_attn.q_proj.bias",
    "encoder.LayerNorm.weight",
  ];
  const decay = [
    "model.embed_tokens.weight",
    "lm_head.weight",
    "model.layers.0.self_attn.q_proj.weight",
    "model.layers.0.mlp.down_proj.weight",
    "model.layers.0.self_attn.q_proj.lora_A.weight",
    "model.normalizer.weight",
  ];
  for (const n of noDecay) assert.equal(defaultDecayFilter(n), false, n);
  for (const n of decay) assert.equal(defaultDecayFilter(n), true, n);
});

Deno.test("AdamW: a missing gradient leaves the parameter untouched, even with decay", () => {
  const a = tf.variable(tf.tensor([1, -2, 3]));
  const b = tf.variable(tf.tensor([4, 5]));
  const opt = new AdamW([["a", a], ["b", b]], { lr: 0.1, weightDecay: 0.5 });
  const g = tf.tensor([0.5, 0.5, -0.5]);
  opt.step(new Map([["a", g]]));
  assert.deepEqual([...b.dataSync()], [4, 5]);
  // First step of Adam moves each coordinate by lr·sign(g) (plus decay).
  const expected = [1, -2, 3].map((p, i) =>
    p * (1 - 0.1 * 0.5) - 0.1 * Math.sign([0.5, 0.5, -0.5][i])
  );
  const actual = [...a.dataSync()];
  actual.forEach((x, i) => assert.ok(Math.abs(x - expected[i]) < 1e-6));
  assert.deepEqual(opt.state().paramStep, new Map([["a", 1]]));
  tf.dispose([a, b, g]);
  opt.dispose();
});

Deno.test("AdamW: bad inputs give errors naming the parameter", () => {
  const a = tf.variable(tf.zeros([2, 3]));
  assert.throws(
    () => new AdamW([["a", a], ["a", a]], { lr: 1 }),
    /"a" is listed twice/,
  );
  assert.throws(() => new AdamW([["a", a]], { lr: -1 }), /lr must be/);
  assert.throws(
    () => new AdamW([["a", a]], { lr: 1, beta2: 1 }),
    /beta2 must be a number in \[0, 1\)/,
  );
  const opt = new AdamW([["a", a]], { lr: 1 });
  const wrong = tf.zeros([3, 2]);
  assert.throws(
    () => opt.step(new Map([["a", wrong]])),
    /gradient for "a" has shape \[3,2\], the parameter \[2,3\]/,
  );
  assert.throws(
    () => opt.step(new Map([["b", wrong]])),
    /gradient for "b", which is not a parameter/,
  );
  assert.equal(opt.stepCount, 0, "a rejected step is not counted");
  const state = {
    step: 1,
    paramStep: new Map([["a", 1]]),
    exp_avg: new Map([["a", new Float32Array(5)]]),
    exp_avg_sq: new Map([["a", new Float32Array(6)]]),
  };
  assert.throws(
    () => opt.loadState(state),
    /"a" exp_avg has 5 values, the parameter 6/,
  );
  tf.dispose([a, wrong]);
  opt.dispose();
});

Deno.test("AdamW: tensor count stays flat over 20 steps of a tiny model", () => {
  const model = CausalLM.random(tinyLlamaConfig(), {
    seed: 5,
    trainable: true,
  });
  const named = model.namedWeights();
  const opt = new AdamW(named, {
    lr: 1e-2,
    decayFilter: defaultDecayFilter,
  });
  const counts: number[] = [];
  let first = 0, last = 0;
  for (let step = 0; step < 20; step++) {
    const batch = tinyBatch(step % 2, 2, 8, 40);
    const { value, grads } = tf.variableGrads(
      () => causalLmLoss(model, batch).loss,
      named.map(([, v]) => v),
    );
    const byName = gradsByName(named, grads);
    opt.step(byName);
    const loss = value.dataSync()[0];
    if (step === 0) first = loss;
    last = loss;
    tf.dispose([value, ...Object.values(grads)]);
    counts.push(tf.memory().numTensors);
  }
  // Step 0 creates the moment buffers; after that nothing may accumulate.
  assert.ok(
    counts.slice(1).every((n) => n === counts[0]),
    `tensor counts: ${counts}`,
  );
  assert.ok(last < first, `loss went from ${first} to ${last}`);
  opt.dispose();
  model.dispose();
});

Deno.test("AdamW gives a parameter its new values without touching a tensor that shared its storage", () => {
  const source = tf.tensor1d([1, 2, 3, 4]);
  // tf.variable(t) shares t's storage; a clone shares it too.
  const w = tf.variable(source);
  const clone = w.clone();
  const opt = new AdamW([["w", w]], { lr: 0.1, weightDecay: 0 });
  const grad = tf.tensor1d([1, -1, 1, -1]);
  opt.step(new Map([["w", grad]]));
  assert.deepEqual([...source.dataSync()], [1, 2, 3, 4]);
  assert.deepEqual([...clone.dataSync()], [1, 2, 3, 4]);
  // First step of Adam: each weight moves by lr against its gradient's sign.
  const moved = w.dataSync();
  [0.9, 2.1, 2.9, 4.1].forEach((v, i) =>
    assert.ok(Math.abs(moved[i] - v) < 1e-6, `${i}: ${moved[i]}`)
  );
  tf.dispose([source, w, clone, grad]);
});
