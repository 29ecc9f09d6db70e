/**
 * The PPO trainer's real update as a benchmark, split as `deno task ppo`
 * logs it: LoRA (r 16, all linear layers) on a SmolLM-135M-shaped random
 * policy, a value model and a reward model of the same shape (the value
 * model with its own LoRA r 16 and score head, as when it starts from a
 * LoRA reward model), 4 prompts of 64 tokens, 64 sampled tokens each:
 *
 * - `generate_ms`: sampling the 4 completions (T 0.7, no stop token: the
 *   full 64 tokens, TRL's default);
 * - `score_ms`: the reward model's scores, then the experience — log π,
 *   log π_ref (adapters off), values, KL, GAE (lib/train/ppo/experience.ts);
 * - `update_ms`: one PPO epoch of one mini-batch, i.e. one optimizer step
 *   on the clipped policy + value loss (lib/train/ppo/update.ts), layers
 *   recomputed; TRL's default `num_ppo_epochs` 4 runs it four times.
 *
 * @module
 */
import { generate } from "../generate/generate.ts";
import { promptCompletionBatch } from "../model/batch.ts";
import { CausalLM } from "../model/decoder.ts";
import { SequenceClassifier } from "../model/sequence_classifier.ts";
import { applyLora, type LoraAdapters } from "../peft/mod.ts";
import { AdamW } from "../train/optimizer.ts";
import { collectExperience } from "../train/ppo/experience.ts";
import { PolicyReference } from "../train/ppo/reference.ts";
import { ppoUpdate } from "../train/ppo/update.ts";
import { Rng } from "../util/random.ts";
import { measure } from "./measure.ts";
import { BENCH_LORA, fastestVariant, smolConfig } from "./shapes.ts";
import type { Benchmark } from "./types.ts";

const SETTINGS = {
  localRolloutForwardBatchSize: 64,
  temperature: 0.7,
  klEstimator: "k1" as const,
  klCoef: 0.05,
  whitenRewards: false,
  gamma: 1,
  lam: 0.95,
  numPpoEpochs: 1,
  numMiniBatches: 1,
  seed: 0,
  cliprange: 0.2,
  cliprangeValue: 0.2,
  vfCoef: 0.1,
  maxGradNorm: 1,
};

const ppoStepBench: Benchmark = {
  name: "ppo-step",
  // Its own group: `deno task bench rl` measures it alone.
  group: "rl",
  description:
    "one PPO update (LoRA r 16 policy and value model, reward model, reference = adapters off) of SmolLM-135M-shaped models, 4 prompts × (64 + 64 sampled) tokens, split into generation, scoring and one optimizer step",
  async run({ quick, log }) {
    const variant = await fastestVariant();
    const config = smolConfig(quick);
    const [rows, promptLength, newTokens] = quick ? [2, 8, 8] : [4, 64, 64];
    const rng = new Rng(0);
    const prompts = Array.from(
      { length: rows },
      () =>
        Array.from({ length: promptLength }, () => rng.int(config.vocabSize)),
    );
    const policy = CausalLM.random(config, { seed: 0 });
    const critic = CausalLM.random({ ...config, head: "score" }, { seed: 1 });
    const judge = CausalLM.random({ ...config, head: "score" }, { seed: 2 });
    const adapters: LoraAdapters[] = [];
    let optimizer: AdamW | null = null;
    try {
      for (const m of [policy, critic]) m.recomputeLayers = true;
      const lora = applyLora(policy, BENCH_LORA, { seed: 0 });
      const criticLora = applyLora(critic, BENCH_LORA, { seed: 1 });
      adapters.push(lora, criticLora);
      const value = SequenceClassifier.create(critic, { seed: 3 });
      const rm = SequenceClassifier.create(judge, { seed: 4 });
      const params = [
        ...lora.parameters(),
        ...criticLora.parameters().map(([n, v]) =>
          [`value_model.${n}`, v] as [string, typeof v]
        ),
        ["value_model.score.weight", value.score] as [
          string,
          typeof value.score,
        ],
      ];
      optimizer = new AdamW(params, { lr: 1e-5, weightDecay: 0 });
      const reference = await PolicyReference.open(
        { model: "", initAdapter: null, lora: null, quantization: null },
        policy,
        lora,
      );
      log(
        `PPO update, ${rows} prompts × (${promptLength} + ${newTokens}) tokens`,
      );
      const split = { generate: 0, score: 0, update: 0 };
      let update = 0;
      const timing = await measure(() => {
        const t0 = performance.now();
        const completions = generate(policy, prompts, {
          maxNewTokens: newTokens,
          sampling: { temperature: 0.7, topK: 0, topP: 1, minP: 0 },
          stopTokens: [],
          seeds: prompts.map((_, i) => 1000 * update + i),
          padTokenId: 0,
        });
        const rollouts = completions.map((c, i) => ({
          group: i,
          promptIds: prompts[i],
          completionIds: c.tokens,
          text: "",
          truncated: true,
          entropies: [],
        }));
        const t1 = performance.now();
        const scores = rm.scoreValues(promptCompletionBatch(rollouts, 0));
        const experience = collectExperience(rollouts, [...scores], {
          policy,
          reference,
          value,
          padId: 0,
        }, SETTINGS);
        const t2 = performance.now();
        ppoUpdate(
          { model: policy, value, params, optimizer: optimizer!, padId: 0 },
          experience,
          { ...SETTINGS, batchSize: rows },
          update++,
          1e-5,
        );
        const t3 = performance.now();
        split.generate = t1 - t0;
        split.score = t2 - t1;
        split.update = t3 - t2;
        return [];
      }, { warmup: 1, repeats: quick ? 1 : 2, minRepeats: 1 });
      value.dispose();
      rm.dispose();
      return {
        rows: [{
          model: quick ? "SmolLM-135M shape (2 layers)" : "SmolLM-135M shape",
          kernel: variant.label,
          lora: "r16 all-linear, policy and value model",
          batch: `${rows} × (${promptLength} + ${newTokens})`,
          recompute_layers: "on",
          step_ms: Math.round(timing.medianMs),
          generate_ms: Math.round(split.generate),
          score_ms: Math.round(split.score),
          update_ms: Math.round(split.update),
        }],
      };
    } finally {
      optimizer?.dispose();
      for (const a of adapters) a.remove();
      for (const m of [policy, critic, judge]) m.dispose();
    }
  },
};

/** The PPO benchmarks. */
export const ppoBenchmarks: Benchmark[] = [ppoStepBench];
