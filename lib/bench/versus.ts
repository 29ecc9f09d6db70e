/**
 * tunebook beside PyTorch (`deno task bench peer`): the cells of the
 * performance issue on the SmolLM-135M shape, each measured on tunebook
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
 * Training and forward cells are 4 × 128 tokens. tunebook recomputes layers
 * in backward (its heap requires it at this size); PyTorch keeps them.
 * Without python3-torch or the peer script the benchmark says why and
 * measures nothing. `--quick` skips the peer (its shapes are full size).
 *
 * @module
 */
import { coreTypeFor, cpuFlags } from "../engine/blas.ts";
import { tf } from "../engine/mod.ts";
import { generate } from "../generate/generate.ts";
import { CausalLM } from "../model/decoder.ts";
import { applyLora } from "../peft/mod.ts";
import { causalLmLoss } from "../train/lm_loss.ts";
import { AdamW } from "../train/optimizer.ts";
import { sftStep } from "../train/sft/step.ts";
import { Rng } from "../util/random.ts";
import { measure } from "./measure.ts";
import { type PeerCell, peerSetup, runPeer } from "./peer.ts";
import {
  BENCH_LORA,
  fastestVariant,
  randomBatch,
  smolConfig,
} from "./shapes.ts";
import { atLeast, type Benchmark, type Check, type Row } from "./types.ts";

/** One cell: its name, the peer scenario, and tunebook's tokens/s on it. */
interface Cell {
  name: string;
  peer: PeerCell;
  tunebook: () => Promise<number>;
}

const TIMING = { warmup: 1, repeats: 3, minRepeats: 1 };

/** Tokens/s of `tokens` tokens done by `step`, median of the repeats. */
async function tokensPerSecond(tokens: number, step: () => void) {
  const t = await measure(() => (step(), []), TIMING);
  return (tokens * 1000) / t.medianMs;
}

function cells(): Cell[] {
  const config = smolConfig(false);
  const data = randomBatch(4, 128, config.vocabSize, 1);
  const train = async (withLora: boolean) => {
    const model = CausalLM.random(config, { seed: 0, trainable: !withLora });
    model.recomputeLayers = true;
    const adapters = withLora
      ? applyLora(model, BENCH_LORA, { seed: 0 })
      : null;
    const params = adapters ? adapters.parameters() : model.namedWeights();
    const optimizer = new AdamW(params, { lr: 1e-4, weightDecay: 0 });
    try {
      let step = 0;
      return await tokensPerSecond(512, () => {
        sftStep(
          { model, lora: adapters, params, optimizer, maxGradNorm: 1 },
          [data],
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
      name: "full step",
      peer: { mode: "full", batch: 4, seq: 128 },
      tunebook: () => train(false),
    },
    {
      name: "LoRA r16 step",
      peer: { mode: "lora", batch: 4, seq: 128 },
      tunebook: () => train(true),
    },
    {
      name: "forward + CE",
      peer: { mode: "fwd", batch: 4, seq: 128 },
      tunebook: () =>
        frozen((model) =>
          tokensPerSecond(512, () => {
            tf.tidy(() => causalLmLoss(model, data).loss.dataSync());
          })
        ),
    },
    {
      name: "greedy decode, batch 1",
      peer: { mode: "gen", batch: 1, prompt: 32, newTokens: 128 },
      tunebook: () => decode(1),
    },
    {
      name: "greedy decode, batch 8",
      peer: { mode: "gen", batch: 8, prompt: 32, newTokens: 128 },
      tunebook: () => decode(8),
    },
  ];
}

const versusPyTorch: Benchmark = {
  name: "versus-pytorch",
  group: "peer",
  description:
    "tunebook ÷ PyTorch tokens/s on the SmolLM-135M shape, cell by cell (full and LoRA r16 steps and forward at 4 × 128, greedy decode at batch 1 and 8), measured in turn",
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
    const rows: Row[] = [];
    const checks: Check[] = [];
    for (const cell of cells()) {
      log(`${cell.name}: tunebook`);
      const ours = await cell.tunebook();
      log(`${cell.name}: PyTorch ${setup.torch}`);
      const peer = await runPeer(setup, cell.peer, {
        threads: variant.options.threads ?? navigator.hardwareConcurrency,
        coreType,
      });
      const theirs = Number(peer.tok_s_median);
      const ratio = ours / theirs;
      rows.push({
        cell: cell.name,
        tunebook_tok_s: Number(ours.toFixed(1)),
        pytorch_tok_s: Number(theirs.toFixed(1)),
        ratio: Number(ratio.toFixed(2)),
        tunebook_rss_gib: Number(
          (Deno.memoryUsage().rss / 2 ** 30).toFixed(2),
        ),
        pytorch_peak_rss_gib: Number(
          (Number(peer.peak_rss_mb) / 1024).toFixed(2),
        ),
        pytorch_blas: String(
          (peer.blas as string[] | undefined)?.map((p) => p.split("/").at(-2))
            .join(" ") ?? "",
        ),
      });
      checks.push(atLeast(`${cell.name}: tunebook ÷ PyTorch`, ratio, 1, "×"));
    }
    return {
      rows,
      checks,
      notes: [
        `tunebook: ${variant.label}; PyTorch ${setup.torch}${
          coreType ? `, OPENBLAS_CORETYPE ${coreType}` : ""
        }; tunebook's RSS is its process's, cumulative over the cells`,
      ],
    };
  },
};

/** The PyTorch comparison. */
export const peerBenchmarks: Benchmark[] = [versusPyTorch];
