import assert from "node:assert/strict";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import { CausalLM } from "../../lib/model/decoder.ts";
import { defaultLoraConfig } from "../../lib/peft/config.ts";
import { applyLora } from "../../lib/peft/lora.ts";
import { causalLmLoss } from "../../lib/train/lm_loss.ts";
import { tinyGemmaConfig, tinyLlamaConfig } from "../helpers/tiny_models.ts";
import {
  baseBytes,
  logProbs,
  maxDiff,
  randomBatch,
  randomizeB,
} from "./helpers.ts";

await initEngine({ verbose: false });

const FAMILIES = [
  ["llama", tinyLlamaConfig()],
  ["gemma3", tinyGemmaConfig()],
] as const;

Deno.test("applyLora: A drawn like PEFT (kaiming-uniform a=sqrt(5)), B zero, PEFT keys and shapes", () => {
  const model = CausalLM.random(tinyLlamaConfig(), { seed: 1 });
  const lora = applyLora(
    model,
    defaultLoraConfig({ r: 4, targetModules: ["q_proj", "down_proj"] }),
    { seed: 7 },
  );
  const params = lora.parameters();
  assert.deepEqual(params.map(([k, v]) => [k, v.shape]), [
    ["base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", [4, 32]],
    ["base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight", [32, 4]],
    ["base_model.model.model.layers.0.mlp.down_proj.lora_A.weight", [4, 48]],
    ["base_model.model.model.layers.0.mlp.down_proj.lora_B.weight", [32, 4]],
    ["base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight", [4, 32]],
    ["base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight", [32, 4]],
    ["base_model.model.model.layers.1.mlp.down_proj.lora_A.weight", [4, 48]],
    ["base_model.model.model.layers.1.mlp.down_proj.lora_B.weight", [32, 4]],
  ]);
  for (const [key, v] of params) {
    const data = v.dataSync();
    assert.ok(v.trainable, `${key} is trainable`);
    if (key.includes("lora_B")) {
      assert.ok(data.every((x) => x === 0), `${key} starts at zero`);
    } else {
      // torch: bound = gain·sqrt(3/fan_in), gain = sqrt(2/(1+a²)) = sqrt(1/3).
      const bound = 1 / Math.sqrt(v.shape[1]!);
      const max = Math.max(...data.map(Math.abs));
      assert.ok(max <= bound && max > 0.8 * bound, `${key}: max |A| ${max}`);
    }
  }
  assert.deepEqual(lora.modules, [
    "model.layers.0.self_attn.q_proj",
    "model.layers.0.mlp.down_proj",
    "model.layers.1.self_attn.q_proj",
    "model.layers.1.mlp.down_proj",
  ]);
  assert.equal(model.adapters.size, 4);
  // The same seed draws the same A on any backend: values come from JS.
  const again = applyLora(
    CausalLM.random(tinyLlamaConfig(), { seed: 1 }),
    defaultLoraConfig({ r: 4, targetModules: ["q_proj", "down_proj"] }),
    { seed: 7 },
  );
  assert.deepEqual(
    again.parameters()[0][1].dataSync(),
    params[0][1].dataSync(),
  );
});

Deno.test("applyLora: gaussian init has std 1/r as PEFT's init_lora_weights='gaussian'", () => {
  const model = CausalLM.random(tinyGemmaConfig(), { seed: 1 });
  const lora = applyLora(
    model,
    defaultLoraConfig({ r: 4, init: "gaussian", targetModules: "all-linear" }),
    { seed: 3 },
  );
  const values = lora.parameters().filter(([k]) => k.includes("lora_A"))
    .flatMap(([, v]) => [...v.dataSync()]);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(
    values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length,
  );
  assert.ok(Math.abs(std - 0.25) < 0.01, `std ${std} (n = ${values.length})`);
  assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
});

