import assert from "node:assert/strict";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import { CausalLM } from "../../lib/model/decoder.ts";
import { loadModel, saveModel } from "../../lib/model/load.ts";
import { sequenceLogProbs } from "../../lib/model/logprobs.ts";
import { scoreSequence } from "../../lib/model/score.ts";
import { runScript } from "../helpers/run_script.ts";
import { tinyLlamaConfig } from "../helpers/tiny_models.ts";

await initEngine({ verbose: false });
const root = new URL("../../", import.meta.url).pathname;

function score(...args: string[]) {
  return runScript("lib/cli/score.ts", args);
}

Deno.test("score --ids prints per-token log-probs and perplexity that match the model", async () => {
  const folder = `${root}tests/fixtures/models/tiny-llama-gqa`;
  const ids = [1, 5, 9, 13, 22, 40];
  const { code, stdout, stderr } = await score(
    "--model",
    folder,
    "--ids",
    ids.join(","),
  );
  assert.equal(code, 0, stderr);
  const result = JSON.parse(stdout);
  const model = await loadModel(folder);
  const expected = sequenceLogProbs(
    model,
    tf.tensor2d([ids], [1, ids.length], "int32"),
  ).dataSync();
  assert.equal(result.tokens[0].logprob, null);
  result.tokens.slice(1).forEach((t: { logprob: number }, i: number) =>
    assert.ok(Math.abs(t.logprob - expected[i]) < 1e-5)
  );
  const meanNll = -[...expected].reduce((a, b) => a + b, 0) / expected.length;
  assert.ok(Math.abs(result.perplexity - Math.exp(meanNll)) < 1e-3);
  model.dispose();
});

Deno.test("score --text tokenizes with the folder's tokenizer and decodes each token", async () => {
  const dir = await Deno.makeTempDir();
  const tokenizerDir = `${root}tests/fixtures/tokenizers/chatml`;
  for (const f of ["tokenizer.json", "tokenizer_config.json"]) {
    await Deno.copyFile(`${tokenizerDir}/${f}`, `${dir}/${f}`);
  }
  const vocab = JSON.parse(
    Deno.readTextFileSync(`${tokenizerDir}/tokenizer.json`),
  );
  const size = Object.keys(vocab.model.vocab).length +
    (vocab.added_tokens?.length ?? 0);
  const model = CausalLM.random(
    tinyLlamaConfig({ vocab_size: Math.max(size, 292) }),
    { seed: 3, std: 0.1 },
  );
  await saveModel(model, dir);
  const out = await score(
    "--model",
    dir,
    "--text",
    "hello there",
    "--out",
    `${dir}/s.json`,
  );
  assert.equal(out.code, 0, out.stderr);
  const result = JSON.parse(Deno.readTextFileSync(`${dir}/s.json`));
  assert.equal(
    result.tokens.map((t: { text: string }) => t.text).join(""),
    "hello there",
  );
  assert.ok(result.perplexity > 1);
  model.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("score: bad arguments are explained", async () => {
  const none = await score("--ids", "1,2");
  assert.equal(none.code, 2);
  assert.match(none.stderr, /--model is required/);
  const both = await score("--model", "x", "--ids", "1,2", "--text", "a");
  assert.match(both.stderr, /give exactly one of --text, --file, --ids/);
  const missing = await score(
    "--model",
    `${root}tests/fixtures/models/tiny-llama-gqa`,
    "--ids",
    "1,999",
  );
  assert.notEqual(missing.code, 0);
  assert.match(
    missing.stderr,
    /token 1 is 999, outside the vocabulary \[0, 97\)/,
  );
});

Deno.test("scoreSequence refuses a chunk below 1 (it would loop forever) or a fraction", async () => {
  const model = await loadModel(`${root}tests/fixtures/models/tiny-llama-gqa`);
  try {
    for (const chunk of [0, -4, 1.5]) {
      assert.throws(
        () => scoreSequence(model, [1, 5, 9], chunk),
        new RegExp(`chunk must be a positive integer, got ${chunk}`),
      );
    }
    assert.equal(scoreSequence(model, [1, 5, 9], 1).logprobs.length, 3);
  } finally {
    model.dispose();
  }
});
