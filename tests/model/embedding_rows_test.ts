/**
 * The row path of a large trained embedding gives the dense path's
 * gradient bit for bit, tied (Gemma) or not (Llama), and leaves the step
 * otherwise unchanged.
 */
import assert from "node:assert/strict";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import type { TokenBatch } from "../../lib/model/batch.ts";
import { CausalLM } from "../../lib/model/decoder.ts";
import { embeddingRowGradients } from "../../lib/model/embedding_rows.ts";
import { causalLmLoss } from "../../lib/train/lm_loss.ts";
import { AdamW } from "../../lib/train/optimizer.ts";
import { optimizerStep } from "../../lib/train/step.ts";
import { tinyGemmaConfig, tinyLlamaConfig } from "../helpers/tiny_models.ts";

await initEngine({ verbose: false });

/** Token ids with repeats, so rows of one id are summed. */
const batch: TokenBatch = {
  ids: Int32Array.from([1, 5, 5, 9, 5, 1, 2, 2, 7, 1, 3, 5]),
  batch: 2,
  length: 6,
};

/** Every weight after two optimizer steps, with the row path on or off. */
function trainedWeights(
  config: ReturnType<typeof tinyGemmaConfig>,
  rows: boolean,
) {
  const tensorsAtStart = tf.memory().numTensors;
  const model = CausalLM.random(config, { seed: 4, trainable: true });
  model.embeddingRows!.force = rows;
  const params = model.namedWeights();
  assert.equal(
    embeddingRowGradients(model.embeddingRows!.weight) !== undefined,
    rows,
  );
  const optimizer = new AdamW(params, { lr: 1e-2, weightDecay: 0.01 });
  const gradNorms: number[] = [];
  for (let step = 0; step < 2; step++) {
    const r = optimizerStep({ params, optimizer }, {
      microBatches: [batch],
      loss: (b) => {
        const { loss, tokens } = causalLmLoss(model, b);
        return { loss, weight: tokens };
      },
      lr: 1e-2,
      maxGradNorm: 1,
    });
    gradNorms.push(r.gradNorm);
  }
  const values = new Map(
    params.map(([name, v]) => [name, Array.from(v.dataSync())]),
  );
  optimizer.dispose();
  model.dispose();
  return { values, gradNorms, leaked: tf.memory().numTensors - tensorsAtStart };
}

for (
  const [label, config] of [
    ["tied (Gemma)", tinyGemmaConfig()],
    ["untied (Llama)", tinyLlamaConfig()],
  ] as const
) {
  Deno.test(`embedding row gradients equal the dense gradient bit for bit: ${label}`, () => {
    const dense = trainedWeights(config, false);
    const rows = trainedWeights(config, true);
    assert.deepEqual(rows.gradNorms, dense.gradNorms);
    for (const [name, values] of dense.values) {
      assert.deepEqual(rows.values.get(name), values, name);
    }
    // The anchor and the kept rows are freed with the model and the step.
    assert.equal(rows.leaked, 0);
    assert.equal(dense.leaked, 0);
  });
}

Deno.test("embedding row gradients: outside the optimizer step the lookup stays dense, and a frozen table takes no row path", () => {
  const model = CausalLM.random(tinyGemmaConfig(), { seed: 4 });
  model.embeddingRows!.force = true;
  assert.equal(model.embeddingRows!.applies(), false, "frozen");
  assert.equal(model.embeddingRows!.active, false);
  model.dispose();
});
