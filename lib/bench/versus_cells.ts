/**
 * The cells of the PyTorch comparison (versus.ts), on the SmolLM-135M and
 * Gemma 3 270M shapes: what tunebook runs for each, the peer scenario
 * beside it, and its nominal work. Each cell runs in a fresh process
 * (versus_child.ts), so heap one cell leaves behind cannot break the next.
 *
 * @module
 */
import { tf } from "../engine/mod.ts";
import { generate } from "../generate/generate.ts";
import type { TokenBatch } from "../model/batch.ts";
import { type ModelConfig, parseConfig } from "../model/config.ts";
import { CausalLM } from "../model/decoder.ts";
import { GEMMA3_270M } from "../model/known_configs.ts";
import { applyLora } from "../peft/mod.ts";
import { causalLmLoss } from "../train/lm_loss.ts";
import { AdamW } from "../train/optimizer.ts";
import { sftStep } from "../train/sft/step.ts";
import { Rng } from "../util/random.ts";
import { flopsPerToken } from "./ceilings.ts";
import { measure } from "./measure.ts";
import type { PeerCell } from "./peer.ts";
import { BENCH_LORA, randomBatch, smolConfig } from "./shapes.ts";

/** A model shape of the comparison and the batch its full fine-tuning step runs at. */
export interface Shape {
  label: string;
  /** The peer's `--config`. */
  peerModel: string;
  config: ModelConfig;
  /** Rows of the full fine-tuning step (Gemma 3 270M's weights, gradients and 640 MiB embedding gradient fill the heap beyond 2 × 128). */
  fullBatch: number;
}

export const SHAPES: Shape[] = [
  {
    label: "SmolLM-135M",
    peerModel: "smollm135",
    config: smolConfig(false),
    fullBatch: 4,
  },
  {
    label: "Gemma 3 270M",
    peerModel: "gemma270",
    config: parseConfig(GEMMA3_270M, "Gemma 3 270M shape"),
    fullBatch: 2,
  },
];

/** One cell: its name, the peer scenario, tunebook's tokens/s on it, and its nominal work. */
export interface Cell {
  name: string;
  peer: PeerCell;
  tunebook: () => Promise<number>;
  /** FLOPs per token, for training and forward cells. */
  flops?: number;
  /** Batch-1 decode: the bandwidth bound applies. */
  bandwidthBound?: boolean;
}

const TIMING = { warmup: 1, repeats: 3, minRepeats: 1 };

/** Tokens/s of `tokens` tokens done by `step`, median of the repeats. */
async function tokensPerSecond(tokens: number, step: () => void) {
  const t = await measure(() => (step(), []), TIMING);
  return (tokens * 1000) / t.medianMs;
}

export function cells(shape: Shape): Cell[] {
  const { config, peerModel, fullBatch } = shape;
  const data = randomBatch(4, 128, config.vocabSize, 1);
  const train = async (withLora: boolean, batch: TokenBatch) => {
    const model = CausalLM.random(config, { seed: 0, trainable: !withLora });
    model.recomputeLayers = true;
    const adapters = withLora
      ? applyLora(model, BENCH_LORA, { seed: 0 })
      : null;
    const params = adapters ? adapters.parameters() : model.namedWeights();
    const optimizer = new AdamW(params, { lr: 1e-4, weightDecay: 0 });
    try {
      let step = 0;
      return await tokensPerSecond(batch.batch * batch.length, () => {
        sftStep(
          { model, lora: adapters, params, optimizer, maxGradNorm: 1 },
          [batch],
          1e-4,
          step++,
        );
      });
    } finally {
      optimizer.dispose();
      adapters?.remove();
      model.dispose();
    }
  };
  const frozen = async (f: (model: CausalLM) => Promise<number>) => {
    const model = CausalLM.random(config, { seed: 0 });
    try {
      return await f(model);
    } finally {
      model.dispose();
    }
  };
  const decode = (batch: number) =>
    frozen((model) => {
      const rng = new Rng(2);
      const prompts = Array.from(
        { length: batch },
        () => Array.from({ length: 32 }, () => rng.int(config.vocabSize)),
      );
      return tokensPerSecond(batch * 128, () => {
        generate(model, prompts, {
          maxNewTokens: 128,
          sampling: "greedy",
          stopTokens: [],
        });
      });
    });
  return [
    {
      name: `full step ${fullBatch}×128`,
      peer: { model: peerModel, mode: "full", batch: fullBatch, seq: 128 },
      tunebook: () =>
        train(false, randomBatch(fullBatch, 128, config.vocabSize, 1)),
      flops: flopsPerToken(config, "train", 128),
    },
    {
      name: "LoRA r16 step 4×128",
      peer: { model: peerModel, mode: "lora", batch: 4, seq: 128 },
      tunebook: () => train(true, data),
      flops: flopsPerToken(config, "lora", 128),
    },
    {
      name: "forward + CE 4×128",
      peer: { model: peerModel, mode: "fwd", batch: 4, seq: 128 },
      tunebook: () =>
        frozen((model) =>
          tokensPerSecond(512, () => {
            tf.tidy(() => causalLmLoss(model, data).loss.dataSync());
          })
        ),
      flops: flopsPerToken(config, "forward", 128),
    },
    {
      name: "greedy decode, batch 1",
      peer: {
        model: peerModel,
        mode: "gen",
        batch: 1,
        prompt: 32,
        newTokens: 128,
      },
      tunebook: () => decode(1),
      bandwidthBound: true,
    },
    {
      name: "greedy decode, batch 8",
      peer: {
        model: peerModel,
        mode: "gen",
        batch: 8,
        prompt: 32,
        newTokens: 128,
      },
      tunebook: () => decode(8),
    },
  ];
}
