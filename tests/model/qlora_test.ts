/**
 * QLoRA's 4-bit base: NF4 host matrices multiply exactly as float32 ones
 * holding the dequantized values; a model quantized on load stays within a
 * stated bound of the float32 model's log-probs; a bitsandbytes 4-bit
 * checkpoint loads as stored and computes exactly what quantize-on-load
 * computes; and a QLoRA SFT run stopped and resumed ends bit-identical.
 */
import assert from "node:assert/strict";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import { CausalLM } from "../../lib/model/decoder.ts";
import { HostMatrix } from "../../lib/model/host_weights.ts";
import { loadModel, saveModel } from "../../lib/model/load.ts";
import {
  bnbNf4Tensors,
  dequantizeNf4,
  NF4_CODE,
  quantizeNf4,
} from "../../lib/model/nf4.ts";
import { quantizableNames } from "../../lib/model/quantize.ts";
import { scoreBatch, scoreSequence } from "../../lib/model/score.ts";
import { loadPretrained } from "../../lib/model/pretrained.ts";
import { DEFAULT_MODEL_DIR } from "../../lib/model/default_model.ts";
import {
  readSafetensors,
  type TensorToWrite,
  writeSafetensors,
} from "../../lib/safetensors/safetensors.ts";
import { runSftFromConfig } from "../../lib/train/sft/from_config.ts";
import { Rng } from "../../lib/util/random.ts";
import { toyConversations, writeTinyChatModel } from "../helpers/chat_model.ts";
import { tinyLlamaConfig } from "../helpers/tiny_models.ts";

await initEngine({ verbose: false });

const root = await Deno.makeTempDir({ prefix: "qlora-" });
const fp32Dir = `${root}/fp32`;
const fp32 = CausalLM.random(
  tinyLlamaConfig({ hidden_size: 64, intermediate_size: 128 }),
  { seed: 5, std: 0.1 },
);
await saveModel(fp32, fp32Dir);

/** A batch of random token sequences. */
function batch(seed: number, rows: number, length: number) {
  const rng = new Rng(seed);
  const ids = Int32Array.from({ length: rows * length }, () => rng.int(40));
  return { ids, batch: rows, length };
}

Deno.test("NF4 host matrix: products equal float32 ones with the dequantized values; x gets its gradient; merging is refused", () => {
  const rng = new Rng(1);
  const [rows, cols] = [48, 64];
  const values = Float32Array.from({ length: rows * cols }, () => rng.normal());
  const { packed, absmax } = quantizeNf4(values);
  const nf4 = new HostMatrix(rows, cols, {
    packed,
    absmax,
    blocksize: 64,
    code: NF4_CODE,
  });
  const dense = new HostMatrix(
    rows,
    cols,
    dequantizeNf4(packed, absmax, rows * cols),
  );
  assert.ok(nf4.quantized && !dense.quantized);
  assert.equal(nf4.bytes, rows * cols / 2 + (rows * cols / 64) * 4);
  const x = tf.randomNormal([3, cols], 0, 1, "float32", 2) as tf.Tensor2D;
  assert.deepEqual(
    nf4.linear(x).dataSync(),
    dense.linear(x).dataSync(),
  );
  const g = (m: HostMatrix) =>
    tf.grad((t: tf.Tensor) => tf.sum(m.linear(t as tf.Tensor2D)))(x)
      .dataSync();
  assert.deepEqual(g(nf4), g(dense));
  assert.deepEqual(nf4.data, dense.data);
  assert.throws(
    () => nf4.addInPlace(tf.zeros([rows, cols])),
    /cannot merge an adapter into NF4/,
  );
});

Deno.test("quantize on load: the linear layers become NF4; the default model's perplexity moves < 2 %, log-probs < 0.05 nats on average", async () => {
  const full = await loadPretrained(DEFAULT_MODEL_DIR);
  const q = await loadPretrained(DEFAULT_MODEL_DIR, {
    quantization: { doubleQuant: true },
  });
  const names = quantizableNames(q.model.config);
  assert.ok(names.has("model.layers.0.self_attn.q_proj.weight"));
  assert.ok(!names.has("model.embed_tokens.weight"));
  for (const name of names) {
    assert.ok(q.model.hostWeights.get(name)?.quantized, `${name} is NF4`);
  }
  assert.ok(
    q.model.weights.has("model.embed_tokens.weight"),
    "embedding as is",
  );
  const ids = full.tokenizer!.encode(
    "The old pond, a frog jumps in, the sound of water. Autumn moonlight, a worm digs silently into the chestnut. It was the best of times, it was the worst of times.",
  );
  const a = scoreSequence(full.model, ids), b = scoreSequence(q.model, ids);
  let sum = 0;
  for (let t = 1; t < ids.length; t++) {
    sum += Math.abs(a.logprobs[t]! - b.logprobs[t]!);
  }
  // Measured: perplexity 139.3 → 140.5 (+0.8 %), mean |Δ log p| 0.028 nats.
  const mean = sum / (ids.length - 1);
  assert.ok(mean > 0 && mean < 0.05, `mean |Δ log p| ${mean}`);
  assert.ok(Math.abs(b.perplexity / a.perplexity - 1) < 0.02);
  full.model.dispose();
  q.model.dispose();
});

