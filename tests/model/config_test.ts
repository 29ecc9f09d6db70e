import assert from "node:assert/strict";
import {
  ConfigError,
  parameterCount,
  parseConfig,
} from "../../lib/model/config.ts";
import { inverseFrequencies } from "../../lib/model/rope.ts";

const fixture = (name: string) =>
  JSON.parse(
    Deno.readTextFileSync(
      new URL(`../fixtures/configs/${name}.json`, import.meta.url),
    ),
  );

Deno.test("published configs parse to the documented architectures and parameter counts", () => {
  const g270 = parseConfig(fixture("gemma-3-270m"));
  assert.equal(g270.family, "gemma3");
  assert.deepEqual(
    g270.layerTypes.map((t, i) => t === "full_attention" ? i : -1).filter((i) =>
      i >= 0
    ),
    [5, 11, 17],
  );
  assert.equal(g270.attnScale, 1 / 16);
  // √640 = 25.298 becomes 25.25 in the checkpoint dtype (bfloat16), as in transformers.
  assert.equal(g270.embedScale, 25.25);
  assert.equal((parameterCount(g270) / 1e6).toFixed(1), "268.1");

  const g1b = parseConfig(fixture("gemma-3-1b-it"));
  // No explicit layer_types: derived from sliding_window_pattern 6.
  assert.deepEqual(
    g1b.layerTypes.map((t, i) => t === "full_attention" ? i : -1).filter((i) =>
      i >= 0
    ),
    [5, 11, 17, 23],
  );
  assert.deepEqual(g1b.eosTokenIds, [1, 106]);
  assert.equal((parameterCount(g1b) / 1e6).toFixed(1), "999.9");

  const llama = parseConfig(fixture("llama-3.2-1b-instruct"));
  assert.equal(llama.family, "llama");
  assert.equal(llama.ropeScaling.type, "llama3");
  assert.equal(llama.numKvHeads, 8);
  assert.equal((parameterCount(llama) / 1e9).toFixed(3), "1.236");

  const smol = parseConfig(fixture("smollm-135m-instruct"));
  assert.equal(smol.headDim, 64);
  assert.equal((parameterCount(smol) / 1e6).toFixed(1), "134.5");
});

Deno.test("bad configs name the file and the field", () => {
  const base = fixture("smollm-135m-instruct");
  assert.throws(
    () =>
      parseConfig({
        ...base,
        model_type: "mistral",
        architectures: ["MistralForCausalLM"],
      }, "m/config.json"),
    (e: Error) =>
      e instanceof ConfigError &&
      /m\/config.json: field "model_type" is "mistral"; supported/.test(
        e.message,
      ),
  );
  assert.throws(
    () => parseConfig({ ...base, num_key_value_heads: 4 }),
    /field "num_key_value_heads" \(4\) must divide num_attention_heads \(9\)/,
  );
  assert.throws(
    () => parseConfig({ ...base, hidden_size: "576" }),
    /field "hidden_size" must be a finite number/,
  );
  const { vocab_size: _, ...noVocab } = base;
  assert.throws(() => parseConfig(noVocab), /field "vocab_size" is missing/);
  assert.throws(
    () =>
      parseConfig({ ...fixture("gemma-3-270m"), final_logit_softcapping: 30 }),
    /field "final_logit_softcapping" is 30, but final-logit softcapping is not implemented/,
  );
  assert.throws(
    () =>
      parseConfig({ ...base, rope_scaling: { rope_type: "yarn", factor: 4 } }),
    /rope_scaling.rope_type" "yarn" is not supported/,
  );
  assert.throws(
    () =>
      parseConfig({
        ...fixture("gemma-3-270m"),
        layer_types: ["full_attention"],
      }),
    /layer_types" has 1 entries but num_hidden_layers is 18/,
  );
});

Deno.test("llama3 RoPE scaling follows transformers' three wavelength bands", () => {
  const base = inverseFrequencies(64, 500000, { type: "default" });
  const scaled = inverseFrequencies(64, 500000, {
    type: "llama3",
    factor: 32,
    lowFreqFactor: 1,
    highFreqFactor: 4,
    originalMaxPositionEmbeddings: 8192,
  });
  // Highest frequency (short wavelength) unchanged; lowest divided by the factor.
  assert.equal(scaled[0], base[0]);
  assert.ok(Math.abs(scaled[31] - base[31] / 32) < 1e-18);
  // Some band in between is interpolated: strictly between base/32 and base.
  const between = [...scaled].filter((v, j) =>
    v < base[j] && v > base[j] / 32 + 1e-18
  );
  assert.ok(between.length > 0);
});
