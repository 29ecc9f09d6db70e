import assert from "node:assert/strict";
import { initEngine } from "../../lib/engine/mod.ts";
import { entropy, generate } from "../../lib/generate/generate.ts";
import {
  type SamplingOptions,
  samplingOptions,
} from "../../lib/generate/presets.ts";
import {
  argmax,
  sampleToken,
  topKIndices,
} from "../../lib/generate/sampler.ts";
import { CausalLM } from "../../lib/model/decoder.ts";
import { Rng } from "../../lib/util/random.ts";
import { tinyGemmaConfig, tinyLlamaConfig } from "../helpers/tiny_models.ts";

await initEngine({ verbose: false });
const model = CausalLM.random(tinyGemmaConfig({ eos_token_id: 49 }), {
  seed: 7,
  std: 0.3,
});
const prompts = [[2, 5, 9, 13, 4, 8, 3], [2, 6], [2, 11, 12, 20]];

Deno.test("greedy generation is deterministic and independent of batching and padding", () => {
  const batched = generate(model, prompts, {
    maxNewTokens: 10,
    sampling: "greedy",
  });
  const again = generate(model, prompts, {
    maxNewTokens: 10,
    sampling: "greedy",
  });
  assert.deepEqual(batched, again);
  prompts.forEach((p, i) => {
    const alone =
      generate(model, [p], { maxNewTokens: 10, sampling: "greedy" })[0];
    assert.deepEqual(alone, batched[i], `prompt ${i}`);
  });
});

Deno.test("seeded sampling reproduces; another seed differs; tokens stream in order", () => {
  const streamed: number[][] = prompts.map(() => []);
  const a = generate(model, prompts, {
    maxNewTokens: 12,
    sampling: { temperature: 1.5, topK: 0, topP: 1, minP: 0 },
    seed: 42,
    onToken: (row, token) => streamed[row].push(token),
  });
  const b = generate(model, prompts, {
    maxNewTokens: 12,
    sampling: { temperature: 1.5, topK: 0, topP: 1, minP: 0 },
    seed: 42,
  });
  const c = generate(model, prompts, {
    maxNewTokens: 12,
    sampling: { temperature: 1.5, topK: 0, topP: 1, minP: 0 },
    seed: 43,
  });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.map((x) => x.tokens), c.map((x) => x.tokens));
  assert.deepEqual(streamed, a.map((x) => x.tokens));
});

Deno.test("with seeds, each row draws from its own stream: a row's sample does not depend on the other rows", () => {
  const sampling = { temperature: 1.5, topK: 0, topP: 1, minP: 0 };
  const seeds = [11, 12, 13];
  const batched = generate(model, prompts, {
    maxNewTokens: 12,
    sampling,
    seeds,
  });
  prompts.forEach((p, i) => {
    const alone = generate(model, [p], {
      maxNewTokens: 12,
      sampling,
      seeds: [seeds[i]],
    });
    assert.deepEqual(alone[0].tokens, batched[i].tokens, `prompt ${i}`);
  });
  // Another neighbour with another seed leaves row 0 alone.
  const other = generate(model, [prompts[0], prompts[2]], {
    maxNewTokens: 12,
    sampling,
    seeds: [11, 99],
  });
  assert.deepEqual(other[0].tokens, batched[0].tokens);
  assert.throws(
    () => generate(model, prompts, { maxNewTokens: 2, seeds: [1, 2] }),
    /2 seeds for 3 prompts/,
  );
  assert.throws(
    () => generate(model, prompts, { maxNewTokens: 2, seeds, seed: 1 }),
    /seeds, or seed \/ rng, not both/,
  );
});

