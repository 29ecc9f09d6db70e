/**
 * A reward model's LoRA saved as PEFT saves a SEQ_CLS adapter, and loaded
 * back (lib/peft/classifier.ts) to the same scores, in both of its forms.
 *
 * Pinned from PEFT's source at 5d602fdb (no published SEQ_CLS adapter of a
 * Llama or Gemma classifier is in the code index):
 * `PeftModelForSequenceClassification.__init__` (`src/peft/peft_model.py`)
 * sets `modules_to_save` to `["classifier", "score"]` when the LoraConfig
 * has none (appends them otherwise), and save_pretrained writes that list;
 * `get_peft_model_state_dict` (`src/peft/utils/save_and_load.py`) saves a
 * modules_to_save wrapper named `base_model.model.score` as
 * `base_model.model.score.weight` (`ModulesToSaveWrapper.adapter_state_dict`,
 * `src/peft/utils/other.py`, strips `modules_to_save.default.`), and
 * `set_peft_model_state_dict` looks that exact key up when loading. A vLLM
 * test that builds SEQ_CLS adapters by hand for its classify endpoint uses
 * the same key.
 */
import assert from "node:assert/strict";
import { initEngine } from "../../lib/engine/mod.ts";
import { padBatch } from "../../lib/model/batch.ts";
import { loadPretrained } from "../../lib/model/pretrained.ts";
import { SequenceClassifier } from "../../lib/model/sequence_classifier.ts";
import { parsePeftAdapterConfig } from "../../lib/peft/adapter_config.ts";
import {
  applyLora,
  loadAdapter,
  loadSequenceClassifier,
  readAdapter,
  saveAdapter,
} from "../../lib/peft/mod.ts";
import {
  readSafetensors,
  writeSafetensors,
} from "../../lib/safetensors/safetensors.ts";
import { writeTinyChatModel } from "../helpers/chat_model.ts";

await initEngine({ verbose: false });

const root = await Deno.makeTempDir({ prefix: "seq-cls-" });
const base = await writeTinyChatModel(`${root}/base`, { seed: 3 });

/** A LoRA reward model on the base (B ≠ 0), saved as an adapter in `dir`. */
async function savedRewardModel(dir: string) {
  const { model, tokenizer } = await loadPretrained(base, { head: "score" });
  const lora = applyLora(model, {
    r: 2,
    alpha: 4,
    dropout: 0,
    targetModules: ["q_proj", "v_proj"],
    useRslora: false,
    init: "gaussian",
  }, { seed: 5 });
  for (const [, v] of lora.parameters()) v.assign(v.mul(3));
  const classifier = SequenceClassifier.create(model, { seed: 1, std: 0.5 });
  await saveAdapter(dir, lora, { baseModel: base, score: classifier.score });
  const batch = padBatch(
    ["Hi there", "a longer text to score"].map((t) => {
      const ids = tokenizer!.encode(t);
      return { ids, mask: new Uint8Array(ids.length) };
    }),
    tokenizer!.padId,
  );
  const scores = classifier.scoreValues(batch);
  return {
    batch,
    scores,
    dispose() {
      classifier.dispose();
      lora.remove();
      model.dispose();
    },
  };
}

Deno.test("a LoRA reward model saves as PEFT's SEQ_CLS adapter: config fields and keys", async () => {
  const dir = `${root}/adapter-keys`;
  const saved = await savedRewardModel(dir);
  saved.dispose();
  const json = JSON.parse(
    await Deno.readTextFile(`${dir}/adapter_config.json`),
  );
  assert.equal(json.task_type, "SEQ_CLS");
  assert.deepEqual(json.modules_to_save, ["classifier", "score"]);
  assert.equal(json.peft_type, "LORA");
  assert.equal(json.base_model_name_or_path, base);
  assert.deepEqual(json.target_modules, ["q_proj", "v_proj"]);
  const { tensors } = await readSafetensors(`${dir}/adapter_model.safetensors`);
  const keys = [...tensors.keys()].sort();
  assert.deepEqual(keys.filter((k) => !k.includes(".lora_")), [
    "base_model.model.score.weight",
  ]);
  assert.deepEqual(tensors.get("base_model.model.score.weight")!.shape, [
    1,
    32,
  ]);
  assert.ok(
    keys.includes(
      "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
    ),
  );
});

Deno.test("save → loadSequenceClassifier gives the same scores, adapter and full folder", async () => {
  const dir = `${root}/adapter-scores`;
  const saved = await savedRewardModel(dir);
  try {
    const rm = await loadSequenceClassifier(dir);
    assert.equal(rm.baseModel, base);
    assert.deepEqual(rm.classifier.scoreValues(saved.batch), saved.scores);
    rm.dispose();
  } finally {
    saved.dispose();
  }
  const full = `${root}/full`;
  const { model, tokenizer } = await loadPretrained(base, { head: "score" });
  const classifier = SequenceClassifier.create(model, { seed: 8, std: 0.4 });
  await classifier.save(full, tokenizer!.padId);
  for (const f of ["tokenizer.json", "tokenizer_config.json"]) {
    await Deno.copyFile(`${base}/${f}`, `${full}/${f}`);
  }
  const rm = await loadSequenceClassifier(full);
  assert.equal(rm.lora, null);
  const batch = padBatch([{ ids: [1, 5, 9, 2], mask: [0, 0, 0, 0] }], 0);
  assert.deepEqual(
    rm.classifier.scoreValues(batch),
    classifier.scoreValues(batch),
  );
  rm.dispose();
  classifier.dispose();
  model.dispose();
});

Deno.test("a SEQ_CLS adapter: the causal loader refuses it by field; PEFT's own config and key forms load", async () => {
  const dir = `${root}/adapter-forms`;
  (await savedRewardModel(dir)).dispose();
  const { model } = await loadPretrained(base);
  await assert.rejects(
    loadAdapter(dir, model),
    /adapter_config\.json: field "task_type" is "SEQ_CLS": a reward model's adapter/,
  );
  model.dispose();
  // What PEFT writes when the user also listed "score" (TRL's docs advise it).
  const parsed = parsePeftAdapterConfig({
    peft_type: "LORA",
    task_type: "SEQ_CLS",
    modules_to_save: ["score", "classifier", "score"],
    r: 2,
  }, "x.json");
  assert.equal(parsed.taskType, "SEQ_CLS");
  assert.throws(
    () =>
      parsePeftAdapterConfig({
        peft_type: "LORA",
        task_type: "SEQ_CLS",
        modules_to_save: ["score", "lm_head"],
      }, "x.json"),
    /field "modules_to_save" .* modules other than the score head/,
  );
  // PEFT's in-memory key (with the wrapper) reads as the head too.
  const { tensors } = await readSafetensors(`${dir}/adapter_model.safetensors`);
  const renamed = new Map(
    [...tensors].map(([k, t]) => [
      k === "base_model.model.score.weight"
        ? "base_model.model.score.modules_to_save.default.weight"
        : k,
      { shape: t.shape, data: t.data },
    ]),
  );
  await writeSafetensors(`${dir}/adapter_model.safetensors`, renamed);
  const { model: decoder } = await loadPretrained(base, { head: "score" });
  const read = await readAdapter(dir, decoder.config, {
    taskTypes: ["SEQ_CLS"],
  });
  assert.deepEqual(
    read.score!.data,
    tensors.get("base_model.model.score.weight")!.data,
  );
  decoder.dispose();
});

Deno.test("cleanup", async () => {
  await Deno.remove(root, { recursive: true });
});
