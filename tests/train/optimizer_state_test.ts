/**
 * Saving and loading AdamW state: six straight steps equal three steps, a
 * save, a fresh model and optimizer, a load and three more, bit for bit.
 */
import assert from "node:assert/strict";
import { writeSafetensors } from "../../lib/safetensors/safetensors.ts";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import { CausalLM } from "../../lib/model/decoder.ts";
import { clipGradNorm } from "../../lib/train/clip.ts";
import { causalLmLoss } from "../../lib/train/lm_loss.ts";
import { AdamW, defaultDecayFilter } from "../../lib/train/optimizer.ts";
import {
  loadOptimizerState,
  saveOptimizerState,
} from "../../lib/train/optimizer_state.ts";
import {
  learningRate,
  type ScheduleOptions,
} from "../../lib/train/schedule.ts";
import { tinyLlamaConfig } from "../helpers/tiny_models.ts";
import { gradsByName, tinyBatch } from "./helpers.ts";

await initEngine({ verbose: false });

const schedule: ScheduleOptions = {
  name: "cosine",
  peakLr: 3e-2,
  totalSteps: 6,
  warmupSteps: 2,
};
const SKIPPED = "model.layers.1.mlp.up_proj.weight";

function newOptimizer(model: CausalLM): AdamW {
  return new AdamW(model.namedWeights(), {
    lr: schedule.peakLr,
    weightDecay: 0.1,
    decayFilter: defaultDecayFilter,
  });
}

/** Optimizer steps `from`…`to`−1 of a small SFT-like run (clipped, scheduled). */
function train(model: CausalLM, opt: AdamW, from: number, to: number) {
  const named = model.namedWeights();
  for (let step = from; step < to; step++) {
    const { value, grads } = tf.variableGrads(
      () => causalLmLoss(model, tinyBatch(100 + step, 2, 7, 40)).loss,
      named.map(([, v]) => v),
    );
    const byName = gradsByName(named, grads);
    // One parameter gets no gradient in step 1, so per-parameter step counts differ.
    if (step === 1) byName.delete(SKIPPED);
    const clipped = clipGradNorm(byName, 1.0);
    opt.step(clipped.grads, learningRate(opt.stepCount, schedule));
    tf.dispose([value, ...Object.values(grads), ...clipped.grads.values()]);
  }
}

function weightsOf(model: CausalLM) {
  return new Map(
    model.namedWeights().map(([name, v]) => [
      name,
      { shape: [...v.shape], data: new Float32Array(v.dataSync()) },
    ]),
  );
}

Deno.test("optimizer state: save at step 3, resume in a fresh model, identical to 6 straight steps", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/optimizer.safetensors`;
  const config = tinyLlamaConfig();
  const init = { seed: 21, std: 0.1, trainable: true };

  const straight = CausalLM.random(config, init);
  const optA = newOptimizer(straight);
  train(straight, optA, 0, 6);

  const first = CausalLM.random(config, init);
  const optB = newOptimizer(first);
  train(first, optB, 0, 3);
  const saved = optB.state();
  assert.equal(saved.paramStep.get(SKIPPED), 2);
  assert.equal(saved.paramStep.get("lm_head.weight"), 3);
  await saveOptimizerState(path, saved);
  const snapshot = weightsOf(first);
  optB.dispose();
  first.dispose();

  const loaded = await loadOptimizerState(path);
  assert.equal(loaded.step, 3);
  assert.deepEqual(loaded.paramStep, saved.paramStep);
  for (const [name, m] of saved.exp_avg) {
    assert.deepEqual(loaded.exp_avg.get(name), m, `${name}.exp_avg`);
    assert.deepEqual(loaded.exp_avg_sq.get(name), saved.exp_avg_sq.get(name));
  }

  const resumed = CausalLM.fromArrays(config, snapshot, { trainable: true });
  const optC = newOptimizer(resumed);
  optC.loadState(loaded);
  assert.equal(optC.stepCount, 3);
  train(resumed, optC, 3, 6);

  const expected = weightsOf(straight), actual = weightsOf(resumed);
  let moved = false;
  for (const [name, w] of expected) {
    assert.deepEqual(actual.get(name)!.data, w.data, `"${name}" differs`);
    if (!w.data.every((x, i) => x === snapshot.get(name)!.data[i])) {
      moved = true;
    }
  }
  assert.ok(moved, "steps 3…5 changed the weights");
  assert.deepEqual(optC.state().paramStep, optA.state().paramStep);

  // Without the loaded state the continuation differs: the test can fail.
  const fresh = CausalLM.fromArrays(config, snapshot, { trainable: true });
  const optD = newOptimizer(fresh);
  train(fresh, optD, 3, 6);
  const head = weightsOf(fresh).get("lm_head.weight")!.data;
  assert.notDeepEqual(head, expected.get("lm_head.weight")!.data);

  for (const o of [optA, optC, optD]) o.dispose();
  for (const m of [straight, resumed, fresh]) m.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("optimizer state: errors name the file and the key", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/state.safetensors`;
  const m = new Float32Array([1, 2]);
  await writeSafetensors(path, { "w.exp_avg": { shape: [2], data: m } }, {
    metadata: { format: "tunebook.adamw", step: "1", param_steps: '{"w":1}' },
  });
  await assert.rejects(
    () => loadOptimizerState(path),
    (e: Error) => e.message === `${path}: tensor "w.exp_avg_sq" is missing`,
  );
  await writeSafetensors(path, {
    "w.exp_avg": { shape: [2], data: m },
    "w.exp_avg_sq": { shape: [2], data: m },
    "w.momentum": { shape: [2], data: m },
  }, {
    metadata: { format: "tunebook.adamw", step: "1", param_steps: '{"w":1}' },
  });
  await assert.rejects(
    () => loadOptimizerState(path),
    new RegExp(`^Error: ${path}: unexpected tensor "w.momentum"`),
  );
  await writeSafetensors(path, {}, {
    metadata: { format: "tunebook.adamw", step: "x", param_steps: "{}" },
  });
  await assert.rejects(
    () => loadOptimizerState(path),
    /metadata "step" must be a non-negative integer, got "x"/,
  );
  await writeSafetensors(path, {}, {
    metadata: { format: "tunebook.adamw", step: "2", param_steps: '{"w":3}' },
  });
  await assert.rejects(
    () => loadOptimizerState(path),
    /"param_steps" gives "w" 3 steps, expected an integer in \[1, 2\]/,
  );
  await writeSafetensors(path, { w: { shape: [2], data: m } });
  await assert.rejects(
    () => loadOptimizerState(path),
    /not a tunebook optimizer state/,
  );
  await assert.rejects(
    () =>
      saveOptimizerState(path, {
        step: 1,
        paramStep: new Map([["w", 1]]),
        exp_avg: new Map([["w", m]]),
        exp_avg_sq: new Map(),
      }),
    /"w" lacks exp_avg_sq/,
  );
  await Deno.remove(dir, { recursive: true });
});
