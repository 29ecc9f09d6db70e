import assert from "node:assert/strict";
import { writeFileAtomic } from "../../lib/util/atomic.ts";
import {
  readSafetensors,
  SafetensorsFile,
  writeSafetensors,
} from "../../lib/safetensors/safetensors.ts";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import { parseConfig } from "../../lib/model/config.ts";
import { CausalLM } from "../../lib/model/decoder.ts";
import { SMOLLM_135M } from "../../lib/model/known_configs.ts";
import {
  parsePeftAdapterConfig,
  peftConfigObject,
} from "../../lib/peft/adapter_config.ts";
import { defaultLoraConfig, type LoraConfig } from "../../lib/peft/config.ts";
import {
  loadAdapter,
  readAdapter,
  saveAdapter,
  writeAdapter,
} from "../../lib/peft/format.ts";
import { loraKeyShapes } from "../../lib/peft/keys.ts";
import { applyLora } from "../../lib/peft/lora.ts";
import { tinyGemmaConfig, tinyLlamaConfig } from "../helpers/tiny_models.ts";
import { logProbs, randomBatch, randomizeB } from "./helpers.ts";

await initEngine({ verbose: false });

const fixtures = new URL("../fixtures/peft/", import.meta.url);

/** A tiny Llama with a trained-looking LoRA saved in `dir`. */
async function savedAdapter(dir: string, lora: Partial<LoraConfig> = {}) {
  const config = tinyLlamaConfig();
  const model = CausalLM.random(config, { seed: 2, std: 0.1 });
  const adapters = applyLora(
    model,
    defaultLoraConfig({ r: 4, alpha: 8, ...lora }),
    { seed: 3 },
  );
  randomizeB(adapters, 8);
  await saveAdapter(dir, adapters, { baseModel: "tunebook/tiny-llama" });
  return { config, model, adapters };
}

/** Rewrites an adapter folder's weights through `edit` (name → tensor). */
async function editWeights(
  dir: string,
  edit: (
    tensors: Map<string, { shape: number[]; data: Float32Array }>,
  ) => void,
) {
  const { tensors } = await readSafetensors(`${dir}/adapter_model.safetensors`);
  const plain = new Map(
    [...tensors].map(([k, t]) => [k, { shape: t.shape, data: t.data }]),
  );
  edit(plain);
  await writeSafetensors(`${dir}/adapter_model.safetensors`, plain);
}

async function editConfig(
  dir: string,
  edit: (json: Record<string, unknown>) => void,
) {
  const path = `${dir}/adapter_config.json`;
  const json = JSON.parse(await Deno.readTextFile(path));
  edit(json);
  await writeFileAtomic(path, JSON.stringify(json));
}

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
