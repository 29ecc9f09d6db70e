import assert from "node:assert/strict";
import {
  readSafetensors,
  writeSafetensors,
} from "../../lib/checkpoint/safetensors.ts";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import { CausalLM } from "../../lib/model/decoder.ts";
import { loadModel, saveModel } from "../../lib/model/load.ts";
import { tinyGemmaConfig, tinyLlamaConfig } from "../helpers/tiny_models.ts";

await initEngine({ verbose: false });
const IDS = [[2, 5, 9, 13, 4, 8, 3, 7, 11, 12]];

function logits(model: CausalLM): Float32Array {
  return tf.tidy(() =>
    model.logits(model.forward(tf.tensor2d(IDS, [1, 10], "int32")))
  ).dataSync() as Float32Array;
}

Deno.test("save → load round-trips a model in HF layout (F32 exactly, BF16 closely)", async () => {
  for (const config of [tinyGemmaConfig(), tinyLlamaConfig()]) {
    const dir = await Deno.makeTempDir();
    const model = CausalLM.random(config, { seed: 9, std: 0.2 });
    await saveModel(model, dir);
    const files = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(files, [
      "config.json",
      "generation_config.json",
      "model.safetensors",
    ]);
    const back = await loadModel(dir);
    assert.deepEqual(logits(back), logits(model));
    back.dispose();

    await saveModel(model, dir, { dtype: "BF16" });
    const { tensors } = await readSafetensors(`${dir}/model.safetensors`);
    assert.equal(tensors.get("model.embed_tokens.weight")!.dtype, "BF16");
    const halved = await loadModel(dir);
    const a = logits(halved), b = logits(model);
    assert.ok(a.some((v, i) => v !== b[i]), "bf16 storage rounds");
    const scale = Math.max(...b.map(Math.abs));
    const err = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    assert.ok(err < 0.02 * scale, `bf16 logits off by ${err} (scale ${scale})`);
    halved.dispose();
    model.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a checkpoint that does not fit the config names the tensors", async () => {
  const dir = await Deno.makeTempDir();
  const model = CausalLM.random(tinyLlamaConfig(), { seed: 1 });
  await saveModel(model, dir);
  const loaded = (await readSafetensors(`${dir}/model.safetensors`)).tensors;
  const tensors = new Map(
    [...loaded].map(([name, t]) => [name, { shape: t.shape, data: t.data }]),
  );
  tensors.delete("model.layers.1.mlp.up_proj.weight");
  const q = tensors.get("model.layers.0.self_attn.q_proj.weight")!;
  tensors.set("model.layers.0.self_attn.q_proj.weight", {
    shape: [16, 64],
    data: q.data,
  });
  tensors.set("model.vision_tower.weight", {
    shape: [2],
    data: new Float32Array(2),
  });
  await writeSafetensors(`${dir}/model.safetensors`, tensors);
  await assert.rejects(() => loadModel(dir), (e: Error) => {
    assert.match(
      e.message,
      /missing tensor "model.layers.1.mlp.up_proj.weight" \(expected shape \[48,32\]\)/,
    );
    assert.match(
      e.message,
      /tensor "model.layers.0.self_attn.q_proj.weight" has shape \[16,64\], expected \[32,32\]/,
    );
    assert.match(e.message, /unexpected tensor "model.vision_tower.weight"/);
    return true;
  });
  await Deno.remove(`${dir}/config.json`);
  await assert.rejects(
    () => loadModel(dir),
    /config.json not found: a model folder needs config.json/,
  );
  model.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a model too large for the wasm heap is refused before any weight is read", async () => {
  const dir = await Deno.makeTempDir();
  const config = JSON.parse(
    Deno.readTextFileSync(
      new URL("../fixtures/configs/gemma-3-1b-it.json", import.meta.url),
    ),
  );
  await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(config));
  // No weights at all: the size check must come first.
  await assert.rejects(
    () => loadModel(dir),
    /1\.00B parameters = 3\.7 GiB as float32, more than the wasm backend's 4 GiB heap/,
  );
  await Deno.remove(dir, { recursive: true });
});
