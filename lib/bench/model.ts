/**
 * Benchmarks of the real decoder (lib/model) on random weights shaped like a
 * target model: a full forward + backward step of SmolLM-135M (batch 4 × 128
 * tokens, layers recomputed), and KV-cache generation tokens/s at batch 1 and 8;
 * and a Gemma-3-1B-shaped model with its frozen weights in host memory
 * (offload): build time, generation at batch 1, and a LoRA training step.
 *
 * @module
 */
import { tf } from "../engine/mod.ts";
import { generate } from "../generate/generate.ts";
import { parameterCount, parseConfig } from "../model/config.ts";
import { CausalLM } from "../model/decoder.ts";
import { GEMMA3_1B } from "../model/known_configs.ts";
import { applyLora, defaultLoraConfig } from "../peft/mod.ts";
import { Rng } from "../util/random.ts";
import { measure } from "./measure.ts";
import type { Benchmark, Row } from "./types.ts";
import {
  fastestVariant,
  lossAndGrads,
  randomBatch,
  smolConfig,
} from "./shapes.ts";

const trainStep: Benchmark = {
  name: "smollm-135m-fwd-bwd",
  group: "model",
  description:
    "forward + backward (gradients of every weight, layers recomputed in backward) of a SmolLM-135M-shaped random model, batch 4 × 128",
  async run({ quick, log }) {
    const variant = await fastestVariant();
    const config = smolConfig(quick);
    const [batch, length] = quick ? [2, 32] : [4, 128];
    log(
      `building ${config.numLayers}-layer SmolLM-shaped model (${variant.label})`,
    );
    const model = CausalLM.random(config, { seed: 0, trainable: true });
    // Stored activations of 4 × 128 tokens through 30 layers overflow the
    // 4 GiB wasm heap; recomputing each layer keeps the step at ~2 GiB.
    model.recomputeLayers = true;
    const params = model.namedWeights().map(([, v]) => v);
    const data = randomBatch(batch, length, config.vocabSize, 1);
    try {
      const timing = await measure(() => lossAndGrads(model, params, data), {
        warmup: 1,
        repeats: quick ? 1 : 3,
        minRepeats: 1,
      });
      const tokens = batch * length;
      const row: Row = {
        model: quick ? "SmolLM-135M shape (2 layers)" : "SmolLM-135M shape",
        kernel: variant.label,
        batch: `${batch}×${length}`,
        activations: "recomputed",
        step_ms: Math.round(timing.medianMs),
        tokens_per_s: Math.round((tokens * 1000) / timing.medianMs),
      };
      return { rows: [row] };
    } finally {
      model.dispose();
    }
  },
};

const generation: Benchmark = {
  name: "generation",
  group: "model",
  description:
    "greedy KV-cache generation tokens/s of a SmolLM-135M-shaped random model at batch 1 and 8",
  async run({ quick, log }) {
    const variant = await fastestVariant();
    const config = smolConfig(quick);
    const model = CausalLM.random(config, { seed: 0 });
    const newTokens = quick ? 4 : 32, promptLength = 16;
    const rows: Row[] = [];
    try {
      for (const batch of [1, 8]) {
        log(`generation at batch ${batch}`);
        const rng = new Rng(batch);
        const prompts = Array.from(
          { length: batch },
          () =>
            Array.from(
              { length: promptLength },
              () => rng.int(config.vocabSize),
            ),
        );
        let produced = 0;
        const timing = await measure(() => {
          const out = generate(model, prompts, {
            maxNewTokens: newTokens,
            sampling: "greedy",
            stopTokens: [],
          });
          produced = out.reduce((n, c) => n + c.tokens.length, 0);
          return [];
        }, { warmup: 1, repeats: quick ? 1 : 3, minRepeats: 1 });
        rows.push({
          model: quick ? "SmolLM-135M shape (2 layers)" : "SmolLM-135M shape",
          kernel: variant.label,
          batch,
          prompt_tokens: promptLength,
          new_tokens: newTokens,
          total_ms: Math.round(timing.medianMs),
          tokens_per_s: Math.round((produced * 1000) / timing.medianMs),
        });
      }
      return { rows };
    } finally {
      model.dispose();
    }
  },
};

