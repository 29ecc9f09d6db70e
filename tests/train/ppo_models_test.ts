/**
 * Where PPO's value model and reference come from: a trained reward model
 * (SEQ_CLS adapter or full folder) as the value model's start, a score
 * head that does not fit its backbone refused by field, the starting
 * adapter of a staged run as the KL reference, and full fine-tuning with a
 * frozen copy of the starting weights.
 */
import assert from "node:assert/strict";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import { saveModel } from "../../lib/model/load.ts";
import { loadPretrained } from "../../lib/model/pretrained.ts";
import { classifierConfigFields } from "../../lib/model/sequence_classifier.ts";
import { applyLora, saveAdapter } from "../../lib/peft/mod.ts";
import { runPpoFromConfig } from "../../lib/train/ppo/from_config.ts";
import { runRewardFromConfig } from "../../lib/train/reward/from_config.ts";
import { writeTinyChatModel } from "../helpers/chat_model.ts";

await initEngine({ verbose: false });

const root = await Deno.makeTempDir({ prefix: "ppo-models-" });
const model = await writeTinyChatModel(`${root}/model`, {
  hidden: 32,
  layers: 2,
  std: 0.4,
});
const topics = ["rain", "snow", "moon", "sea"];
await Deno.writeTextFile(
  `${root}/prompts.json`,
  JSON.stringify(topics.map((t) => ({ prompt: `Say ${t}` }))),
);
await Deno.writeTextFile(
  `${root}/pairs.json`,
  JSON.stringify(topics.map((t) => ({
    prompt: `Say ${t}`,
    chosen: ` ${t} is calm.`,
    rejected: ` ${t} ${t} ${t}!`,
  }))),
);
const rewardModel = (out: string, lora: boolean) =>
  runRewardFromConfig(
    {
      model,
      train_data: `${root}/pairs.json`,
      output_dir: `${root}/${out}`,
      ...(lora ? { lora: { r: 4, lora_alpha: 8 } } : {}),
      learning_rate: 1e-3,
      per_device_train_batch_size: 4,
      max_steps: 2,
      save_steps: 0,
    },
    "rm.json",
    { progress: false },
  );
const adapterRm = await rewardModel("rm-lora", true);
const fullRm = await rewardModel("rm-full", false);

const ppo = (out: string, overrides: Record<string, unknown>) =>
  runPpoFromConfig(
    {
      model,
      train_data: `${root}/prompts.json`,
      output_dir: `${root}/${out}`,
      lora: { r: 4, lora_alpha: 8 },
      rewards: [{ name: "reward_model", path: adapterRm.outputDir }],
      learning_rate: 1e-3,
      per_device_train_batch_size: 2,
      gradient_accumulation_steps: 2,
      response_length: 6,
      max_steps: 2,
      save_steps: 0,
      ...overrides,
    },
    "ppo.json",
    { progress: false },
  );

Deno.test("value model from a SEQ_CLS reward model: starts at its score head, saved as a SEQ_CLS adapter", async () => {
  const r = await ppo("from-adapter-rm", {
    value_model_path: adapterRm.outputDir,
  });
  assert.equal(r.steps, 2);
  const saved = JSON.parse(
    await Deno.readTextFile(`${r.outputDir}/value_model/adapter_config.json`),
  );
  assert.equal(saved.task_type, "SEQ_CLS");
  for (const h of r.history) {
    assert.ok(Number.isFinite(h["loss/value_avg"]), `step ${h.step}`);
    assert.ok(Number.isFinite(h["objective/scores"]), `step ${h.step}`);
  }
});

Deno.test("value model from a full reward model folder gets a fresh LoRA whose base is that folder", async () => {
  const r = await ppo("from-full-rm", { value_model_path: fullRm.outputDir });
  const saved = JSON.parse(
    await Deno.readTextFile(`${r.outputDir}/value_model/adapter_config.json`),
  );
  assert.equal(saved.base_model_name_or_path, fullRm.outputDir);
});

Deno.test("a value model whose score head does not fit its hidden size is refused by field", async () => {
  const bad = `${root}/bad-head-model`;
  const { model: m, tokenizer } = await loadPretrained(model, {
    head: "score",
  });
  await saveModel(m, bad, {
    config: classifierConfigFields(m.config, tokenizer!.padId),
    extraTensors: new Map([["score.weight", {
      shape: [1, 16],
      data: new Float32Array(16),
    }]]),
  });
  m.dispose();
  for (const f of ["tokenizer.json", "tokenizer_config.json"]) {
    await Deno.copyFile(`${model}/${f}`, `${bad}/${f}`);
  }
  await assert.rejects(
    () => ppo("bad-head", { value_model_path: bad }),
    (e: Error) =>
      /value_model_path/.test(e.message) &&
      /\[1,16\], expected \[1,32\]/.test(e.message),
  );
  // Refused before the run folder was claimed.
  await assert.rejects(() => Deno.stat(`${root}/bad-head`));
});

Deno.test("staged: the KL reference is the starting adapter, so the first update's KL is 0", async () => {
  const sft = `${root}/sft-adapter`;
  const { model: m } = await loadPretrained(model);
  const lora = applyLora(m, {
    r: 4,
    alpha: 8,
    dropout: 0,
    targetModules: "all-linear",
    useRslora: false,
    init: "default",
  }, { seed: 1 });
  for (const [name, v] of lora.parameters()) {
    if (name.includes("lora_B")) {
      v.assign(tf.randomNormal(v.shape, 0, 0.5, "float32", 3));
    }
  }
  await saveAdapter(sft, lora, { baseModel: model });
  lora.remove();
  m.dispose();
  const r = await ppo("staged", { init_adapter: sft, max_steps: 1 });
  // Adapters off would be the base model: far from this adapter.
  assert.equal(r.history[0]["objective/kl"], 0);
});

Deno.test("full fine-tuning: a frozen copy is the reference; policy and value model saved in full", async () => {
  const r = await ppo("full", { lora: undefined, learning_rate: 1e-4 });
  assert.equal(r.history[0]["objective/kl"], 0);
  assert.ok((r.history[1]["objective/kl"] as number) !== 0);
  await Deno.stat(`${r.outputDir}/model.safetensors`);
  await Deno.stat(`${r.outputDir}/value_model/model.safetensors`);
});
