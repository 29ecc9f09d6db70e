import assert from "node:assert/strict";
import {
  defaultLoraConfig,
  loraScale,
  parseLoraConfig,
  resolveTargets,
} from "../../lib/peft/config.ts";
import { tinyGemmaConfig, tinyLlamaConfig } from "../helpers/tiny_models.ts";

const llama = { config: tinyLlamaConfig() };
const gemma = { config: tinyGemmaConfig() };
const SEVEN = [
  "self_attn.q_proj",
  "self_attn.k_proj",
  "self_attn.v_proj",
  "self_attn.o_proj",
  "mlp.gate_proj",
  "mlp.up_proj",
  "mlp.down_proj",
];

Deno.test("defaultLoraConfig: PEFT's defaults (r 8, alpha 8, no dropout, q and v)", () => {
  assert.deepEqual(defaultLoraConfig(), {
    r: 8,
    alpha: 8,
    dropout: 0,
    targetModules: ["q_proj", "v_proj"],
    useRslora: false,
    init: "default",
  });
  assert.equal(defaultLoraConfig({ r: 16 }).r, 16);
});

Deno.test("parseLoraConfig: fills defaults and keeps given values", () => {
  const c = parseLoraConfig({
    r: 16,
    alpha: 32,
    dropout: 0.05,
    targetModules: "all-linear",
    useRslora: true,
    init: "gaussian",
  }, "config.json: lora");
  assert.deepEqual(c, {
    r: 16,
    alpha: 32,
    dropout: 0.05,
    targetModules: "all-linear",
    useRslora: true,
    init: "gaussian",
  });
  assert.deepEqual(
    parseLoraConfig({}, "config.json: lora"),
    defaultLoraConfig(),
  );
  assert.deepEqual(
    parseLoraConfig({ targetModules: { regex: ".*\\.q_proj" } }, "x")
      .targetModules,
    { regex: ".*\\.q_proj" },
  );
});

Deno.test("parseLoraConfig: errors name the place, the field and what was expected", () => {
  const cases: [unknown, RegExp][] = [
    [{ r: 0 }, /config\.json: lora: field "r" must be at least 1/],
    [{ r: 2.5 }, /field "r" must be a non-negative integer/],
    [{ alpha: -1 }, /field "alpha" must be a positive number/],
    [{ alpha: "16" }, /field "alpha" must be a finite number, got "16"/],
    [{ dropout: 1 }, /field "dropout" must be a probability in \[0, 1\)/],
    [{ targetModules: [] }, /field "targetModules" must be a non-empty list/],
    [
      { targetModules: "q_proj" },
      /field "targetModules" must be a non-empty list/,
    ],
    [
      { targetModules: { regex: "(" } },
      /field "targetModules" is not a valid regular expression/,
    ],
    [{ useRslora: "yes" }, /field "useRslora" must be true or false/],
    [
      { init: "pissa" },
      /field "init" must be one of "default", "gaussian", got "pissa"/,
    ],
    [
      { lora_alpha: 16 },
      /field "lora_alpha" is not a known setting here; known: r, alpha/,
    ],
    [[1, 2], /config\.json: lora: field "\(root\)" must be a JSON object/],
  ];
  for (const [json, message] of cases) {
    assert.throws(
      () => parseLoraConfig(json, "config.json: lora"),
      message,
      JSON.stringify(json),
    );
  }
});

Deno.test("resolveTargets: a short name matches every module ending in .name (PEFT's suffix rule)", () => {
  const names = resolveTargets(
    defaultLoraConfig({ targetModules: ["v_proj", "q_proj"] }),
    llama,
  );
  assert.deepEqual(names, [
    "model.layers.0.self_attn.q_proj",
    "model.layers.0.self_attn.v_proj",
    "model.layers.1.self_attn.q_proj",
    "model.layers.1.self_attn.v_proj",
  ]);
  // A longer suffix and a full name work too, and overlaps count once.
  assert.deepEqual(
    resolveTargets(
      defaultLoraConfig({
        targetModules: [
          "mlp.down_proj",
          "model.layers.1.mlp.down_proj",
          "layers.0.self_attn.o_proj",
        ],
      }),
      llama,
    ),
    [
      "model.layers.0.self_attn.o_proj",
      "model.layers.0.mlp.down_proj",
      "model.layers.1.mlp.down_proj",
    ],
  );
  // "proj" is not a dotted suffix of anything: no partial-word matches.
  assert.throws(
    () => resolveTargets(defaultLoraConfig({ targetModules: ["proj"] }), llama),
    /"proj" matches no module; available: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj/,
  );
});

Deno.test("resolveTargets: all-linear is every decoder linear, never the head, on both families", () => {
  for (
    const [family, model] of [["llama", llama], ["gemma3", gemma]] as const
  ) {
    const names = resolveTargets(
      defaultLoraConfig({ targetModules: "all-linear" }),
      model,
    );
    assert.equal(names.length, 7 * model.config.numLayers, family);
    const expected = [];
    for (let i = 0; i < model.config.numLayers; i++) {
      for (const n of SEVEN) expected.push(`model.layers.${i}.${n}`);
    }
    assert.deepEqual(names, expected, family);
    assert.ok(!names.some((n) => n.includes("lm_head") || n.includes("embed")));
  }
  assert.equal(
    tinyLlamaConfig().tieWordEmbeddings,
    false,
    "llama has a real lm_head",
  );
});

Deno.test("resolveTargets: regex targets use PEFT's full match", () => {
  const names = resolveTargets(
    defaultLoraConfig({
      targetModules: { regex: ".*layers\\.1\\..*(q_proj|k_proj)" },
    }),
    gemma,
  );
  assert.deepEqual(names, [
    "model.layers.1.self_attn.q_proj",
    "model.layers.1.self_attn.k_proj",
  ]);
  assert.throws(
    () =>
      resolveTargets(
        defaultLoraConfig({ targetModules: { regex: "q_proj" } }),
        gemma,
      ),
    /regex "q_proj" matches no module/,
  );
});

Deno.test("resolveTargets: the head and embeddings are refused by name", () => {
  assert.throws(
    () =>
      resolveTargets(
        defaultLoraConfig({ targetModules: ["q_proj", "lm_head"] }),
        llama,
      ),
    /"lm_head" cannot carry a LoRA adapter in tunebook.*available: q_proj/,
  );
});

Deno.test("loraScale: alpha / r, or alpha / sqrt(r) with rsLoRA", () => {
  assert.equal(loraScale(defaultLoraConfig({ r: 16, alpha: 32 })), 2);
  assert.equal(
    loraScale(defaultLoraConfig({ r: 16, alpha: 32, useRslora: true })),
    8,
  );
});
