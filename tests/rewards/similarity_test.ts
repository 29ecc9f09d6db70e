import assert from "node:assert/strict";
import { recordingEmbedder } from "../helpers/recording_embedder.ts";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import { hubSettings } from "../../lib/hub/settings.ts";
import { miniLmEmbedder } from "../../lib/rewards/minilm.ts";
import {
  cosine,
  cosineReward,
  cosineSimilarities,
  EmbeddingCache,
} from "../../lib/rewards/similarity.ts";
import { type RewardSample, scoreRewards } from "../../lib/rewards/types.ts";
import { useLiteEmbedder } from "../../lib/rewards/use_lite.ts";

const POND = "An old silent pond, a frog jumps in, the sound of water.";
const PARAPHRASE = "A frog leaps into a quiet pond and splashes.";
const UNRELATED =
  "Quarterly earnings beat analyst expectations on strong cloud sales.";

Deno.test("cosine is clamped, zero-safe and size-checked", () => {
  const a = new Float32Array([1, 0]);
  assert.equal(cosine(a, new Float32Array([2, 0])), 1);
  assert.equal(cosine(a, new Float32Array([-3, 0])), -1);
  assert.equal(cosine(a, new Float32Array([0, 5])), 0);
  assert.equal(cosine(a, new Float32Array([0, 0])), 0);
  assert.throws(
    () => cosine(a, new Float32Array(3)),
    /different sizes \(2 and 3\)/,
  );
});

Deno.test("USE-lite: a close paraphrase scores far above unrelated text", async () => {
  const use = useLiteEmbedder();
  assert.equal(use.name, "use-lite");
  const [pond, para, other, empty] = await use.embed([
    POND,
    PARAPHRASE,
    UNRELATED,
    "",
  ]);
  assert.equal(pond.length, 512);
  const close = cosine(pond, para);
  const far = cosine(pond, other);
  assert.ok(close > 0.6, `paraphrase cosine ${close}`);
  assert.ok(far < 0.2, `unrelated cosine ${far}`);
  assert.ok(close - far > 0.5);
  assert.equal(empty.length, 512, "an empty text still gets a vector");
  assert.deepEqual(await use.embed([]), []);
});

Deno.test("USE-lite: a text's vector is the same alone and in any batch, bit for bit", async () => {
  const use = useLiteEmbedder();
  const short = "A heron fishing in a marsh at sunrise.";
  const long =
    "Aehom, the Daryt of Ben S.-Fradfourt and gose whale-masss and dry of giply. She saw his didles and the merter";
  const [alone] = await use.embed([short]);
  // Padded to the longer text in one graph call, this vector differed by up
  // to 2e-7: a reward then depended on its batch and its cache.
  const [withLong] = await use.embed([short, long]);
  const [, , inTheMiddle] = await use.embed([POND, long, short, UNRELATED]);
  assert.deepEqual(withLong, alone);
  assert.deepEqual(inTheMiddle, alone);
});

Deno.test("USE-lite runs beside tunebook's tfjs without touching its kernels or memory", async () => {
  await initEngine({ verbose: false });
  await useLiteEmbedder().close?.(); // the next embed loads the model anew
  const kernels = ["BatchMatMul", "Add", "Softmax", "GatherV2"].map((k) =>
    tf.getKernel(k, tf.getBackend())
  );
  const tensors = tf.memory().numTensors;
  await useLiteEmbedder().embed([POND]);
  const after = ["BatchMatMul", "Add", "Softmax", "GatherV2"].map((k) =>
    tf.getKernel(k, tf.getBackend())
  );
  after.forEach((k, i) =>
    assert.equal(k, kernels[i], "kernel registration unchanged")
  );
  assert.equal(
    tf.memory().numTensors,
    tensors,
    "the embedder's weights live in its worker",
  );
});

Deno.test("cosineReward: cos − offset against the topic, a column or the prompt", async () => {
  const emb = recordingEmbedder();
  const samples: RewardSample[] = [
    {
      prompt: `Write about the following topic: ${POND}`,
      completion: ` ${PARAPHRASE} `,
      columns: { ref: UNRELATED },
    },
    {
      prompt: `Write about the following topic: ${UNRELATED}`,
      completion: PARAPHRASE,
      columns: { ref: POND },
    },
  ];
  const byTopic = cosineReward(emb, { offset: 0.5 });
  assert.deepEqual(byTopic.range, [-1.5, 0.5]);
  assert.equal(byTopic.embedder, "use-lite");
  assert.match(byTopic.description, /use-lite/);
  const byColumn = cosineReward(emb, {
    reference: { column: "ref" },
    name: "sim_ref",
    offset: 0,
  });
  const scored = await scoreRewards([byTopic, byColumn], samples);
  const [onTopic, offTopic] = scored.byName.similarity as number[];
  assert.ok(onTopic > offTopic + 0.4, `${onTopic} vs ${offTopic}`);
  const [refFar, refNear] = scored.byName.sim_ref as number[];
  assert.ok(
    Math.abs(refFar - (offTopic + 0.5)) < 1e-6,
    "column reference = the same text as topic 2",
  );
  assert.ok(Math.abs(refNear - (onTopic + 0.5)) < 1e-6);
  // The completion is stripped, as in seed 1.
  assert.equal(emb.calls[0][0], PARAPHRASE);
  const byPrompt = cosineReward(emb, {
    reference: "prompt",
    name: "sim_prompt",
  });
  const [p] = await byPrompt.score([samples[0]]);
  assert.ok(
    p! < onTopic,
    "the whole prompt is a worse reference than its topic",
  );
  await assert.rejects(
    () =>
      scoreRewards(
        [cosineReward(emb, { reference: { column: "summary" } })],
        samples,
      ),
    /reward "similarity" failed on sample 0 .*needs the dataset column "summary", but the row has only: ref/,
  );
});

