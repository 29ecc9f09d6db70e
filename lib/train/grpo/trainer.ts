/**
 * GRPO with TRL's semantics (GRPOTrainer), step by step:
 *
 * 1. take prompts (per_device_train_batch_size × gradient_accumulation_steps
 *    / num_generations of them) and sample G completions each from the
 *    current policy (adapters on, no dropout);
 * 2. score every completion with the reward functions (each sees its own
 *    prompt and dataset row) and combine them with the weights;
 * 3. group-relative advantages (advantages.ts);
 * 4. log-probs of the reference (adapters disabled) when β ≠ 0, and of the
 *    sampling policy when num_iterations > 1;
 * 5. num_iterations optimizer steps on the clipped surrogate loss
 *    (loss.ts) over the micro-batches, with clipping and AdamW.
 *
 * With `use_vllm` (vllm_mode "server") step 1 runs on a generation server:
 * the adapter is hot-loaded there each step and the same rows are requested
 * (server_rollouts.ts); everything after is unchanged, and the server's
 * log-probs are compared with the trainer's own
 * (`sampling/sampling_logp_difference/*`, sampling_logps.ts).
 *
 * Metrics use TRL's names; `time/generate`, `time/rewards` and `time/update`
 * split the step. Sampling is seeded by (seed, step), so a resumed run draws
 * the same completions an uninterrupted one would.
 *
 * @module
 */
import type { SamplingOptions } from "../../generate/presets.ts";
import { type RewardFunction, scoreRewards } from "../../rewards/types.ts";
import { MetricsLog, type MetricsRecord, roundRecord } from "../metrics_log.ts";
import { learningRate } from "../schedule.ts";
import { type SessionOptions, TrainingSession } from "../session.ts";
import { groupAdvantages } from "./advantages.ts";
import { GRPO_FIELDS, type GrpoConfig, totalSteps } from "./config.ts";
import {
  type CompletionRow,
  completionRows,
  completionStats,
  mean,
  rewardColumns,
} from "./metrics.ts";
import {
  microBatches,
  oldLogProbs,
  referenceLogProbs,
  sum,
  updateStep,
} from "./update.ts";
import { inProcessSource, rolloutSample, sampleRollouts } from "../rollout.ts";
import { samplingLogpDifference } from "../sampling_logps.ts";
import { GenerationServerLink } from "../server_rollouts.ts";
import { checkPromptsFit } from "../prompt_fit.ts";
import { InputError } from "../../util/errors.ts";
import type { PromptExample } from "../../prompt/examples.ts";
import { appendJsonl } from "../../util/json_files.ts";

export type { CompletionRow };

/** How to run. */
export interface GrpoRunOptions extends SessionOptions {
  /** The reward functions, in the order of `config.rewards` (their weights apply). */
  rewards: RewardFunction[];
  /** Stop after this optimizer step, as if killed right after its checkpoint (tests). */
  stopAfterStep?: number;
  /** Called with each logged completions table. */
  onCompletions?: (rows: CompletionRow[]) => void;
}

/** What a run reports. */
export interface GrpoResult {
  outputDir: string;
  steps: number;
  history: MetricsRecord[];
}

/**
 * Runs GRPO as configured on `prompts` (from_config.ts reads them from the
 * config's `train_data`); writes metrics, completions, checkpoints and the
 * final weights.
 */