Deno.test("a bitsandbytes 4-bit checkpoint loads as stored and computes exactly what quantize-on-load does", async () => {
  for (const doubleQuant of [false, true]) {
    const dir = `${root}/bnb-${doubleQuant}`;
    await Deno.mkdir(dir, { recursive: true });
    const config = JSON.parse(
      await Deno.readTextFile(`${fp32Dir}/config.json`),
    );
    config.quantization_config = {
      quant_method: "bitsandbytes",
      load_in_4bit: true,
      bnb_4bit_quant_type: "nf4",
      bnb_4bit_use_double_quant: doubleQuant,
    };
    await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(config));
    await Deno.copyFile(
      `${fp32Dir}/generation_config.json`,
      `${dir}/generation_config.json`,
    ).catch(() => {});
    const { tensors } = await readSafetensors(`${fp32Dir}/model.safetensors`);
    const quantized = quantizableNames(fp32.config);
    const out = new Map<string, TensorToWrite>();
    for (const [name, t] of tensors) {
      if (!quantized.has(name)) {
        out.set(name, { shape: t.shape, data: t.data });
        continue;
      }
      const prefix = name.slice(0, -".weight".length);
      const bnb = bnbNf4Tensors(
        prefix,
        t.data,
        t.shape as [number, number],
        { doubleQuant },
      );
      for (const [n, v] of bnb) {
        out.set(
          n,
          v.dtype === "U8"
            ? { shape: [...v.shape], data: v.data as Uint8Array, dtype: "U8" }
            : { shape: [...v.shape], data: v.data as Float32Array },
        );
      }
    }
    await writeSafetensors(`${dir}/model.safetensors`, out);
    const stored = await loadModel(dir);
    const onLoad = await loadModel(fp32Dir, { quantization: { doubleQuant } });
    for (const name of quantized) {
      assert.ok(stored.hostWeights.get(name)?.quantized, name);
    }
    const b = batch(4, 3, 10);
    assert.deepEqual(
      scoreBatch(stored, b),
      scoreBatch(onLoad, b),
      `double quant ${doubleQuant}`,
    );
    await assert.rejects(
      () => loadModel(dir, { trainable: true }),
      /4-bit \(NF4\) base weights are frozen/,
    );
    stored.dispose();
    onLoad.dispose();
  }
});

Deno.test("QLoRA SFT: a config with quantization needs lora; a run stopped and resumed ends bit-identical", async () => {
  const model = await writeTinyChatModel(`${root}/chat`, { hidden: 64 });
  await Deno.writeTextFile(
    `${root}/sft.json`,
    JSON.stringify(toyConversations(16)),
  );
  const raw = (out: string, extra: Record<string, unknown> = {}) => ({
    model,
    train_data: `${root}/sft.json`,
    output_dir: `${root}/${out}`,
    lora: { r: 4, lora_alpha: 8 },
    quantization: { load_in_4bit: true, bnb_4bit_use_double_quant: true },
    learning_rate: 1e-2,
    per_device_train_batch_size: 4,
    max_steps: 4,
    save_steps: 2,
    logging_steps: 1,
    ...extra,
  });
  await assert.rejects(
    () => runSftFromConfig(raw("full", { lora: undefined }), "qlora.json"),
    /qlora\.json: field "quantization" holds the base weights in 4 bits.*add a "lora" section/,
  );
  const straight = await runSftFromConfig(raw("straight"), "qlora.json", {
    progress: false,
  });
  await runSftFromConfig(raw("split"), "qlora.json", {
    progress: false,
    stopAfterStep: 2,
  });
  await runSftFromConfig(raw("split"), "qlora.json", {
    progress: false,
    resume: true,
  });
  assert.equal(straight.steps, 4);
  const bytes = (dir: string) =>
    Deno.readFile(`${root}/${dir}/adapter_model.safetensors`);
  assert.deepEqual(await bytes("split"), await bytes("straight"));
  const losses = straight.history.map((r) => r.loss as number);
  assert.ok(losses.every(Number.isFinite), `${losses}`);
});