Deno.test("applyLora then remove() leaves no tensor behind", () => {
  const model = CausalLM.random(tinyLlamaConfig(), { seed: 1 });
  const before = tf.memory().numTensors;
  const lora = applyLora(model, defaultLoraConfig(), { seed: 1 });
  assert.equal(tf.memory().numTensors, before + lora.variables().length);
  lora.remove();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("applyLora: refuses a module that already has an adapter", () => {
  const model = CausalLM.random(tinyLlamaConfig(), { seed: 1 });
  applyLora(model, defaultLoraConfig(), { seed: 0 });
  assert.throws(
    () => applyLora(model, defaultLoraConfig(), { seed: 0 }),
    /module "model\.layers\.0\.self_attn\.q_proj" already has an adapter/,
  );
  assert.throws(
    () => applyLora(model, defaultLoraConfig({ r: 0 }), { seed: 0 }),
    /applyLora: config: field "r" must be at least 1/,
  );
});

for (const [family, config] of FAMILIES) {
  Deno.test(`${family}: LoRA starts as a no-op, and one SGD step moves only A and B`, () => {
    const model = CausalLM.random(config, { seed: 2, std: 0.1 });
    const batch = randomBatch(config.vocabSize, 5);
    const before = logProbs(model, batch);
    const bytes = baseBytes(model);
    const lora = applyLora(
      model,
      defaultLoraConfig({ r: 4, alpha: 8, targetModules: "all-linear" }),
      { seed: 1 },
    );
    assert.deepEqual(logProbs(model, batch), before, "B = 0: same log-probs");

    const optimizer = tf.train.sgd(0.5);
    tf.tidy(() => {
      optimizer.minimize(
        () => causalLmLoss(model, batch).loss,
        false,
        lora.variables(),
      );
    });
    optimizer.dispose();
    for (const [key, v] of lora.parameters()) {
      if (key.includes("lora_B")) {
        assert.ok(v.dataSync().some((x) => x !== 0), `${key} left zero`);
      }
    }
    for (const [name, w] of model.namedWeights()) {
      assert.deepEqual(
        new Uint8Array((w.dataSync() as Float32Array).slice().buffer),
        bytes.get(name),
        `${name} is bit-identical`,
      );
    }
    assert.ok(
      maxDiff(logProbs(model, batch), before) > 1e-6,
      "the step changed the model",
    );
  });

  Deno.test(`${family}: merge equals the adapter path, unmerge restores W, disable gives the base`, () => {
    const model = CausalLM.random(config, { seed: 3, std: 0.1 });
    const batch = randomBatch(config.vocabSize, 6);
    const base = logProbs(model, batch);
    const weights = model.namedWeights().map(([n, w]) =>
      [n, w.dataSync().slice()] as const
    );
    const lora = applyLora(
      model,
      defaultLoraConfig({ r: 4, alpha: 16, targetModules: "all-linear" }),
      { seed: 2 },
    );
    randomizeB(lora, 11);
    const adapted = logProbs(model, batch);
    assert.ok(maxDiff(adapted, base) > 1e-3, "non-zero B changes the output");

    lora.disable();
    assert.deepEqual(
      logProbs(model, batch),
      base,
      "disabled = base model exactly",
    );
    assert.equal(lora.enabled, false);
    lora.enable();
    assert.deepEqual(logProbs(model, batch), adapted);

    lora.merge();
    assert.equal(lora.merged, true);
    assert.equal(
      model.adapters.size,
      0,
      "merged adapters are not applied again",
    );
    const merged = logProbs(model, batch);
    assert.ok(
      maxDiff(merged, adapted) < 1e-5,
      `merged vs adapter: ${maxDiff(merged, adapted)}`,
    );
    assert.throws(() => lora.merge(), /already merged/);
    assert.throws(
      () => lora.disable(),
      /merged into the base weights; unmerge\(\) first/,
    );

    lora.unmerge();
    assert.equal(model.adapters.size, lora.modules.length);
    for (const [name, data] of weights) {
      const now = model.weights.get(name)!.dataSync();
      assert.ok(
        maxDiff(now, data) < 1e-6,
        `${name} restored: ${maxDiff(now, data)}`,
      );
    }
    assert.ok(maxDiff(logProbs(model, batch), adapted) < 1e-5);
    assert.throws(() => lora.unmerge(), /not merged/);

    // W + d − d can differ from W in the last bit, so removal is compared
    // with the disabled model on the weights as they are now.
    lora.disable();
    const unmergedBase = logProbs(model, batch);
    const tensors = tf.memory().numTensors;
    lora.remove();
    assert.equal(model.adaptersEnabled, true);
    assert.equal(model.adapters.size, 0);
    assert.equal(
      tf.memory().numTensors,
      tensors - 2 * lora.modules.length,
      "A and B freed",
    );
    assert.deepEqual(logProbs(model, batch), unmergedBase, "removed: base");
    assert.throws(() => lora.parameters(), /were removed/);
  });
}

Deno.test("rsLoRA: the update is scaled by alpha/sqrt(r) instead of alpha/r", () => {
  const config = tinyLlamaConfig();
  const x = tf.randomNormal([3, 32], 0, 1, "float32", 4) as tf.Tensor2D;
  const name = "model.layers.1.self_attn.v_proj";
  const delta = (useRslora: boolean) => {
    const model = CausalLM.random(config, { seed: 3 });
    const baseOut = model.linear(name, x);
    const lora = applyLora(
      model,
      defaultLoraConfig({
        r: 16,
        alpha: 8,
        useRslora,
        targetModules: ["v_proj"],
      }),
      { seed: 2 },
    );
    randomizeB(lora, 5);
    const out = tf.sub(model.linear(name, x), baseOut);
    return { scale: lora.scale, values: out.dataSync() };
  };
  const plain = delta(false), rs = delta(true);
  assert.equal(plain.scale, 0.5);
  assert.equal(rs.scale, 2);
  for (let i = 0; i < plain.values.length; i++) {
    assert.ok(
      Math.abs(rs.values[i] - 4 * plain.values[i]) <
        1e-5 * (1 + Math.abs(rs.values[i])),
      `entry ${i}: ${rs.values[i]} vs 4 × ${plain.values[i]}`,
    );
  }
  assert.ok(plain.values.some((v) => Math.abs(v) > 1e-3));
});

Deno.test("dropout: same step → same mask, another step → another, eval → none", () => {
  const config = tinyLlamaConfig();
  const model = CausalLM.random(config, { seed: 4, std: 0.1 });
  const batch = randomBatch(config.vocabSize, 7);
  const lora = applyLora(
    model,
    defaultLoraConfig({ r: 4, dropout: 0.3, targetModules: "all-linear" }),
    { seed: 9 },
  );
  randomizeB(lora, 3);
  const evalOut = logProbs(model, batch);
  assert.equal(lora.training, false, "starts in eval mode");
  lora.train();
  lora.setDropoutStep(3);
  const a = logProbs(model, batch);
  const b = logProbs(model, batch);
  assert.deepEqual(a, b, "step 3 twice");
  lora.setDropoutStep(4);
  const c = logProbs(model, batch);
  assert.ok(maxDiff(a, c) > 1e-4, "step 4 differs from step 3");
  assert.ok(maxDiff(a, evalOut) > 1e-4, "dropout changes the output");
  lora.eval();
  assert.deepEqual(logProbs(model, batch), evalOut, "eval: no dropout");
  assert.throws(() => lora.setDropoutStep(-1), /non-negative integer/);
});

for (const [family, config] of FAMILIES) {
  Deno.test(`${family}: recomputed layers give the same LoRA gradients with dropout`, () => {
    const model = CausalLM.random(config, { seed: 5, std: 0.1 });
    const batch = randomBatch(config.vocabSize, 8);
    const lora = applyLora(
      model,
      defaultLoraConfig({ r: 4, dropout: 0.25, targetModules: "all-linear" }),
      { seed: 4 },
    );
    randomizeB(lora, 17, 0.1);
    lora.train();
    lora.setDropoutStep(12);
    const grads = (recompute: boolean) => {
      model.recomputeLayers = recompute;
      return tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => causalLmLoss(model, batch).loss,
          lora.variables(),
        );
        return {
          loss: value.dataSync()[0],
          grads: lora.variables().map((v) => grads[v.name].dataSync()),
        };
      });
    };
    const plain = grads(false);
    const recomputed = grads(true);
    assert.ok(Math.abs(plain.loss - recomputed.loss) < 1e-6);
    for (let i = 0; i < plain.grads.length; i++) {
      const scale = Math.max(...plain.grads[i].map(Math.abs));
      assert.ok(scale > 0, `${lora.parameters()[i][0]} has a gradient`);
      const diff = maxDiff(plain.grads[i], recomputed.grads[i]);
      assert.ok(
        diff <= 1e-5 * (1 + scale),
        `${lora.parameters()[i][0]}: ${diff}`,
      );
    }
    // A different mask gives a different gradient: the masks really act.
    lora.setDropoutStep(13);
    const other = grads(true);
    assert.ok(maxDiff(other.grads[0], recomputed.grads[0]) > 1e-7);
  });
}

