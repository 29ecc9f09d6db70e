/**
 * Adapters published on the Hugging Face hub (their adapter_config.json and
 * file sizes, recorded in tests/fixtures/peft/published_adapters.json): the
 * files tunebook writes for the same base model and settings have the same
 * size, keys, shapes and config fields.
 */
import assert from "node:assert/strict";
import { SafetensorsFile } from "../../lib/safetensors/safetensors.ts";
import { parseConfig } from "../../lib/model/config.ts";
import { SMOLLM_135M } from "../../lib/model/known_configs.ts";
import { parsePeftAdapterConfig } from "../../lib/peft/adapter_config.ts";
import { defaultLoraConfig } from "../../lib/peft/config.ts";
import { writeAdapter } from "../../lib/peft/format.ts";
import { loraKeyShapes } from "../../lib/peft/keys.ts";

const fixtures = new URL("../fixtures/peft/", import.meta.url);

const published = JSON.parse(
  await Deno.readTextFile(new URL("published_adapters.json", fixtures)),
) as {
  adapters: {
    repo: string;
    weights_lfs: { size: number };
    base_config: string;
    adapter_config: Record<string, unknown>;
  }[];
};

for (const artifact of published.adapters) {
  Deno.test(`published PEFT adapter ${artifact.repo}: same file size, keys and config fields`, async () => {
    const base = parseConfig(
      JSON.parse(
        await Deno.readTextFile(new URL(artifact.base_config, fixtures)),
      ),
    );
    const { lora, baseModel } = parsePeftAdapterConfig(
      artifact.adapter_config,
      artifact.repo,
    );
    const shapes = loraKeyShapes(base, lora);
    const dir = await Deno.makeTempDir();
    try {
      await writeAdapter(dir, {
        model: base,
        lora,
        baseModel: baseModel!,
        tensors: new Map(
          [...shapes].map(([k, s]) => [k, new Float32Array(s[0] * s[1])]),
        ),
      });
      const path = `${dir}/adapter_model.safetensors`;
      assert.equal(
        (await Deno.stat(path)).size,
        artifact.weights_lfs.size,
        "byte size of the published adapter_model.safetensors",
      );
      using file = await SafetensorsFile.open(path);
      const layers = base.numLayers;
      const perLayer = (lora.targetModules as string[]).length;
      assert.equal(file.names().length, 2 * layers * perLayer);
      for (const name of file.names()) {
        assert.match(
          name,
          /^base_model\.model\.model\.layers\.\d+\.(self_attn|mlp)\.[a-z_]+_proj\.lora_[AB]\.weight$/,
        );
        assert.deepEqual(file.info(name).shape, shapes.get(name));
      }
      // Every field the published file has, ours has with the same value.
      const ours = JSON.parse(
        await Deno.readTextFile(`${dir}/adapter_config.json`),
      );
      for (const [field, value] of Object.entries(artifact.adapter_config)) {
        assert.deepEqual(ours[field], value, `field "${field}"`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("loraKeyShapes: SmolLM-135M (GQA 9/3 heads) without building the model", () => {
  const smol = parseConfig(SMOLLM_135M);
  const shapes = loraKeyShapes(
    smol,
    defaultLoraConfig({ r: 8, targetModules: "all-linear" }),
  );
  assert.equal(shapes.size, 30 * 7 * 2);
  const l = "base_model.model.model.layers.29";
  assert.deepEqual(shapes.get(`${l}.self_attn.q_proj.lora_B.weight`), [576, 8]);
  assert.deepEqual(shapes.get(`${l}.self_attn.k_proj.lora_A.weight`), [8, 576]);
  assert.deepEqual(shapes.get(`${l}.self_attn.k_proj.lora_B.weight`), [192, 8]);
  assert.deepEqual(shapes.get(`${l}.mlp.down_proj.lora_A.weight`), [8, 1536]);
  assert.deepEqual(shapes.get(`${l}.mlp.gate_proj.lora_B.weight`), [1536, 8]);
  assert.ok(![...shapes.keys()].some((k) => k.includes("lm_head")));
});
