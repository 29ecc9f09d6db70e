/**
 * The PEFT adapter format, both ways: a saved adapter loads back to the same
 * log-probs and config, adapter_config.json is written as PEFT writes it, and
 * the key and config forms PEFT itself produces load too.
 */
import assert from "node:assert/strict";
import { readSafetensors } from "../../lib/safetensors/safetensors.ts";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import { CausalLM } from "../../lib/model/decoder.ts";
import { peftConfigObject } from "../../lib/peft/adapter_config.ts";
import { defaultLoraConfig } from "../../lib/peft/config.ts";
import { loadAdapter } from "../../lib/peft/format.ts";
import { logProbs, randomBatch } from "./helpers.ts";
import { editConfig, editWeights, savedAdapter } from "./saved_adapter.ts";

await initEngine({ verbose: false });

Deno.test("saveAdapter → loadAdapter gives identical log-probs and the same config", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const settings = {
      r: 4,
      alpha: 12,
      dropout: 0.1,
      useRslora: true,
      targetModules: ["q_proj", "o_proj", "up_proj"],
    };
    const { config, model, adapters } = await savedAdapter(dir, settings);
    const batch = randomBatch(config.vocabSize, 4);
    const expected = logProbs(model, batch);

    const fresh = CausalLM.random(config, { seed: 2, std: 0.1 });
    const tensors = tf.memory().numTensors;
    const loaded = await loadAdapter(dir, fresh);
    assert.equal(
      tf.memory().numTensors,
      tensors + loaded.variables().length,
      "only the variables stay",
    );
    assert.deepEqual(loaded.config, adapters.config);
    assert.deepEqual(loaded.modules, adapters.modules);
    assert.deepEqual(logProbs(fresh, batch), expected);
    for (
      const [[k1, v1], [k2, v2]] of zip(
        adapters.parameters(),
        loaded.parameters(),
      )
    ) {
      assert.equal(k1, k2);
      assert.deepEqual(v2.dataSync(), v1.dataSync(), k1);
    }
    assert.equal(loaded.training, false, "loaded adapters start in eval mode");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("saveAdapter: adapter_config.json is written the way PEFT writes it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await savedAdapter(dir, { targetModules: "all-linear", init: "gaussian" });
    const text = await Deno.readTextFile(`${dir}/adapter_config.json`);
    const json = JSON.parse(text);
    // json.dumps(indent=2, sort_keys=True): sorted keys, two spaces, floats keep ".0".
    assert.deepEqual(Object.keys(json), Object.keys(json).sort());
    assert.match(text, /^\{\n {2}"alpha_pattern": \{\},\n/);
    assert.match(text, /\n {2}"lora_dropout": 0\.0,\n/);
    assert.equal(json.peft_type, "LORA");
    assert.equal(json.task_type, "CAUSAL_LM");
    assert.equal(json.base_model_name_or_path, "tunebook/tiny-llama");
    assert.equal(json.init_lora_weights, "gaussian");
    assert.equal(json.inference_mode, true);
    assert.equal(json.modules_to_save, null);
    assert.equal(json.use_dora, false);
    assert.equal(json.bias, "none");
    // PEFT expands "all-linear" before saving.
    assert.deepEqual(json.target_modules, [
      "q_proj",
      "k_proj",
      "v_proj",
      "o_proj",
      "gate_proj",
      "up_proj",
      "down_proj",
    ]);
    const { tensors, metadata } = await readSafetensors(
      `${dir}/adapter_model.safetensors`,
    );
    assert.deepEqual(metadata, { format: "pt" });
    assert.equal(tensors.size, 2 * 7 * 2);
    assert.ok([...tensors.values()].every((t) => t.dtype === "F32"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadAdapter: accepts PEFT's in-memory key form with the adapter name", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { config, model } = await savedAdapter(dir);
    await editWeights(dir, (t) => {
      for (const [k, v] of [...t]) {
        t.delete(k);
        t.set(k.replace(/\.weight$/, ".default.weight"), v);
      }
    });
    const batch = randomBatch(config.vocabSize, 2);
    const fresh = CausalLM.random(config, { seed: 2, std: 0.1 });
    await loadAdapter(dir, fresh);
    assert.deepEqual(logProbs(fresh, batch), logProbs(model, batch));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadAdapter: regex target_modules and unknown config fields", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { config, model } = await savedAdapter(dir, {
      targetModules: ["q_proj", "v_proj"],
    });
    await editConfig(dir, (json) => {
      json.target_modules = ".*\\.(q_proj|v_proj)";
      json.some_future_peft_field = { anything: 1 };
    });
    const fresh = CausalLM.random(config, { seed: 2, std: 0.1 });
    const loaded = await loadAdapter(dir, fresh);
    assert.deepEqual(loaded.config.targetModules, {
      regex: ".*\\.(q_proj|v_proj)",
    });
    const batch = randomBatch(config.vocabSize, 3);
    assert.deepEqual(logProbs(fresh, batch), logProbs(model, batch));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("peftConfigObject: target_modules as given, or PEFT's expansion of all-linear", () => {
  const modules = [
    "model.layers.0.self_attn.q_proj",
    "model.layers.1.self_attn.q_proj",
  ];
  assert.deepEqual(
    peftConfigObject(
      defaultLoraConfig({ targetModules: ["v_proj", "q_proj"] }),
      modules,
      "m",
    )
      .target_modules,
    ["v_proj", "q_proj"],
  );
  assert.deepEqual(
    peftConfigObject(
      defaultLoraConfig({ targetModules: "all-linear" }),
      modules,
      "m",
    )
      .target_modules,
    ["q_proj"],
  );
});

function* zip<A, B>(a: A[], b: B[]): Generator<[A, B]> {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) yield [a[i], b[i]];
}
