/**
 * PPO with a value model and GAE, TRL's PPOTrainer semantics
 * (alignment.md §4), one update at a time:
 *
 * 1. sample one completion per prompt from the policy (prompt-only inputs,
 *    left-padded; ended by the stop token, else response_length tokens);
 * 2. score each completion with the `rewards` (a reward model, a heuristic
 *    or a hybrid), minus `missing_eos_penalty` without an EOS;
 * 3. per completion token: log π (the sampling policy), log π_ref, V, the
 *    KL penalty, rewards, GAE and returns (experience.ts, advantages.ts);
 * 4. num_ppo_epochs passes over shuffled mini-batches, one optimizer step
 *    each on the clipped policy + value loss (loss.ts) through the shared
 *    step, policy and value model in one AdamW.
 *
 * With `use_vllm` (vllm_mode "server") step 1 runs on a generation server
 * with the policy's adapter hot-loaded each update, as GRPO's does
 * (server_rollouts.ts); the server's log-probs are compared with the
 * experience's own (`sampling/sampling_logp_difference/*`).
 *
 * Dropout is off everywhere, as TRL's PPOTrainer turns it off, so the first
 * mini-batch's ratio is exactly 1. Metrics use TRL's names; `time/generate`,
 * `time/rewards` and `time/update` split the update. Sampling is seeded by
 * (seed, update) and the shuffles by (seed, update, epoch), so a resumed
 * run continues exactly as an uninterrupted one.
 *
 * @module
 */
import type { PromptExample } from "../../prompt/examples.ts";
import { type RewardFunction, scoreRewards } from "../../rewards/types.ts";
import { InputError } from "../../util/errors.ts";
import { appendJsonl } from "../../util/json_files.ts";
import { deriveSeed } from "../../util/random.ts";
import { completionStats, mean, rewardColumns } from "../grpo/metrics.ts";
import { sum } from "../grpo/update.ts";
import { MetricsLog, type MetricsRecord, roundRecord } from "../metrics_log.ts";
import { checkPromptsFit } from "../prompt_fit.ts";
import { inProcessSource, rolloutSample, sampleRollouts } from "../rollout.ts";
import { samplingLogpDifference } from "../sampling_logps.ts";
import { GenerationServerLink } from "../server_rollouts.ts";
import { learningRate } from "../schedule.ts";
import { type SessionOptions, TrainingSession } from "../session.ts";
import {
  PPO_FIELDS,
  type PpoConfig,
  rolloutsPerUpdate,
  totalUpdates,
} from "./config.ts";
import { collectExperience } from "./experience.ts";
import { ppoUpdate } from "./update.ts";
import { PolicyReference } from "./reference.ts";
import { ValueModelFactory } from "./value_model.ts";

/** How to run. */
export interface PpoRunOptions extends SessionOptions {
  /** The reward functions, in the order of `config.rewards` (their weights apply). */
  rewards: RewardFunction[];
  /** Stop after this update, as if killed right after its checkpoint (tests). */
  stopAfterStep?: number;
  /** Called with each logged completions table. */
  onCompletions?: (rows: Record<string, unknown>[]) => void;
}

/** What a run reports. */
export interface PpoResult {
  outputDir: string;
  /** Updates done. */
  steps: number;
  totalSteps: number;
  history: MetricsRecord[];
}

/**
 * Runs PPO as configured on `prompts`; writes metrics, completions,
 * checkpoints and the final policy (and `value_model/`) to `output_dir`.
 */
