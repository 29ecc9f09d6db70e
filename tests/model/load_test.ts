import assert from "node:assert/strict";
import {
  readSafetensors,
  writeSafetensors,
} from "../../lib/safetensors/safetensors.ts";
import { loadOpenBlas } from "../../lib/engine/blas.ts";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import { parseConfig } from "../../lib/model/config.ts";
import { CausalLM } from "../../lib/model/decoder.ts";
import { offloadableNames, planOffload } from "../../lib/model/host_weights.ts";
import { loadConfig, loadModel, saveModel } from "../../lib/model/load.ts";
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

const GEMMA3_1B_CONFIG = new URL(
  "../fixtures/configs/gemma-3-1b-it.json",
  import.meta.url,
);

/** A folder holding only the Gemma 3 1B config.json: any weight read fails. */
async function configOnlyFolder(): Promise<string> {
  const dir = await Deno.makeTempDir();
  await Deno.copyFile(GEMMA3_1B_CONFIG, `${dir}/config.json`);
  return dir;
}

// The 4 GiB limit is the wasm backend's; other backends load anything.
const ON_WASM = tf.getBackend() === "wasm";

Deno.test({
  name:
    "a model too large for the wasm heap is refused before any weight is read when it cannot be offloaded",
  ignore: !ON_WASM,
}, async () => {
  const dir = await configOnlyFolder();
  const tooBig =
    /1\.00B parameters = 3\.7 GiB as float32, more than the wasm backend's 4 GiB heap/;
  // No weights at all: the size check must come first.
  await assert.rejects(
    () => loadModel(dir, { offload: "none" }),
    (e: Error) => {
      assert.match(e.message, tooBig);
      assert.match(e.message, /offload is "none"/);
      return true;
    },
  );
  await assert.rejects(
    () => loadModel(dir, { trainable: true }),
    (e: Error) => {
      assert.match(e.message, tooBig);
      assert.match(e.message, /full fine-tuning \(trainable: true\)/);
      return true;
    },
  );
  await assert.rejects(
    () => loadModel(dir, { trainable: true, offload: "frozen-linears" }),
    /offload "frozen-linears" cannot be combined with trainable: true/,
  );
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    () => loadModel(dir, { offload: "everything" as any }),
    /unknown offload "everything"; expected auto, none, frozen-linears/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test({
  name:
    "auto offload: host memory for a 1B model on wasm, the heap for small ones",
  ignore: !ON_WASM || !loadOpenBlas().ok,
}, async () => {
  const dir = await configOnlyFolder();
  const big = await loadConfig(dir);
  await Deno.remove(dir, { recursive: true });
  const planned = planOffload(big, { source: "gemma-3-1b" });
  assert.deepEqual([...planned], offloadableNames(big));
  // 26 layers × 7 linears + the tied embedding.
  assert.equal(planned.size, 26 * 7 + 1);
  const llama = parseConfig(
    JSON.parse(
      Deno.readTextFileSync(
        new URL(
          "../fixtures/configs/llama-3.2-1b-instruct.json",
          import.meta.url,
        ),
      ),
    ),
  );
  // 16 layers × 7 linears + the tied embedding.
  assert.equal(planOffload(llama, { source: "llama-3.2-1b" }).size, 16 * 7 + 1);
  assert.equal(planOffload(tinyGemmaConfig(), { source: "tiny" }).size, 0);
  const small = CausalLM.random(tinyLlamaConfig());
  assert.equal(small.hostWeights.size, 0);
  small.dispose();
});

Deno.test("without OpenBLAS a model too large for the heap is refused, saying how to get OpenBLAS", async () => {
  const code = `
    import { initEngine } from "./lib/engine/mod.ts";
    import { loadModel } from "./lib/model/load.ts";
    await initEngine({ verbose: false, backend: "wasm" });
    try {
      await loadModel(Deno.args[0]);
      console.log("loaded");
    } catch (e) {
      console.log(e.message);
    }`;
  const dir = await configOnlyFolder();
  const root = new URL("../..", import.meta.url).pathname;
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["eval", code, dir],
    cwd: root,
    env: { TUNEBOOK_OPENBLAS: `${dir}/no-such-libopenblas.so.0` },
  }).output();
  const out = new TextDecoder().decode(run.stdout);
  assert.match(out, /1\.00B parameters = 3\.7 GiB as float32/);
  assert.match(out, /only with OpenBLAS, which did not load/);
  assert.match(out, /installs Debian's libopenblas0-pthread/);
  await Deno.remove(dir, { recursive: true });
});
