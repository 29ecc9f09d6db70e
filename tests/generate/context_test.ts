/**
 * Generation against the model's context: generate() refuses a prompt that
 * with its new tokens would run past max_position_embeddings (Gemma's
 * sliding window is not the limit), and the budget helper says what the
 * longest prompt leaves.
 */
import assert from "node:assert/strict";
import { initEngine } from "../../lib/engine/mod.ts";
import {
  checkFitsContext,
  ContextLengthError,
  newTokenBudget,
} from "../../lib/generate/context.ts";
import { generate } from "../../lib/generate/generate.ts";
import { CausalLM } from "../../lib/model/decoder.ts";
import { errorKind } from "../../lib/util/errors.ts";
import { tinyGemmaConfig, tinyLlamaConfig } from "../helpers/tiny_models.ts";

await initEngine({ verbose: false });

Deno.test("generate refuses a prompt whose new tokens would run past the context, naming it", () => {
  const model = CausalLM.random(
    tinyLlamaConfig({ max_position_embeddings: 16 }),
    { seed: 1 },
  );
  try {
    const short = [1, 2, 3], long = Array.from({ length: 12 }, (_, i) => i);
    // 12 + 4 = 16 fits exactly; one more token does not.
    assert.equal(
      generate(model, [short, long], { maxNewTokens: 4, sampling: "greedy" })
        .length,
      2,
    );
    assert.throws(
      () =>
        generate(model, [short, long], { maxNewTokens: 5, sampling: "greedy" }),
      (error: Error) =>
        error instanceof ContextLengthError &&
        errorKind(error) === "input" &&
        /^generate: prompt 1 has 12 tokens; with 5 new tokens that is 17, past the model's context of 16 tokens \(max_position_embeddings\)$/
          .test(error.message),
    );
  } finally {
    model.dispose();
  }
});

Deno.test("generate: Gemma's sliding window is not the limit, max_position_embeddings is", () => {
  // The window is 5 tokens; a 20-token prompt is well inside 64 positions.
  const model = CausalLM.random(
    tinyGemmaConfig({ max_position_embeddings: 64 }),
    { seed: 2 },
  );
  try {
    const prompt = Array.from({ length: 20 }, (_, i) => 2 + i);
    const [out] = generate(model, [prompt], {
      maxNewTokens: 8,
      sampling: "greedy",
      stopTokens: [],
    });
    assert.equal(out.tokens.length, 8);
    assert.throws(
      () => generate(model, [prompt], { maxNewTokens: 45 }),
      /prompt 0 has 20 tokens; with 45 new tokens that is 65, past the model's context of 64/,
    );
  } finally {
    model.dispose();
  }
});

Deno.test("newTokenBudget: cut to what the longest prompt leaves; no room at all is refused by name", () => {
  assert.deepEqual(newTokenBudget(256, [10, 200, 40], 512), {
    budget: 56,
    longest: 200,
  });
  assert.deepEqual(newTokenBudget(256, [10], 20), { budget: 20, longest: 10 });
  assert.throws(
    () => newTokenBudget(256, [10, 256], 20, (i) => `q.jsonl line ${i + 2}`),
    /: q\.jsonl line 3 has 256 tokens, which leaves no room for new tokens in the model's context of 256 tokens \(max_position_embeddings\)$/,
  );
  assert.doesNotThrow(() => checkFitsContext(8, [4, 5], 3));
});
