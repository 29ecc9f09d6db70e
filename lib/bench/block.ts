/**
 * Transformer training-step benchmark: tokens/s of the real decoder
 * (lib/model, Llama family) at two small sizes, per matmul kernel. One step
 * is the trainers' optimizer step (lib/train/step.ts): forward and backward
 * of the causal-LM loss, gradient clipping and AdamW.
 *
 * The data is one fixed batch whose next token is `id + 1 mod vocab`; the
 * loss before and after the timed steps is reported, so a run whose
 * gradients are broken shows it.
 *
 * @module
 */
import {
  type ModelConfig,
  parameterCount,
  parseConfig,
} from "../model/config.ts";
import { CausalLM } from "../model/decoder.ts";
import type { TokenBatch } from "../model/batch.ts";
import { causalLmLoss } from "../train/lm_loss.ts";
import { AdamW } from "../train/optimizer.ts";
import { optimizerStep } from "../train/step.ts";
import { measure, type MeasureOptions } from "./measure.ts";
import type { Benchmark, Column, Row } from "./types.ts";
import { type KernelVariant, useVariant, wasmVariants } from "./variants.ts";

/** A decoder size and its batch. */
export interface BlockConfig {
  batch: number;
  seqLen: number;
  dModel: number;
  heads: number;
  /** SwiGLU hidden width (≈ 8/3 · dModel, as in Llama). */
  ffn: number;
  vocab: number;
  layers: number;
}

/** ≈0.43M parameters, B8 T64. */
export const SMALL_BLOCK: BlockConfig = {
  batch: 8,
  seqLen: 64,
  dModel: 128,
  heads: 4,
  ffn: 344,
  vocab: 256,
  layers: 2,
};

/** ≈3.3M parameters, B8 T128. */
export const LARGE_BLOCK: BlockConfig = {
  batch: 8,
  seqLen: 128,
  dModel: 256,
  heads: 8,
  ffn: 688,
  vocab: 512,
  layers: 4,
};

/** A smoke-test size for `--quick`. */
export const TINY_BLOCK: BlockConfig = {
  batch: 2,
  seqLen: 16,
  dModel: 32,
  heads: 2,
  ffn: 64,
  vocab: 64,
  layers: 1,
};

/** The Llama config of a block size (tied head, no GQA). */
export function blockModelConfig(c: BlockConfig): ModelConfig {
  return parseConfig({
    model_type: "llama",
    vocab_size: c.vocab,
    hidden_size: c.dModel,
    intermediate_size: c.ffn,
    num_hidden_layers: c.layers,
    num_attention_heads: c.heads,
    max_position_embeddings: c.seqLen,
    tie_word_embeddings: true,
  }, "block benchmark");
}

/** Tokens/s of one config on one kernel, with the loss before and after. */
async function timeTraining(
  c: BlockConfig,
  variant: KernelVariant,
  timing: MeasureOptions,
): Promise<Row> {
  await useVariant(variant);
  const config = blockModelConfig(c);
  const tokens = c.batch * c.seqLen;
  const model = CausalLM.random(config, {
    seed: 1,
    std: 1 / Math.sqrt(c.dModel),
    trainable: true,
  });
  const weights = model.namedWeights();
  // Adam as before: AdamW without weight decay.
  const optimizer = new AdamW(weights, { lr: 3e-3, weightDecay: 0 });
  const ids = new Int32Array(tokens);
  for (let i = 0; i < tokens; i++) {
    ids[i] = (i * 7 + Math.floor(i / c.seqLen)) % c.vocab;
  }
  // Next token = id + 1: each row counts up from its start.
  for (let r = 0; r < c.batch; r++) {
    for (let t = 1; t < c.seqLen; t++) {
      ids[r * c.seqLen + t] = (ids[r * c.seqLen + t - 1] + 1) % c.vocab;
    }
  }
  const batch: TokenBatch = { ids, batch: c.batch, length: c.seqLen };
  const lossNow = () => {
    const { loss } = causalLmLoss(model, batch);
    const value = loss.dataSync()[0];
    loss.dispose();
    return value;
  };
  try {
    const lossStart = lossNow();
    const t = await measure(() => {
      optimizerStep({ params: weights, optimizer }, {
        microBatches: [batch],
        loss: (b) => ({ loss: causalLmLoss(model, b).loss, weight: 1 }),
        lr: 3e-3,
        maxGradNorm: 1,
      });
      return [];
    }, timing);
    const lossEnd = lossNow();
    const params = parameterCount(config);
    return {
      model: paramText(params),
      shape: `B${c.batch} T${c.seqLen} D${c.dModel} L${c.layers}`,
      kernel: variant.label,
      kernelId: variant.id,
      params,
      bestMs: t.bestMs,
      medianMs: t.medianMs,
      bestTokensPerSecond: tokens / t.bestMs * 1000,
      medianTokensPerSecond: tokens / t.medianMs * 1000,
      samples: t.samples,
      // The loss after depends on how many steps ran, warmup included.
      steps: t.totalCalls,
      lossStart,
      lossEnd,
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

function paramText(count: number): string {
  return count >= 1e6
    ? `${(count / 1e6).toFixed(2)}M`
    : `${Math.round(count / 1e3)}k`;
}

const COLUMNS: Column[] = [
  { key: "model", header: "params" },
  { key: "shape", header: "shape" },
  { key: "kernel", header: "kernel" },
  { key: "bestMs", header: "ms/step best" },
  { key: "medianMs", header: "ms/step median" },
  { key: "bestTokensPerSecond", header: "tok/s best" },
  { key: "medianTokensPerSecond", header: "tok/s median" },
  { key: "samples", header: "n" },
  { key: "lossStart", header: "loss at start" },
  { key: "steps", header: "steps" },
  { key: "lossEnd", header: "loss after steps" },
];

/** The block group: one training-step benchmark over two model sizes. */
export const blockBenchmarks: Benchmark[] = [
  {
    name: "train-step",
    group: "block",
    description:
      "lib/model Llama decoder: the trainers' AdamW step, tokens/s per matmul kernel",
    async run({ quick, log }) {
      const { variants, notes } = wasmVariants();
      const configs = quick ? [TINY_BLOCK] : [SMALL_BLOCK, LARGE_BLOCK];
      const timing: MeasureOptions = quick
        ? { warmup: 1, repeats: 2 }
        : { warmup: 2, repeats: 5, minRepeats: 2, budgetMs: 15000 };
      const rows: Row[] = [];
      for (const c of configs) {
        for (const variant of variants) {
          log(
            `${
              paramText(parameterCount(blockModelConfig(c)))
            } params on ${variant.label}`,
          );
          rows.push(await timeTraining(c, variant, timing));
        }
      }
      return { columns: COLUMNS, rows, notes: [...notes, ...ratios(rows)] };
    },
  },
];

/** Tokens/s of the fastest kernel over the stock kernel, per model size. */
function ratios(rows: Row[]): string[] {
  return [...new Set(rows.map((r) => r.model))].flatMap((model) => {
    const mine = rows.filter((r) => r.model === model);
    const stock = mine.find((r) => r.kernelId === "stock");
    const best = [...mine].sort((x, y) =>
      Number(y.bestTokensPerSecond) - Number(x.bestTokensPerSecond)
    )[0];
    if (!stock || !best || best === stock) {
      return [];
    }
    return [
      `${model} params: ${best.kernel} ${
        (Number(best.bestTokensPerSecond) / Number(stock.bestTokensPerSecond))
          .toFixed(1)
      }× the tokens/s of wasm stock`,
    ];
  });
}
