/**
 * The step-wise core of generation: rows with their own sampling settings,
 * budgets and stop tokens share a batch and each get what they get alone;
 * a caller can end a row between steps; stepping is generate().
 */
import assert from "node:assert/strict";
import { initEngine } from "../../lib/engine/mod.ts";
import { Decoding, type DecodingRow } from "../../lib/generate/decoding.ts";
import { generate } from "../../lib/generate/generate.ts";
import { samplingOptions } from "../../lib/generate/presets.ts";
import { CausalLM } from "../../lib/model/decoder.ts";
import { Rng } from "../../lib/util/random.ts";
import { tinyGemmaConfig } from "../helpers/tiny_models.ts";

await initEngine({ verbose: false });
const model = CausalLM.random(tinyGemmaConfig({ eos_token_id: 49 }), {
  seed: 7,
  std: 0.3,
});

/** Row i: its own prompt, settings, budget, stop tokens and seed. */
function rows(): DecodingRow[] {
  const prompts = [[2, 5, 9, 13, 4, 8, 3], [2, 6], [2, 11, 12, 20], [2, 7, 7]];
  return prompts.map((prompt, i) => ({
    prompt,
    maxNewTokens: [9, 4, 12, 6][i],
    sampling: samplingOptions(
      [
        "greedy",
        { temperature: 1.5, topK: 0, topP: 1, minP: 0 },
        { temperature: 0.8, topK: 5, topP: 0.9, minP: 0 },
        { temperature: 1, topK: 0, topP: 1, minP: 0.1 },
      ][i] as "greedy",
    ),
    stopTokens: new Set(i === 3 ? [] : [49]),
    rng: new Rng(100 + i),
  }));
}

function run(rowsToRun: DecodingRow[], onStep?: (d: Decoding) => void) {
  const decoding = new Decoding(model, rowsToRun);
  try {
    while (!decoding.done) {
      decoding.step();
      onStep?.(decoding);
    }
  } finally {
    decoding.dispose();
  }
  return decoding.results;
}

Deno.test("rows with their own settings and budgets share a batch: each gets what it gets alone", () => {
  const together = run(rows());
  rows().forEach((row, i) => {
    assert.deepEqual(run([row])[0], together[i], `row ${i}`);
    assert.ok(together[i].tokens.length <= row.maxNewTokens);
  });
  assert.equal(together[1].tokens.length, 4, "budget 4");
  assert.equal(together[3].finishReason, "length");
});

Deno.test("finish() ends a row between steps; the others go on unchanged", () => {
  const full = run(rows());
  const cut = run(rows(), (d) => {
    if (d.results[2].tokens.length === 2) d.finish(2);
  });
  assert.deepEqual(cut[2], {
    tokens: full[2].tokens.slice(0, 2),
    finishReason: "stop",
  });
  for (const i of [0, 1, 3]) assert.deepEqual(cut[i], full[i], `row ${i}`);
});

Deno.test("onToken sees each token with its step's raw logits; stepping to the end is generate()", () => {
  const prompts = [[2, 5, 9], [2, 6, 1, 1, 3]];
  const seen: [number, number, number, number][] = [];
  const out = generate(model, prompts, {
    maxNewTokens: 5,
    sampling: "greedy",
    stopTokens: [],
    onToken: (row, token, step, logits) =>
      seen.push([row, token, step, logits.length]),
  });
  assert.equal(seen.length, 10);
  for (const [row, token, step, vocab] of seen) {
    assert.equal(out[row].tokens[step], token);
    assert.equal(vocab, model.config.vocabSize);
  }
  const stepped = run(prompts.map((prompt) => ({
    prompt,
    maxNewTokens: 5,
    sampling: samplingOptions("greedy"),
    stopTokens: new Set<number>(),
    rng: new Rng(0),
  })));
  assert.deepEqual(stepped, out);
});

Deno.test("bad rows are refused before anything runs, naming the row", () => {
  const [row] = rows();
  assert.throws(
    () => new Decoding(model, [row, { ...row, prompt: [] }]),
    /generate: prompt 1 is empty/,
  );
  assert.throws(
    () =>
      new Decoding(model, [{ ...row, maxNewTokens: 1.5 }], { caller: "serve" }),
    /serve: maxNewTokens must be a non-negative integer, got 1.5/,
  );
  assert.throws(
    () => new Decoding(model, [{ ...row, maxNewTokens: 5000 }]),
    /generate: prompt 0 has 7 tokens; with 5000 new tokens/,
  );
  const none = new Decoding(model, [{ ...row, maxNewTokens: 0 }]);
  assert.equal(none.done, true);
  none.step(); // nothing to do
  none.dispose();
  assert.deepEqual(none.results, [{ tokens: [], finishReason: "length" }]);
});