Deno.test("training steps keep the tensor count flat (dropout and layer recomputation on)", () => {
  const config = tinyGemmaConfig();
  const model = CausalLM.random(config, { seed: 6, std: 0.1 });
  model.recomputeLayers = true;
  const lora = applyLora(
    model,
    defaultLoraConfig({ r: 4, dropout: 0.1, targetModules: "all-linear" }),
    { seed: 1 },
  ).train();
  const optimizer = tf.train.adam(1e-2);
  const counts: number[] = [];
  for (let step = 0; step < 4; step++) {
    lora.setDropoutStep(step);
    const batch = randomBatch(config.vocabSize, 20 + step);
    tf.tidy(() => {
      optimizer.minimize(
        () => causalLmLoss(model, batch).loss,
        false,
        lora.variables(),
      );
    });
    counts.push(tf.memory().numTensors);
  }
  optimizer.dispose();
  assert.equal(counts[3], counts[1], `tensor counts ${counts}`);
});

Deno.test("summary: PEFT's print_trainable_parameters line", () => {
  const config = tinyLlamaConfig();
  const model = CausalLM.random(config, { seed: 1 });
  const lora = applyLora(model, defaultLoraConfig({ r: 2 }), { seed: 0 });
  // q_proj: 2·32 + 32·2, v_proj: 2·32 + 16·2, two layers.
  assert.equal(lora.trainableCount(), 2 * (128 + 96));
  const base = model.namedWeights().reduce((n, [, w]) => n + w.size, 0);
  const all = base + 448;
  assert.equal(
    lora.summary(),
    `trainable params: 448 || all params: ${
      all.toLocaleString("en-US")
    } || trainable%: ${(100 * 448 / all).toFixed(4)}`,
  );
  assert.match(
    lora.summary(),
    /^trainable params: 448 \|\| all params: \d{1,3}(,\d{3})* \|\| trainable%: \d+\.\d{4}$/,
  );
});