Deno.test("a stop token ends its row (kept in the output) while other rows continue", () => {
  const greedy = generate(model, prompts, {
    maxNewTokens: 8,
    sampling: "greedy",
    stopTokens: [],
  });
  const stopAt = greedy[0].tokens[2];
  const out = generate(model, prompts, {
    maxNewTokens: 8,
    sampling: "greedy",
    stopTokens: [stopAt],
  });
  const cut = greedy[0].tokens.indexOf(stopAt);
  assert.deepEqual(out[0], {
    tokens: greedy[0].tokens.slice(0, cut + 1),
    finishReason: "stop",
  });
  for (let i = 1; i < prompts.length; i++) {
    const j = greedy[i].tokens.indexOf(stopAt);
    const expected = j >= 0
      ? greedy[i].tokens.slice(0, j + 1)
      : greedy[i].tokens;
    assert.deepEqual(out[i].tokens, expected);
    assert.equal(out[i].finishReason, j >= 0 ? "stop" : "length");
  }
});

Deno.test("bad generation input is a clear error", () => {
  assert.throws(
    () => generate(model, [[]], { maxNewTokens: 3 }),
    /prompt 0 is empty/,
  );
  assert.throws(
    () => generate(model, [[2]], { maxNewTokens: -1 }),
    /maxNewTokens must be a non-negative integer/,
  );
  assert.throws(
    () => samplingOptions("wild" as "greedy"),
    /unknown sampling preset "wild"/,
  );
  assert.throws(() => samplingOptions({ topP: 0 }), /topP must be in \(0, 1\]/);
});

Deno.test("sampler: top-k, top-p and min-p restrict the support; frequencies follow the softmax", () => {
  const logits = new Float32Array([2.0, 1.0, 0.5, 0.0, -1.0, 3.0]);
  assert.equal(argmax(logits), 5);
  assert.deepEqual(topKIndices(logits, 3), [5, 0, 1]);
  const rng = new Rng(1);
  const count = (opts: Partial<SamplingOptions>, n = 4000) => {
    const seen = new Map<number, number>();
    const o = samplingOptions({
      temperature: 1,
      topK: 0,
      topP: 1,
      minP: 0,
      ...opts,
    });
    for (let i = 0; i < n; i++) {
      const t = sampleToken(logits, o, rng);
      seen.set(t, (seen.get(t) ?? 0) + 1);
    }
    return seen;
  };
  assert.deepEqual([...count({ topK: 2 }).keys()].sort(), [0, 5]);
  // p(5) ≈ 0.63, p(0) ≈ 0.23: top-p 0.8 keeps exactly those two.
  assert.deepEqual([...count({ topP: 0.8 }).keys()].sort(), [0, 5]);
  // min-p 0.3 keeps tokens with p ≥ 0.3·p(5) ≈ 0.19: tokens 5 and 0.
  assert.deepEqual([...count({ minP: 0.3 }).keys()].sort(), [0, 5]);
  const full = count({}, 20000);
  const z = [...logits].reduce((s, x) => s + Math.exp(x), 0);
  for (let i = 0; i < logits.length; i++) {
    const expected = Math.exp(logits[i]) / z;
    assert.ok(
      Math.abs((full.get(i) ?? 0) / 20000 - expected) < 0.015,
      `token ${i}`,
    );
  }
});

Deno.test("entropy: log V for uniform logits, near 0 for a peaked row, temperature-scaled; recorded per token", () => {
  const v = 50;
  assert.ok(Math.abs(entropy(new Float32Array(v)) - Math.log(v)) < 1e-9);
  const peaked = new Float32Array(v);
  peaked[3] = 40;
  assert.ok(entropy(peaked) < 1e-12);
  const row = Float32Array.from({ length: v }, (_, i) => Math.sin(i));
  const p = Array.from(row, (x) => Math.exp(x / 0.7));
  const z = p.reduce((a, b) => a + b, 0);
  const want = -p.reduce((a, b) => a + (b / z) * Math.log(b / z), 0);
  assert.ok(Math.abs(entropy(row, 0.7) - want) < 1e-9);
  const llama = CausalLM.random(tinyLlamaConfig(), { seed: 2, std: 0.3 });
  const [out] = generate(llama, [[1, 2, 3]], {
    maxNewTokens: 5,
    sampling: "creative",
    stopTokens: [],
    recordEntropy: true,
  });
  assert.equal(out.entropies!.length, out.tokens.length);
  assert.ok(out.entropies!.every((h) => h > 0 && h <= Math.log(40) + 1e-6));
  llama.dispose();
});