export async function runPpo(
  config: PpoConfig,
  prompts: readonly PromptExample[],
  options: PpoRunOptions,
): Promise<PpoResult> {
  if (options.rewards.length !== config.rewards.length) {
    throw new Error(
      `runPpo: ${options.rewards.length} reward functions for ${config.rewards.length} entries of "rewards"`,
    );
  }
  if (prompts.length === 0) {
    throw new InputError(`${config.trainData}: no prompts to train on`);
  }
  // Before anything loads: a server that is down fails the run at once.
  const link = config.useVllm
    ? await GenerationServerLink.connect(config)
    : null;
  const valueFactory = new ValueModelFactory(config.valueModelPath);
  const session = await TrainingSession.open(
    "ppo",
    config,
    options,
    PPO_FIELDS,
    {
      companion: valueFactory,
    },
  );
  let reference: PolicyReference | null = null;
  const source = link
    ? link.source(session.lora!, config.model)
    : inProcessSource(session.model);
  try {
    const { model, tokenizer } = session;
    checkPromptsFit(tokenizer, prompts, {
      trainData: config.trainData,
      maxPromptLength: config.maxPromptLength,
      newTokens: config.responseLength,
      newTokensField: "response_length",
    }, model.config.maxPositionEmbeddings);
    const stopTokens = config.stopTokenId !== null
      ? [checkStopId(config.stopTokenId, model.config.vocabSize)]
      : config.stopToken === "eos"
      ? [...tokenizer.eosIds]
      : [];
    reference = await PolicyReference.open(config, model, session.lora);
    console.error(`[ppo] reference: ${reference.description}`);
    console.error(`[ppo] value model: ${valueFactory.description}`);
    console.error(`[ppo] rollouts: ${source.name}`);
    const value = valueFactory.classifier!;
    // TRL's PPOTrainer turns dropout off in every model.
    session.lora?.eval();
    const perUpdate = rolloutsPerUpdate(config);
    const total = totalUpdates(config, prompts.length);
    const schedule = session.schedule(total);
    const sampler = await session.sampler(prompts.length);
    const weights = config.rewards.map((r) => r.weight);
    const models = {
      policy: model,
      reference,
      value,
      padId: tokenizer.padId,
    };
    let step = session.startStep;
    await session.begin();
    await MetricsLog.open(`${config.outputDir}/completions.jsonl`, step);
    while (step < total) {
      const started = performance.now();
      const batchPrompts = sampler.next(perUpdate).map((i) => prompts[i]);
      await source.sync(step);
      const rollouts = await sampleRollouts(source, tokenizer, batchPrompts, {
        numGenerations: 1,
        maxCompletionLength: config.responseLength,
        maxPromptLength: config.maxPromptLength,
        sampling: {
          temperature: config.temperature,
          topK: 0,
          topP: 1,
          minP: 0,
        },
        seed: deriveSeed(config.seed, step),
        stopTokens,
      });
      const generated = performance.now();
      const samples = rollouts.map((r, i) => rolloutSample(r, batchPrompts[i]));
      const scored = await scoreRewards(options.rewards, samples, weights);
      const eos = new Set(tokenizer.eosIds);
      const hasEos = rollouts.map((r) =>
        r.completionIds.some((t) => eos.has(t))
      );
      const scores = scored.total.map((v, i) =>
        (v ?? 0) -
        (config.missingEosPenalty !== null && !hasEos[i]
          ? config.missingEosPenalty
          : 0)
      );
      const experience = collectExperience(rollouts, scores, models, config);
      const served = samplingLogpDifference(rollouts, {
        model,
        padId: tokenizer.padId,
        chunk: config.localRolloutForwardBatchSize,
        // The experience's log-probs are raw (temperature 1 or 0) already.
        local: config.temperature === 1 || config.temperature === 0
          ? (i) => experience[i].logps
          : undefined,
      });
      const rewarded = performance.now();

      const lr = learningRate(step, schedule);
      const stats = ppoUpdate(
        {
          model,
          value,
          params: session.params,
          optimizer: session.optimizer,
          padId: tokenizer.padId,
        },
        experience,
        config,
        step,
        lr,
      );
      step++;
      const sums = experience.map((e) => ({
        kl: sum(e.kl),
        entropy: -sum(e.logps),
      }));
      const nonScore = -config.klCoef * mean(sums.map((s) => s.kl));
      const record: MetricsRecord = {
        step,
        episode: step * perUpdate,
        "objective/kl": mean(sums.map((s) => s.kl)),
        "objective/entropy": mean(sums.map((s) => s.entropy)),
        "objective/non_score_reward": nonScore,
        "objective/rlhf_reward": nonScore + mean(scores),
        "objective/scores": mean(scores),
        "objective/unscored": scored.total.filter((v) => v === null).length,
        ...rewardColumns(
          [...scored.names, ...scored.parts.names],
          [...scored.values, ...scored.parts.values],
        ),
        ...stats,
        "val/num_eos_tokens": rollouts.reduce(
          (n, r) => n + r.completionIds.filter((t) => eos.has(t)).length,
          0,
        ),
        ...completionStats(rollouts),
        ...served,
        learning_rate: lr,
        "time/generate": (generated - started) / 1000,
        "time/rewards": (rewarded - generated) / 1000,
        "time/update": (performance.now() - rewarded) / 1000,
        step_time: (performance.now() - started) / 1000,
        eps: perUpdate / ((performance.now() - started) / 1000),
      };
      if (step % config.loggingSteps === 0 || step === total) {
        await session.emit(roundRecord(record));
      }
      if (
        config.logCompletionsSteps > 0 &&
        step % config.logCompletionsSteps === 0
      ) {
        const rows = experience.map((e, i) => ({
          step,
          prompt: promptText(samples[i].prompt),
          completion: e.rollout.text,
          score: e.score,
          kl: sums[i].kl,
          ...Object.fromEntries(
            scored.names.map((
              name,
              f,
            ) => [`reward/${name}`, scored.values[f][i]]),
          ),
        }));
        await appendJsonl(`${config.outputDir}/completions.jsonl`, rows);
        options.onCompletions?.(rows);
      }
      session.progress(step, total, {
        score: record["objective/scores"] as number,
      });
      const saveDue = (config.saveSteps > 0 && step % config.saveSteps === 0) ||
        step >= total || step === options.stopAfterStep;
      await session.afterStep(step, total, sampler, saveDue);
      if (step === options.stopAfterStep) break;
    }
    if (step >= total) await session.saveWeights(config.outputDir);
    return {
      outputDir: config.outputDir,
      steps: step,
      totalSteps: total,
      history: session.history,
    };
  } finally {
    await source.close();
    reference?.dispose();
    await session.dispose();
  }
}

function checkStopId(id: number, vocab: number): number {
  if (id >= vocab) {
    throw new InputError(
      `stop_token_id ${id} is outside the model's vocabulary of ${vocab} tokens`,
    );
  }
  return id;
}

function promptText(prompt: PromptExample["prompt"]): string {
  return typeof prompt === "string" ? prompt : prompt.at(-1)!.content;
}
