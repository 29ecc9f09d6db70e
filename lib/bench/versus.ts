/**
 * tunebook beside PyTorch (`deno task bench peer`): the cells of the
 * performance issue on the SmolLM-135M and Gemma 3 270M shapes, each measured on tunebook
 * and then on the PyTorch peer (peer.ts) in turn, so both see the same
 * machine load, with the ratio tunebook ÷ PyTorch tokens/s and a ≥ 1.0×
 * target per cell:
 *
 * | cell        | tunebook                                          | PyTorch (`--mode`) |
 * | ----------- | ------------------------------------------------- | ------------------ |
 * | full step   | SFT step, every weight, AdamW, layers recomputed   | `full`             |
 * | LoRA step   | SFT step, LoRA r 16 all-linear, layers recomputed  | `lora`             |
 * | forward     | forward + cross-entropy, no gradient               | `fwd`              |
 * | decode b1/8 | greedy, prompt 32, 128 new tokens, KV cache        | `gen`              |
 *
 * Training and forward cells are 4 × 128 tokens, except Gemma 3 270M's
 * full step at 2 × 128 (its weights, gradients and 640 MiB embedding
 * gradient fill the 4 GiB heap beyond that; the peer runs the same shape). tunebook recomputes layers in
 * backward (its heap requires it at this size); PyTorch keeps them. The
 * same run measures the GEMM ceiling and the bandwidth bound (ceilings.ts),
 * and each training cell is checked against ≥ 60 % of the former, batch-1
 * decode against ≥ 60 % of the latter.
 * Without python3-torch or the peer script the benchmark says why and
 * measures nothing. `--quick` skips the peer (its shapes are full size).
 *
 * @module
 */
import { coreTypeFor, cpuFlags } from "../engine/blas.ts";
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
import { decodeBound, flopsPerToken, measureCeilings } from "./ceilings.ts";
import { loadAverage } from "./machine.ts";
import { measure } from "./measure.ts";
import { type PeerCell, peerSetup, runPeer } from "./peer.ts";
import {
  BENCH_LORA,
  fastestVariant,
  randomBatch,
  smolConfig,
} from "./shapes.ts";
import { atLeast, type Benchmark, type Check, type Row } from "./types.ts";

/** A model shape of the comparison and the batch its full fine-tuning step runs at. */
interface Shape {
  label: string;
  /** The peer's `--config`. */
  peerModel: string;
  config: ModelConfig;
  /** Rows of the full fine-tuning step (Gemma 3 270M's weights, gradients and 640 MiB embedding gradient fill the heap beyond 2 × 128). */
  fullBatch: number;
}

const SHAPES: Shape[] = [
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
interface Cell {
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

function cells(shape: Shape): Cell[] {
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

/** A share of a bound, in percent with one decimal. */
const percent = (value: number, bound: number) =>
  Number((100 * value / bound).toFixed(1));

const versusPyTorch: Benchmark = {
  name: "versus-pytorch",
  group: "peer",
  description:
    "tunebook ÷ PyTorch tokens/s on the SmolLM-135M and Gemma 3 270M shapes, cell by cell (full and LoRA r16 steps, forward at 4 × 128, greedy decode at batch 1 and 8), measured in turn, with the GEMM ceiling and bandwidth bound of the same run",
  async run({ quick, log }) {
    const setup = await peerSetup();
    if (quick || !setup.ok) {
      const why = quick
        ? "--quick: the peer runs full-size shapes"
        : setup.ok
        ? ""
        : setup.reason;
      return { rows: [], notes: [`no PyTorch comparison: ${why}`] };
    }
    const variant = await fastestVariant();
    // PyTorch's best configuration on this CPU: the kernels tunebook chose.
    const coreType = coreTypeFor(cpuFlags());
    const loadBefore = loadAverage();
    log("ceilings: 2048³ sgemm and a 256 MiB copy");
    const ceilings = measureCeilings();
    const rows: Row[] = [];
    const checks: Check[] = [];
    for (const shape of SHAPES) {
      for (const cell of cells(shape)) {
        const what = `${shape.label} ${cell.name}`;
        log(`${what}: tunebook`);
        const ours = await cell.tunebook();
        log(`${what}: PyTorch ${setup.torch}`);
        const peer = await runPeer(setup, cell.peer, {
          threads: variant.options.threads ?? navigator.hardwareConcurrency,
          coreType,
        });
        const theirs = Number(peer.tok_s_median);
        const ratio = ours / theirs;
        const gflops = cell.flops ? ours * cell.flops / 1e9 : undefined;
        const bound = cell.bandwidthBound
          ? decodeBound(shape.config, ceilings.bandwidthGBs)
          : undefined;
        rows.push({
          model: shape.label,
          cell: cell.name,
          tunebook_tok_s: Number(ours.toFixed(1)),
          pytorch_tok_s: Number(theirs.toFixed(1)),
          ratio: Number(ratio.toFixed(2)),
          tunebook_gflops: gflops ? Number(gflops.toFixed(1)) : "",
          of_gemm_ceiling_pct: gflops && ceilings.gemmGflops
            ? percent(gflops, ceilings.gemmGflops)
            : "",
          of_bandwidth_bound_pct: bound ? percent(ours, bound) : "",
          tunebook_rss_gib: Number(
            (Deno.memoryUsage().rss / 2 ** 30).toFixed(2),
          ),
          pytorch_peak_rss_gib: Number(
            (Number(peer.peak_rss_mb) / 1024).toFixed(2),
          ),
        });
        checks.push(atLeast(`${what}: tunebook ÷ PyTorch`, ratio, 1, "×"));
        if (gflops && ceilings.gemmGflops && cell.name.includes("step")) {
          checks.push(
            atLeast(
              `${what}: share of the GEMM ceiling`,
              percent(gflops, ceilings.gemmGflops),
              60,
              "%",
            ),
          );
        }
        if (bound) {
          checks.push(
            atLeast(
              `${what}: share of the bandwidth bound`,
              percent(ours, bound),
              60,
              "%",
            ),
          );
        }
      }
    }
    return {
      rows,
      checks,
      notes: [
        `tunebook: ${variant.label}; PyTorch ${setup.torch}${
          coreType ? `, OPENBLAS_CORETYPE ${coreType}` : ""
        }; tunebook's RSS is its process's, cumulative over the cells`,
        `ceilings measured in this run: ${
          ceilings.gemmGflops?.toFixed(0) ?? "no OpenBLAS:"
        } GFLOP/s float32 GEMM (2048³, every thread), ${
          ceilings.bandwidthGBs.toFixed(1)
        } GB/s copy bandwidth; batch-1 decode bounds ${
          SHAPES.map((s) =>
            `${s.label} ${
              decodeBound(s.config, ceilings.bandwidthGBs).toFixed(1)
            } tok/s`
          ).join(", ")
        }`,
        "GFLOP/s are nanoGPT's estimate_mfu FLOPs per token (6N + 12·L·H·Q·T a step, 4N + 8·L·H·Q·T with LoRA, 2N + 4·L·H·Q·T forward) × tokens/s; recomputed layers are not counted",
        `load average (1/5/15 min) before ${loadBefore.join("/")}, after ${
          loadAverage().join("/")
        }`,
      ],
    };
  },
};

/** The PyTorch comparison. */
export const peerBenchmarks: Benchmark[] = [versusPyTorch];
