/**
 * What loading a PEFT adapter refuses, and how it says so: weight problems
 * name the file and the key, unsupported PEFT features name the field, and
 * missing files or a model of other shapes say what is wrong.
 */
import assert from "node:assert/strict";
import { initEngine } from "../../lib/engine/mod.ts";
import { CausalLM } from "../../lib/model/decoder.ts";
import { loadAdapter, readAdapter } from "../../lib/peft/format.ts";
import { tinyGemmaConfig, tinyLlamaConfig } from "../helpers/tiny_models.ts";
import { editConfig, editWeights, savedAdapter } from "./saved_adapter.ts";

await initEngine({ verbose: false });

Deno.test("loadAdapter: weight problems name the file and the key", async () => {
  const q0A = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight";
  const cases: [
    string,
    (t: Map<string, { shape: number[]; data: Float32Array }>) => void,
    RegExp,
  ][] = [
    [
      "missing",
      (t) => t.delete(q0A),
      new RegExp(
        `adapter_model\\.safetensors: missing tensor "${
          q0A.replaceAll(".", "\\.")
        }" \\(shape \\[4,32\\]\\)`,
      ),
    ],
    [
      "misshapen",
      (t) => t.set(q0A, { shape: [4, 16], data: new Float32Array(64) }),
      /adapter_model\.safetensors: tensor "base_model\.model\.model\.layers\.0\.self_attn\.q_proj\.lora_A\.weight" has shape \[4,16\], expected \[4,32\]/,
    ],
    [
      "untargeted",
      (t) =>
        t.set(q0A.replace("self_attn.q_proj", "mlp.up_proj"), {
          shape: [4, 32],
          data: new Float32Array(128),
        }),
      /tensor "base_model\.model\.model\.layers\.0\.mlp\.up_proj\.lora_A\.weight" is for module "model\.layers\.0\.mlp\.up_proj", which .*adapter_config\.json does not target \(targets: q_proj, v_proj\)/,
    ],
    [
      "not LoRA",
      (t) =>
        t.set("base_model.model.lm_head.weight", {
          shape: [40, 32],
          data: new Float32Array(1280),
        }),
      /tensor "base_model\.model\.lm_head\.weight" is not a LoRA matrix/,
    ],
  ];
  for (const [what, edit, message] of cases) {
    const dir = await Deno.makeTempDir();
    try {
      const { config } = await savedAdapter(dir);
      await editWeights(dir, edit);
      const fresh = CausalLM.random(config, { seed: 2 });
      await assert.rejects(loadAdapter(dir, fresh), message, what);
      assert.equal(fresh.adapters.size, 0, `${what}: model left untouched`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("loadAdapter: unsupported PEFT features are refused by field", async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [
      { use_dora: true },
      /adapter_config\.json: field "use_dora" is true, but DoRA/,
    ],
    [
      { modules_to_save: ["lm_head"] },
      /field "modules_to_save" is \["lm_head"\], but saving whole modules/,
    ],
    [{ bias: "all" }, /field "bias" is "all", but training biases/],
    [
      { peft_type: "IA3" },
      /field "peft_type" is "IA3"; tunebook loads LoRA adapters only/,
    ],
    [{ task_type: "SEQ_CLS" }, /field "task_type" is "SEQ_CLS"/],
    [
      { init_lora_weights: "pissa_niter_4" },
      /field "init_lora_weights" is "pissa_niter_4": this initialisation changes the base weights/,
    ],
    [{ rank_pattern: { "q_proj": 16 } }, /field "rank_pattern"/],
    [{ r: 0 }, /field "r" must be at least 1/],
    [
      { target_modules: ["c_attn"] },
      /target_modules do not fit this model: .*"c_attn" matches no module; available: q_proj/,
    ],
  ];
  for (const [change, message] of cases) {
    const dir = await Deno.makeTempDir();
    try {
      const { config } = await savedAdapter(dir);
      await editConfig(dir, (json) => Object.assign(json, change));
      await assert.rejects(
        loadAdapter(dir, CausalLM.random(config, { seed: 2 })),
        message,
        JSON.stringify(change),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("loadAdapter: missing files and a model of other shapes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      loadAdapter(dir, CausalLM.random(tinyLlamaConfig(), { seed: 1 })),
      /adapter_config\.json not found: a PEFT adapter folder needs adapter_config\.json and adapter_model\.safetensors/,
    );
    await savedAdapter(dir);
    // The same adapter against a model of other shapes.
    await assert.rejects(
      loadAdapter(dir, CausalLM.random(tinyGemmaConfig(), { seed: 1 })),
      /tensor "base_model\.model\.model\.layers\.0\.self_attn\.q_proj\.lora_B\.weight" has shape \[32,4\], expected \[64,4\]/,
    );
    await Deno.rename(
      `${dir}/adapter_model.safetensors`,
      `${dir}/adapter_model.bin`,
    );
    await assert.rejects(
      readAdapter(dir, tinyLlamaConfig()),
      /adapter_model\.bin is a pickle file, which tunebook does not read/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
