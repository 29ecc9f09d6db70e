/**
 * An on-policy haiku preference set, so DPO can join the haiku study: a
 * model (the base, or base + a stage's adapter, e.g. the SFT stage's)
 * answers every training topic k times with seeded sampling at the study's
 * settings, the answers are scored with the study's regular reward
 * (`haiku_regular`: three_lines + haiku + similarity to the topic), and each
 * topic gives one pair — its best answer chosen, its worst rejected — in
 * TRL's conversational format:
 *
 * ```json
 * {"prompt": [{"role": "user", "content": "Generate a haiku about …"}],
 *  "chosen": [{"role": "assistant", "content": "…"}], "rejected": [{"role": "assistant", "content": "…"}],
 *  "topic": "…", "chosen_reward": 1.31, "rejected_reward": -1.9}
 * ```
 *
 * A topic whose answers all score the same (a tie: nothing to prefer), or
 * whose best and worst answers are the same text, gives no pair; both are
 * counted in the report. The samples are drawn as the evaluation draws them
 * (lib/eval/generate_samples.ts: sample j of prompt i from its own stream
 * seeded by (seed, j, i)), so the same inputs write the same file.
 *
 * ```ts
 * const report = await writeHaikuPreferences(settings, {
 *   adapter: stageDir(settings, "sft"), out: "checkpoints/haiku/main/preferences.jsonl", k: 4,
 * });
 * ```
 *
 * @module
 */
import { sampleCompletions } from "../../eval/generate_samples.ts";
import type { SamplingOptions } from "../../generate/presets.ts";
import type { CausalLM } from "../../model/decoder.ts";
import { loadPretrained } from "../../model/pretrained.ts";
import { loadAdapter } from "../../peft/mod.ts";
import { haikuRegularReward } from "../../rewards/haiku.ts";
import {
  type RewardFunction,
  type RewardValue,
  scoreRewards,
} from "../../rewards/types.ts";
import { useLiteEmbedder } from "../../rewards/use_lite.ts";
import type { ChatMessage, Tokenizer } from "../../tokenizer/mod.ts";
import { writeJsonl } from "../../util/json_files.ts";
import { type EvalPrompt, readEvalPrompts } from "./data.ts";
import { GEMMA_HAIKU_EVAL_SAMPLING } from "./evaluate.ts";
import type { HaikuStudySettings } from "./settings.ts";

/** One preference row (TRL's conversational format plus what chose it). */
export interface HaikuPreferenceRow {
  prompt: ChatMessage[];
  chosen: ChatMessage[];
  rejected: ChatMessage[];
  topic: string;
  chosen_reward: number;
  rejected_reward: number;
}

/** What a build did. */
export interface HaikuPreferenceReport {
  /** Topics sampled. */
  prompts: number;
  /** Answers per topic. */
  k: number;
  /** Pairs written. */
  pairs: number;
  /** Topics whose answers all scored the same. */
  ties: number;
  /** Topics whose best and worst answers were the same text. */
  sameText: number;
  /** The reward that ranked the answers. */
  reward: string;
  /** Mean reward of the chosen and of the rejected answers. */
  meanChosen: number;
  meanRejected: number;
}

/** One line: what a preference set holds. */
export function describePreferences(report: HaikuPreferenceReport): string {
  const mean = (x: number) => x.toFixed(3);
  return `${report.pairs} pairs from ${report.prompts} training topics × ${report.k} answers ` +
    `(${report.ties} ties, ${report.sameText} with the same text skipped); ` +
    `mean ${report.reward}: chosen ${mean(report.meanChosen)}, rejected ${
      mean(report.meanRejected)
    }`;
}

