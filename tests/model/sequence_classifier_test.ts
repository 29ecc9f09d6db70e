/**
 * The reward model's decoder + score head (lib/model/sequence_classifier.ts):
 * where it reads the score (right padding; pad = eos), the folder it saves
 * against what transformers writes for LlamaForSequenceClassification and
 * Gemma3TextForSequenceClassification, and save → load → the same scores.
 *
 * What transformers writes is pinned from its source (no published reward
 * model folder is in the code index): `GenericForSequenceClassification`
 * (`src/transformers/modeling_layers.py`) holds the decoder under the
 * `model` prefix and `score = nn.Linear(hidden_size, num_labels,
 * bias=False)`, so a state dict of `model.*` + `score.weight` [1, hidden]
 * and no `lm_head`; `LlamaForSequenceClassification` and
 * `Gemma3TextForSequenceClassification` are that class for `llama` and
 * `gemma3_text` (the auto mapping of `gemma3_text`); `PretrainedConfig`'s
 * `num_labels` setter makes `id2label = {0: "LABEL_0"}` and `label2id =
 * {"LABEL_0": 0}`, which `save_pretrained` writes (they differ from the
 * two-label default) while `num_labels` itself is not a stored field; TRL's
 * RewardTrainer sets `config.pad_token_id` from the tokenizer.
 */
import assert from "node:assert/strict";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import { padBatch, type TokenBatch } from "../../lib/model/batch.ts";
import type { ModelConfig } from "../../lib/model/config.ts";
import { CausalLM } from "../../lib/model/decoder.ts";
import { loadModel, saveModel } from "../../lib/model/load.ts";
import {
  initializerRange,
  scoredPositions,
  SequenceClassifier,
} from "../../lib/model/sequence_classifier.ts";
import { readSafetensors } from "../../lib/safetensors/safetensors.ts";
import { Rng } from "../../lib/util/random.ts";
import { tinyGemmaConfig, tinyLlamaConfig } from "../helpers/tiny_models.ts";

await initEngine({ verbose: false });

/** A config's decoder as a classifier's: no LM head. */
const classifierOf = (c: ModelConfig): ModelConfig => ({ ...c, head: "score" });

const rows = (seqs: number[][], padId: number): TokenBatch =>
  padBatch(
    seqs.map((ids) => ({ ids, mask: new Uint8Array(ids.length) })),
    padId,
  );

/** transformers' rule: the rightmost position whose id is not the pad id. */
function hfPositions(b: TokenBatch, padId: number): number[] {
  return Array.from({ length: b.batch }, (_, r) => {
    let last = -1;
    for (let t = 0; t < b.length; t++) {
      if (b.ids[r * b.length + t] !== padId) last = t;
    }
    return last;
  });
}

Deno.test("pooling: the last attended token of each right-padded row, as transformers when pad ≠ eos", () => {
  const pad = 0, eos = 2;
  const b = rows([[1, 5, 6, eos], [1, 7, eos], [1, 8, 9, 10, 11, eos]], pad);
  assert.deepEqual([...scoredPositions(b)], [3, 2, 5]);
  assert.deepEqual(hfPositions(b, pad), [3, 2, 5]);
});

Deno.test("pooling with pad = eos reads the EOS, where transformers reads the token before it", () => {
  // tiny-base: bos = eos = pad = 0.
  const id = 0;
  const b = rows([[id, 5, 6, id], [id, 7, id]], id);
  assert.deepEqual([...scoredPositions(b)], [3, 2]);
  assert.deepEqual(hfPositions(b, id), [2, 1]);
});

Deno.test("a row's score is h[last]·scoreᵀ, the same alone or padded in a batch", () => {
  const config = classifierOf(tinyLlamaConfig({ pad_token_id: 0 }));
  const model = CausalLM.random(config, { seed: 3, std: 0.2 });
  const rm = SequenceClassifier.create(model, { seed: 1, std: 0.5 });
  const seqs = [[1, 5, 6, 2], [1, 7, 2], [1, 8, 9, 10, 11, 2]];
  const batched = rm.scoreValues(rows(seqs, 0));
  const head = rm.score.dataSync();
  seqs.forEach((ids, r) => {
    const alone = rm.scoreValues(rows([ids], 0))[0];
    const last = tf.tidy(() =>
      model.forward(tf.tensor2d([ids], [1, ids.length], "int32"))
        .slice([0, ids.length - 1, 0], [1, 1, config.hiddenSize])
    );
    const hidden = Array.from(last.dataSync());
    last.dispose();
    const byHand = hidden.reduce((a, h, i) => a + h * head[i], 0);
    assert.ok(Math.abs(alone - byHand) < 1e-5, `${alone} vs ${byHand}`);
    assert.ok(
      Math.abs(batched[r] - alone) < 1e-5,
      `row ${r}: ${batched[r]} padded vs ${alone} alone`,
    );
  });
  rm.dispose();
  model.dispose();
});

