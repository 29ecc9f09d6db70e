/**
 * The one batch type and the one log-prob path: layouts of the builders,
 * the counted next-token positions, log-probs at a sampling temperature,
 * host scoring equal to the differentiable path, and the vocabulary-mean
 * logits DPO logs.
 */
import assert from "node:assert/strict";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import { loadOpenBlas } from "../../lib/engine/blas.ts";
import {
  attendedTokens,
  padBatch,
  promptCompletionBatch,
  targetMask,
} from "../../lib/model/batch.ts";
import { CausalLM } from "../../lib/model/decoder.ts";
import {
  batchLogProbs,
  batchLogProbsAndMeanLogits,
} from "../../lib/model/logprobs.ts";
import { scoreBatch } from "../../lib/model/score.ts";
import { tinyLlamaConfig } from "../helpers/tiny_models.ts";

await initEngine({ verbose: false });

Deno.test("promptCompletionBatch: right-padded rows whose completion tokens are the targets", () => {
  const b = promptCompletionBatch([
    { promptIds: [5, 6, 7], completionIds: [8, 9] },
    { promptIds: [5], completionIds: [3, 4, 2] },
  ], 0);
  assert.equal(b.length, 5);
  assert.deepEqual([...b.ids], [5, 6, 7, 8, 9, 5, 3, 4, 2, 0]);
  assert.deepEqual([...b.attentionMask!], [1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
  assert.deepEqual([...b.labelMask!], [0, 0, 0, 1, 1, 0, 1, 1, 1, 0]);
  // Position t predicts token t + 1: row 0 counts positions 2, 3; row 1 0, 1, 2.
  const { weights, count } = targetMask(b);
  assert.deepEqual([...weights], [0, 0, 1, 1, 1, 1, 1, 0]);
  assert.equal(count, 5);
  assert.equal(attendedTokens(b), 9);
  // At least one next-token position, even for a lone token.
  assert.equal(
    promptCompletionBatch([{ promptIds: [1], completionIds: [] }], 0).length,
    2,
  );
});

Deno.test("targetMask: a labelled padding token does not count; no masks means every token after the first", () => {
  const padded = padBatch([{ ids: [1, 2, 3], mask: [1, 1, 1] }, {
    ids: [4],
    mask: [1],
  }], 0);
  // The label mask of a padded row is 0 there anyway; force it to 1.
  padded.labelMask!.fill(1);
  assert.deepEqual([...targetMask(padded).weights], [1, 1, 0, 0]);
  const plain = { ids: new Int32Array([1, 2, 3, 4]), batch: 2, length: 2 };
  assert.deepEqual(targetMask(plain), {
    weights: new Float32Array([1, 1]),
    count: 2,
  });
  assert.equal(attendedTokens(plain), 4);
});

Deno.test("batchLogProbs: log-softmax of logits / T at the next token; scoreBatch reads the same values", () => {
  const model = CausalLM.random(tinyLlamaConfig(), { seed: 2, std: 0.3 });
  const b = promptCompletionBatch([
    { promptIds: [5, 6, 7], completionIds: [8, 9, 11] },
    { promptIds: [12, 13], completionIds: [14] },
  ], 0);
  const ids = tf.tensor2d(b.ids, [b.batch, b.length], "int32");
  const logits = model.logits(
    model.forward(ids, { attentionMask: b.attentionMask }),
  );
  for (const temperature of [1, 0.7]) {
    const want = tf.tidy(() =>
      tf.logSoftmax(tf.div(logits, temperature)).arraySync()
    ) as number[][][];
    const got = batchLogProbs(model, b, { temperature });
    const values = got.arraySync() as number[][];
    for (let r = 0; r < b.batch; r++) {
      for (let t = 0; t < b.length - 1; t++) {
        const next = b.ids[r * b.length + t + 1];
        assert.ok(
          Math.abs(values[r][t] - want[r][t][next]) < 1e-5,
          `T ${temperature}, row ${r}, position ${t}`,
        );
      }
    }
    assert.deepEqual(scoreBatch(model, b, { temperature }), got.dataSync());
    got.dispose();
  }
  // T scales the logits: at 0.7 the log-probs differ from those at 1.
  const at1 = scoreBatch(model, b),
    at07 = scoreBatch(model, b, {
      temperature: 0.7,
    });
  assert.ok(at1.some((v, i) => Math.abs(v - at07[i]) > 1e-3));
  tf.dispose([ids, logits]);
  model.dispose();
});

Deno.test("batchLogProbsAndMeanLogits: the same log-probs, and each position's logits averaged over the vocabulary (heap and host heads)", () => {
  const b = promptCompletionBatch([
    { promptIds: [5, 6, 7], completionIds: [8, 9, 11] },
    { promptIds: [12, 13], completionIds: [14] },
  ], 0);
  const offloads = loadOpenBlas().ok
    ? (["none", "frozen-linears"] as const)
    : (["none"] as const);
  for (const offload of offloads) {
    const model = CausalLM.random(tinyLlamaConfig(), {
      seed: 2,
      std: 0.3,
      offload,
    });
    const ids = tf.tensor2d(b.ids, [b.batch, b.length], "int32");
    const want = tf.tidy(() =>
      tf.mean(
        model.logits(model.forward(ids, { attentionMask: b.attentionMask })),
        -1,
      ).arraySync()
    ) as number[][];
    const { logps, meanLogits } = batchLogProbsAndMeanLogits(model, b);
    assert.deepEqual(logps.dataSync(), scoreBatch(model, b));
    const got = meanLogits.arraySync() as number[][];
    for (let r = 0; r < b.batch; r++) {
      for (let t = 0; t < b.length - 1; t++) {
        assert.ok(
          Math.abs(got[r][t] - want[r][t]) < 1e-5,
          `${offload}: row ${r}, position ${t}: ${got[r][t]} vs ${want[r][t]}`,
        );
      }
    }
    tf.dispose([ids, logps, meanLogits]);
    model.dispose();
  }
});