/** Gemma 3 1B's shape, or a 2-layer, 4096-token slice of it for `--quick`. */
function gemma1bConfig(quick: boolean) {
  return parseConfig(
    quick
      ? { ...GEMMA3_1B, num_hidden_layers: 2, vocab_size: 4096 }
      : GEMMA3_1B,
    "Gemma-3-1B shape",
  );
}

/** Peak resident memory of this process so far (Linux VmHWM), in GiB. */
function peakRssGib(): number | undefined {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const kb = Number(/VmHWM:\s+(\d+)\s+kB/.exec(status)?.[1]);
    return Number.isFinite(kb) ? kb / 2 ** 20 : undefined;
  } catch {
    return undefined;
  }
}

const offloaded: Benchmark = {
  name: "gemma3-1b-offload",
  group: "model",
  description:
    "a Gemma-3-1B-shaped random model with frozen weights in host memory: build time, greedy generation at batch 1, and a LoRA (all linear layers, r 8) forward + backward at 1 × 128 with recomputed layers",
  async run({ quick, log }) {
    const variant = await fastestVariant();
    const config = gemma1bConfig(quick);
    const label = quick ? "Gemma-3-1B shape (2 layers)" : "Gemma-3-1B shape";
    log(`building ${label} with offload (${variant.label})`);
    const started = performance.now();
    // The full shape offloads by itself ("auto"); the quick slice fits the
    // heap, so it is forced, to exercise the same path.
    const model = CausalLM.random(config, {
      seed: 0,
      offload: quick ? "frozen-linears" : "auto",
    });
    const buildMs = performance.now() - started;
    let hostValues = 0;
    for (const w of model.hostWeights.values()) hostValues += w.size;
    const heapMib = tf.memory().numBytes / 2 ** 20;
    const rows: Row[] = [{
      model: label,
      kernel: variant.label,
      what: "build (random init)",
      batch: "–",
      ms: Math.round(buildMs),
      tokens_per_s: "–",
    }];
    const lora = applyLora(
      model,
      defaultLoraConfig({ targetModules: "all-linear", r: 8, alpha: 16 }),
      { seed: 0 },
    );
    try {
      const newTokens = quick ? 4 : 16, promptLength = 16;
      const rng = new Rng(1);
      const prompt = Array.from(
        { length: promptLength },
        () => rng.int(config.vocabSize),
      );
      log("generation at batch 1");
      let produced = 0;
      const gen = await measure(() => {
        produced = generate(model, [prompt], {
          maxNewTokens: newTokens,
          sampling: "greedy",
          stopTokens: [],
        })[0].tokens.length;
        return [];
      }, { warmup: quick ? 0 : 1, repeats: quick ? 1 : 2, minRepeats: 1 });
      rows.push({
        model: label,
        kernel: variant.label,
        what:
          `generate ${promptLength} + ${newTokens} tokens (greedy, KV cache)`,
        batch: 1,
        ms: Math.round(gen.medianMs),
        tokens_per_s: Number((produced * 1000 / gen.medianMs).toFixed(2)),
      });

      const length = quick ? 32 : 128;
      log(`LoRA forward + backward at 1 × ${length}`);
      model.recomputeLayers = true;
      lora.train();
      const data = randomBatch(1, length, config.vocabSize, 2);
      const params = lora.variables();
      const step = await measure(() => lossAndGrads(model, params, data), {
        warmup: quick ? 0 : 1,
        repeats: quick ? 1 : 2,
        minRepeats: 1,
      });
      rows.push({
        model: label,
        kernel: variant.label,
        what: "LoRA fwd + bwd (layers recomputed)",
        batch: `1×${length}`,
        ms: Math.round(step.medianMs),
        tokens_per_s: Math.round(length * 1000 / step.medianMs),
      });
      const peak = peakRssGib();
      return {
        rows,
        notes: [
          `host memory: ${model.hostWeights.size} frozen matrices, ${
            (hostValues * 4 / 2 ** 30).toFixed(2)
          } GiB; heap after build: ${heapMib.toFixed(1)} MiB`,
          `LoRA: ${
            lora.trainableCount().toLocaleString("en-US")
          } trainable values on ${
            parameterCount(config).toLocaleString("en-US")
          } frozen`,
          ...(peak ? [`peak RSS so far: ${peak.toFixed(2)} GiB`] : []),
        ],
      };
    } finally {
      lora.remove();
      model.dispose();
    }
  },
};

/** The lib/model benchmarks. */
export const modelBenchmarks: Benchmark[] = [generation, trainStep, offloaded];