Deno.test("reference embeddings are cached and a batch is one embedding call", async () => {
  const emb = recordingEmbedder();
  const group = Array.from({ length: 4 }, (_, i) => ({
    prompt: `Write about the following topic: ${POND}`,
    completion: `${PARAPHRASE} ${i}`,
    columns: {},
  }));
  const fn = cosineReward(emb);
  await fn.score(group);
  assert.equal(emb.calls.length, 1);
  assert.equal(emb.calls[0].length, 5, "four completions + one distinct topic");
  await fn.score(group);
  assert.equal(emb.calls[1].length, 4, "the topic came from the cache");
  const cache = new EmbeddingCache(2);
  await cosineSimilarities(emb, ["x", "y", "z"], ["a", "b", "c"], cache);
  assert.equal(cache.size, 2, "bounded");
  await assert.rejects(
    () => cosineSimilarities(emb, ["x"], []),
    /1 texts but 0 references/,
  );
});

const FIXTURE =
  new URL("../fixtures/rewards/tiny-bert", import.meta.url).pathname;
interface Golden {
  sentences: { text: string; embedding: number[] }[];
}

Deno.test("MiniLM path: a local BERT folder gives sentence-transformers' pooled, normalised vectors", async () => {
  // tests/fixtures/rewards/make_tiny_bert.py computed these in torch.
  const golden: Golden = JSON.parse(
    Deno.readTextFileSync(
      new URL("../fixtures/rewards/tiny_bert_golden.json", import.meta.url),
    ),
  );
  const mini = miniLmEmbedder(FIXTURE);
  assert.equal(mini.name, "minilm:rewards/tiny-bert");
  const texts = golden.sentences.map((s) => s.text);
  const batch = await mini.embed(texts); // padded to the longest sentence
  golden.sentences.forEach((s, i) => {
    assert.equal(batch[i].length, 16);
    s.embedding.forEach((x, k) =>
      assert.ok(Math.abs(batch[i][k] - x) < 1e-5, `${s.text}[${k}]`)
    );
  });
  const [alone] = await mini.embed([texts[3]]);
  alone.forEach((x, k) =>
    assert.ok(Math.abs(x - batch[3][k]) < 1e-5, "padding does not leak")
  );
});

Deno.test("MiniLM fails clearly, and fast, without the files or the network", async () => {
  const cacheDir = await Deno.makeTempDir();
  const settings = (endpoint: string, offline: boolean) =>
    hubSettings({
      endpoint,
      offline,
      cacheDir,
      env: {},
      envFile: null,
      token: null,
    });
  try {
    await assert.rejects(
      () =>
        miniLmEmbedder("Xenova/all-MiniLM-L6-v2", {
          hub: { settings: settings("https://huggingface.co", true) },
        })
          .embed(["x"]),
      /MiniLM: cannot load Xenova\/all-MiniLM-L6-v2 .*HF_HUB_OFFLINE is set[\s\S]*huggingface-cli download Xenova\/all-MiniLM-L6-v2/,
    );
    // A closed port: the hub cannot be reached.
    await assert.rejects(
      () =>
        miniLmEmbedder("Xenova/all-MiniLM-L6-v2", {
          hub: { settings: settings("http://127.0.0.1:9", false), retries: 0 },
        }).embed(["x"]),
      /MiniLM: cannot load .*could not be reached/,
    );
    await assert.rejects(
      () => miniLmEmbedder("./no/such/folder").embed(["x"]),
      /MiniLM: model folder not found: .\/no\/such\/folder/,
    );
    const partial = await Deno.makeTempDir();
    await Deno.copyFile(`${FIXTURE}/config.json`, `${partial}/config.json`);
    await assert.rejects(
      () => miniLmEmbedder(partial).embed(["x"]),
      /MiniLM: .* lacks tokenizer.json, onnx\/model.onnx/,
    );
    await Deno.remove(partial, { recursive: true });
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("MiniLM gives up on a hub that accepts the connection and never answers", async () => {
  const cacheDir = await Deno.makeTempDir();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) conns.push(conn);
  })();
  const endpoint = `http://127.0.0.1:${listener.addr.port}`;
  const t0 = performance.now();
  await assert.rejects(
    () =>
      miniLmEmbedder("Xenova/all-MiniLM-L6-v2", {
        timeoutMs: 300,
        hub: {
          settings: hubSettings({
            endpoint,
            cacheDir,
            env: {},
            envFile: null,
            token: null,
          }),
          retries: 0,
        },
      }).embed(["x"]),
    /MiniLM: fetching Xenova\/all-MiniLM-L6-v2 from the hub took over 300 ms/,
  );
  assert.ok(performance.now() - t0 < 5000);
  listener.close();
  await accepting.catch(() => {});
  conns.forEach((c) => c.close());
  // Let the abandoned request see the closed connection and settle.
  await new Promise((r) => setTimeout(r, 200));
  await Deno.remove(cacheDir, { recursive: true });
  await useLiteEmbedder().close?.();
});