Deno.test("a fresh head is normal(0, initializer_range), seeded", () => {
  const config = classifierOf(tinyLlamaConfig({ initializer_range: 0.05 }));
  const model = CausalLM.random(config, { seed: 0 });
  assert.equal(initializerRange(config), 0.05);
  assert.equal(initializerRange(tinyLlamaConfig()), 0.02);
  const rm = SequenceClassifier.create(model, { seed: 11 });
  const rng = new Rng(11);
  const expected = Array.from(
    { length: config.hiddenSize },
    () => Math.fround(rng.normal() * 0.05),
  );
  assert.deepEqual([...rm.score.dataSync()], expected);
  assert.equal(rm.score.trainable, true);
  rm.dispose();
  model.dispose();
});

/** Every tensor name transformers' classifier of `config` has, sorted. */
function transformersKeys(layers: number, gemma: boolean): string[] {
  const perLayer = [
    "input_layernorm",
    "post_attention_layernorm",
    "self_attn.q_proj",
    "self_attn.k_proj",
    "self_attn.v_proj",
    "self_attn.o_proj",
    "mlp.gate_proj",
    "mlp.up_proj",
    "mlp.down_proj",
    ...(gemma
      ? [
        "self_attn.q_norm",
        "self_attn.k_norm",
        "pre_feedforward_layernorm",
        "post_feedforward_layernorm",
      ]
      : []),
  ];
  return [
    "model.embed_tokens.weight",
    "model.norm.weight",
    "score.weight",
    ...Array.from(
      { length: layers },
      (_, i) => perLayer.map((m) => `model.layers.${i}.${m}.weight`),
    ).flat(),
  ].sort();
}

for (
  const [family, config, arch, modelType] of [
    [
      "llama (untied)",
      classifierOf(tinyLlamaConfig({ pad_token_id: 0 })),
      "LlamaForSequenceClassification",
      "llama",
    ],
    [
      "gemma3 (tied)",
      classifierOf(tinyGemmaConfig()),
      "Gemma3TextForSequenceClassification",
      "gemma3_text",
    ],
  ] as const
) {
  Deno.test(`saved ${family} reward model: transformers' keys and config fields; loads back with the same scores`, async () => {
    const dir = await Deno.makeTempDir();
    const model = CausalLM.random(config, { seed: 4, std: 0.2 });
    const rm = SequenceClassifier.create(model, { seed: 2, std: 0.3 });
    try {
      await rm.save(dir, 7);
      const json = JSON.parse(await Deno.readTextFile(`${dir}/config.json`));
      assert.deepEqual(json.architectures, [arch]);
      assert.equal(json.model_type, modelType);
      assert.deepEqual(json.id2label, { "0": "LABEL_0" });
      assert.deepEqual(json.label2id, { LABEL_0: 0 });
      assert.equal(json.pad_token_id, 7);
      assert.equal("num_labels" in json, false, "num_labels is not stored");
      const { tensors } = await readSafetensors(`${dir}/model.safetensors`);
      assert.deepEqual(
        [...tensors.keys()].sort(),
        transformersKeys(config.numLayers, config.family === "gemma3"),
      );
      assert.deepEqual(tensors.get("score.weight")!.shape, [
        1,
        config.hiddenSize,
      ]);

      const back = await loadModel(dir, { head: "score" });
      assert.equal(back.config.head, "score");
      assert.throws(() => back.head(), /sequence classifier.*no LM head/);
      const loaded = await SequenceClassifier.fromFolder(back, dir);
      const b = rows([[1, 5, 6, 2], [1, 7, 2]], 0);
      assert.deepEqual(loaded.scoreValues(b), rm.scoreValues(b));
      loaded.dispose();
      back.dispose();
      // config.json alone says it is a classifier.
      const plain = await loadModel(dir);
      assert.equal(plain.config.head, "score");
      plain.dispose();
    } finally {
      rm.dispose();
      model.dispose();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("a causal checkpoint loads as a classifier's decoder without its lm_head; a folder without score.weight is refused by name", async () => {
  const dir = await Deno.makeTempDir();
  const model = CausalLM.random(tinyLlamaConfig(), { seed: 5 });
  try {
    await saveModel(model, dir);
    const decoder = await loadModel(dir, { head: "score" });
    assert.equal(decoder.weights.has("lm_head.weight"), false);
    assert.throws(
      () => SequenceClassifier.create(model, { seed: 0 }),
      /built with an LM head/,
    );
    await assert.rejects(
      SequenceClassifier.fromFolder(decoder, dir),
      /no "score\.weight" tensor: not a sequence classifier/,
    );
    decoder.dispose();
  } finally {
    model.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});