export async function runGrpo(
  config: GrpoConfig,
  prompts: readonly PromptExample[],
  options: GrpoRunOptions,
): Promise<GrpoResult> {
  if (options.rewards.length !== config.rewards.length) {
    throw new Error(
      `runGrpo: ${options.rewards.length} reward functions for ${config.rewards.length} entries of "rewards"`,
    );
  }
  if (prompts.length === 0) {
    throw new InputError(`${config.trainData}: no prompts to train on`);
  }
  // Before anything loads: a server that is down fails the run at once.
  const link = config.useVllm
    ? await GenerationServerLink.connect(config)
    : null;
  const session = await TrainingSession.open(
    "grpo",
    config,
    options,
    GRPO_FIELDS,
  );
  const source = link
    ? link.source(session.lora!, config.model)
    : inProcessSource(session.model);
  if (link) {
    console.error(
      `[grpo] rollouts: ${source.name} (the adapter hot-loaded each step)`,
    );
  }
  try {
    checkPromptsFit(session.tokenizer, prompts, {
      trainData: config.trainData,
      maxPromptLength: config.maxPromptLength,
      newTokens: config.maxCompletionLength,
      newTokensField: "max_completion_length",
    }, session.model.config.maxPositionEmbeddings);
    const perStep = config.batchSize * config.gradientAccumulationSteps;
    const promptsPerStep = perStep / config.numGenerations;
    const sampler = await session.sampler(prompts.length);
    const total = totalSteps(config, prompts.length);
    const schedule = session.schedule(total);
    const weights = config.rewards.map((r) => r.weight);
    const sampling: SamplingOptions = {
      temperature: config.temperature,
      topK: config.topK > 0 ? config.topK : 0,
      topP: config.topP,
      minP: config.minP,
    };
    let step = session.startStep;
    await session.begin();
    // Drop completion rows logged after the checkpoint we resume from.
    await MetricsLog.open(`${config.outputDir}/completions.jsonl`, step);
    while (step < total) {
      const started = performance.now();
      const batchPrompts = sampler.next(promptsPerStep).map((i) => prompts[i]);
      session.lora?.eval();
      await source.sync(step);
      const rollouts = await sampleRollouts(
        source,
        session.tokenizer,
        batchPrompts,
        {
          numGenerations: config.numGenerations,
          maxCompletionLength: config.maxCompletionLength,
          maxPromptLength: config.maxPromptLength,
          sampling,
          seed: config.seed * 1_000_003 + step,
        },
      );
      const generated = performance.now();
      const samples = rollouts.map((r) =>
        rolloutSample(r, batchPrompts[r.group])
      );
      const scored = await scoreRewards(options.rewards, samples, weights);
      const totals = scored.total.map((v) => v ?? NaN);
      const { advantages, rewardStd, fracZeroStd } = groupAdvantages(
        totals,
        config.numGenerations,
        config.scaleRewards,
      );
      const rewarded = performance.now();

      const micro = microBatches(rollouts, config, session.tokenizer.padId);
      const activeTokens = micro.reduce((n, m) => n + sum(m.mask), 0);
      const refLogps = config.beta !== 0
        ? referenceLogProbs(session, micro, config)
        : null;
      const oldLogps = config.numIterations > 1
        ? oldLogProbs(session, micro, config)
        : null;
      const entropies = rollouts.flatMap((r) => r.entropies);
      const base = {
        step,
        reward: mean(totals),
        reward_std: rewardStd,
        frac_reward_zero_std: fracZeroStd,
        ...rewardColumns(
          [...scored.names, ...scored.parts.names],
          [...scored.values, ...scored.parts.values],
        ),
        ...completionStats(rollouts),
        // A server reports no entropies (vLLM gives top-k log-probs only).
        ...(entropies.length ? { entropy: mean(entropies) } : {}),
        ...samplingLogpDifference(rollouts, {
          model: session.model,
          padId: session.tokenizer.padId,
          chunk: config.batchSize,
        }),
        "time/generate": (generated - started) / 1000,
        "time/rewards": (rewarded - generated) / 1000,
      };
      for (let iteration = 0; iteration < config.numIterations; iteration++) {
        const updateStart = performance.now();
        const lr = learningRate(step, schedule);
        const stats = updateStep(session, micro, advantages, {
          config,
          activeTokens,
          lr,
          refLogps,
          oldLogps,
          dropoutStep: (step * config.numIterations + iteration) *
            micro.length,
        });
        step++;
        const record: MetricsRecord = {
          ...base,
          step,
          ...stats,
          learning_rate: lr,
          "time/update": (performance.now() - updateStart) / 1000,
          step_time: (performance.now() - started) / 1000,
        };
        if (step % config.loggingSteps === 0 || step === total) {
          await session.emit(roundRecord(record));
        }
        if (
          config.logCompletionsSteps > 0 &&
          step % config.logCompletionsSteps === 0
        ) {
          const rows = completionRows(
            step,
            rollouts,
            samples,
            [...scored.names, ...scored.parts.names],
            [...scored.values, ...scored.parts.values],
            totals,
            advantages,
          );
          await appendJsonl(`${config.outputDir}/completions.jsonl`, rows);
          options.onCompletions?.(rows);
        }
        session.progress(step, total, {
          reward: record.reward as number,
        });
        if (step >= total || step === options.stopAfterStep) break;
      }
      const saveDue = (config.saveSteps > 0 && step % config.saveSteps === 0) ||
        step >= total || step === options.stopAfterStep;
      // Checked after a whole generation batch: a resume redraws it.
      await session.afterStep(step, total, sampler, saveDue);
      if (step === options.stopAfterStep) break;
    }
    if (step >= total) await session.saveWeights(config.outputDir);
    return {
      outputDir: config.outputDir,
      steps: step,
      history: session.history,
    };
  } finally {
    await source.close();
    await session.dispose();
  }
}
