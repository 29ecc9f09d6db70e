/**
 * Parity with the independent float64 PyTorch reference
 * (tests/fixtures/reference/): log-probs of each tiny HF checkpoint must match
 * the golden values within 1e-4, alone and left-padded in a batch.
 */
import assert from "node:assert/strict";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import { loadModel } from "../../lib/model/load.ts";
import { sequenceLogProbs } from "../../lib/model/logprobs.ts";
import { inverseFrequencies } from "../../lib/model/rope.ts";

await initEngine({ verbose: false });

interface Golden {
  tolerance: number;
  embed_scale: number;
  attention_scale: number;
  rope_inv_freq: Record<string, number[]>;
  sequences: { name: string; tokens: number[]; logprobs: number[] }[];
  batches: string[][];
  last_logits: { sequence: string; position: number; logits: number[] };
}

const MODELS = [
  "tiny-gemma3",
  "tiny-gemma3-bf16",
  "tiny-llama-gqa",
  "tiny-llama3-mqa",
];

function worst(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

for (const name of MODELS) {
  const folder =
    new URL(`../fixtures/models/${name}`, import.meta.url).pathname;
  const golden: Golden = JSON.parse(
    Deno.readTextFileSync(`${folder}/golden.json`),
  );

  Deno.test(`${name}: matches the PyTorch reference (log-probs, logits, scales, RoPE)`, async () => {
    const model = await loadModel(folder);
    const c = model.config;
    assert.ok(
      Math.abs(c.embedScale - golden.embed_scale) < 1e-12,
      `embed scale ${c.embedScale}`,
    );
    assert.ok(
      Math.abs(c.attnScale - golden.attention_scale) < 1e-12,
      `attention scale ${c.attnScale}`,
    );
    assert.ok(
      worst(
        inverseFrequencies(c.headDim, c.ropeTheta, c.ropeScaling),
        golden.rope_inv_freq.full_attention,
      ) < 1e-12,
    );
    const local = golden.rope_inv_freq.sliding_attention;
    if (local) {
      assert.ok(
        worst(
          inverseFrequencies(c.headDim, c.ropeLocalTheta, { type: "default" }),
          local,
        ) < 1e-12,
      );
    }
    for (const seq of golden.sequences) {
      const ids = tf.tensor2d([seq.tokens], [1, seq.tokens.length], "int32");
      const got = sequenceLogProbs(model, ids).dataSync();
      ids.dispose();
      const err = worst(got, seq.logprobs);
      assert.ok(err < golden.tolerance, `${seq.name}: max |Δ log p| = ${err}`);
    }
    const { sequence, position, logits } = golden.last_logits;
    const tokens = golden.sequences.find((s) => s.name === sequence)!.tokens;
    const got = tf.tidy(() => {
      const hidden = model.forward(
        tf.tensor2d([tokens], [1, tokens.length], "int32"),
      );
      return model.logits(tf.slice(hidden, [0, position, 0], [1, 1, -1]));
    });
    assert.ok(worst(got.dataSync(), logits) < golden.tolerance);
    got.dispose();
    model.dispose();
  });

  Deno.test(`${name}: a left-padded batch reproduces each sequence's reference log-probs`, async () => {
    const model = await loadModel(folder);
    for (const names of golden.batches) {
      const seqs = names.map((n) =>
        golden.sequences.find((s) => s.name === n)!
      );
      const width = Math.max(...seqs.map((s) => s.tokens.length));
      const ids = seqs.flatMap((
        s,
      ) => [...Array(width - s.tokens.length).fill(0), ...s.tokens]);
      const mask = seqs.flatMap((
        s,
      ) => [
        ...Array(width - s.tokens.length).fill(0),
        ...s.tokens.map(() => 1),
      ]);
      const got = tf.tidy(() =>
        sequenceLogProbs(
          model,
          tf.tensor2d(ids, [seqs.length, width], "int32"),
          mask,
        )
      ).arraySync() as number[][];
      seqs.forEach((s, row) => {
        const pad = width - s.tokens.length;
        const err = worst(got[row].slice(pad), s.logprobs);
        assert.ok(
          err < golden.tolerance,
          `${s.name} padded by ${pad}: max |Δ log p| = ${err}`,
        );
      });
    }
    model.dispose();
  });
}