/** How to sample. */
export interface PreferenceSampling {
  /** Answers per topic (at least 2). */
  k: number;
  seed: number;
  maxNewTokens: number;
  /** Default: the study's (gemma_haiku's T 1.0, top-p 0.95, top-k 64). */
  sampling?: SamplingOptions;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

/** The best-scored and the worst-scored of a topic's answers, or why there is no pair. */
export function bestAndWorst(
  samples: readonly string[],
  scores: readonly RewardValue[],
):
  | { chosen: number; rejected: number }
  | { skip: "tie" | "same_text" } {
  let best = -1, worst = -1;
  scores.forEach((s, i) => {
    if (s === null) return;
    if (best < 0 || s > scores[best]!) best = i;
    if (worst < 0 || s < scores[worst]!) worst = i;
  });
  if (best < 0 || scores[best] === scores[worst]) return { skip: "tie" };
  if (samples[best].trim() === samples[worst].trim()) {
    return { skip: "same_text" };
  }
  return { chosen: best, rejected: worst };
}

/**
 * Samples k answers per prompt from `model`, scores them with `reward` and
 * keeps each prompt's best-vs-worst pair (see the module comment).
 */
export async function onPolicyPreferences(
  model: CausalLM,
  tokenizer: Tokenizer,
  prompts: readonly EvalPrompt[],
  reward: RewardFunction,
  options: PreferenceSampling,
): Promise<{ rows: HaikuPreferenceRow[]; report: HaikuPreferenceReport }> {
  if (!Number.isInteger(options.k) || options.k < 2) {
    throw new Error(
      `onPolicyPreferences: k must be at least 2 (a pair needs two answers), got ${options.k}`,
    );
  }
  const { outputs } = sampleCompletions(
    model,
    tokenizer,
    prompts.map((p) => p.prompt),
    {
      k: options.k,
      seed: options.seed,
      sampling: options.sampling ?? GEMMA_HAIKU_EVAL_SAMPLING,
      maxNewTokens: options.maxNewTokens,
      batchSize: options.batchSize,
      onProgress: options.onProgress,
    },
  );
  const samples = outputs.flatMap((o, i) =>
    o.samples.map((completion) => ({
      prompt: prompts[i].prompt,
      completion,
      messages: [
        ...prompts[i].prompt,
        { role: "assistant" as const, content: completion },
      ],
      columns: { topic: prompts[i].topic },
    }))
  );
  const { total } = await scoreRewards([reward], samples);
  const rows: HaikuPreferenceRow[] = [];
  let ties = 0, sameText = 0;
  outputs.forEach((o, i) => {
    const scores = total.slice(i * options.k, (i + 1) * options.k);
    const pick = bestAndWorst(o.samples, scores);
    if ("skip" in pick) {
      if (pick.skip === "tie") ties++;
      else sameText++;
      return;
    }
    const answer = (j: number): ChatMessage[] => [
      { role: "assistant", content: o.samples[j] },
    ];
    rows.push({
      prompt: prompts[i].prompt,
      chosen: answer(pick.chosen),
      rejected: answer(pick.rejected),
      topic: prompts[i].topic,
      chosen_reward: scores[pick.chosen]!,
      rejected_reward: scores[pick.rejected]!,
    });
  });
  const mean = (key: "chosen_reward" | "rejected_reward") =>
    rows.length ? rows.reduce((a, r) => a + r[key], 0) / rows.length : NaN;
  return {
    rows,
    report: {
      prompts: prompts.length,
      k: options.k,
      pairs: rows.length,
      ties,
      sameText,
      reward: reward.name,
      meanChosen: mean("chosen_reward"),
      meanRejected: mean("rejected_reward"),
    },
  };
}

/** What {@link writeHaikuPreferences} samples from and writes to. */
export interface HaikuPreferenceFileOptions {
  /** The adapter whose policy answers (a stage's folder), or null for the base model. */
  adapter: string | null;
  /** The JSONL file to write. */
  out: string;
  /** Answers per topic (default 4). */
  k?: number;
  /** Sample only the first this many training topics (default all). */
  prompts?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Builds the study's on-policy preference set from its training topics
 * (`settings.trainData`) with its model, seed, counter, RL completion length
 * and regular reward, and writes it as JSONL; returns the report.
 */
export async function writeHaikuPreferences(
  settings: HaikuStudySettings,
  options: HaikuPreferenceFileOptions,
): Promise<HaikuPreferenceReport> {
  let prompts = await readEvalPrompts(settings.trainData);
  if (options.prompts) prompts = prompts.slice(0, options.prompts);
  const { model, tokenizer, dir } = await loadPretrained(settings.model);
  if (!tokenizer) {
    model.dispose();
    throw new Error(`${dir}: no tokenizer to sample with`);
  }
  const lora = options.adapter
    ? await loadAdapter(options.adapter, model)
    : null;
  try {
    const { rows, report } = await onPolicyPreferences(
      model,
      tokenizer,
      prompts,
      haikuRegularReward(useLiteEmbedder(), { counter: settings.counter }),
      {
        k: options.k ?? 4,
        seed: settings.seed,
        maxNewTokens: settings.rl.maxCompletionLength,
        onProgress: options.onProgress,
      },
    );
    const parent = options.out.replace(/\/[^/]*$/, "");
    if (parent !== options.out) await Deno.mkdir(parent, { recursive: true });
    await writeJsonl(options.out, rows);
    return report;
  } finally {
    lora?.remove();
    model.dispose();
  }
}
