/**
 * Evaluation of the safety study on the held-out rows (data/safety/eval.jsonl,
 * topics unseen in training), every number per row so that lib/eval gives
 * it a 95 % bootstrap interval over rows:
 *
 * 1. the reward model scores each held-out pair's chosen and rejected reply
 *    (tokenised as it trained: lib/train/reward) → pairwise accuracy and
 *    margin, split by kind;
 * 2. DPO's implicit reward of each held-out pair, β·(log π − log π_ref) of
 *    each reply with π = the SFT → DPO adapter and π_ref = the SFT adapter
 *    it started from (its reference), summed over the reply's tokens as the
 *    DPO trainer sums them → TRL's `rewards/accuracies`,
 *    `rewards/margins`, `rewards/chosen`, `rewards/rejected`;
 * 3. the base model, SFT, SFT → DPO and SFT → PPO answer each held-out
 *    prompt k times with the same seeds → refusal rate on the harmful
 *    prompts, over-refusal rate on the benign ones, denylist hits, length;
 *    the reward model's score of every reply (what PPO maximises), and
 *    Σ log π − log π_SFT over the reply's sampled tokens (a one-sample KL
 *    estimate to SFT, at T = 1).
 *
 * ```ts
 * const { pairs, generations } = await evaluateSafety(settings, adapters);
 * pairs[0].aggregate.accuracy; // the reward model's { mean, low, high, … }
 * ```
 *
 * @module
 */
import type { SafetyRow } from "../../data/safety_rows.ts";
import { evaluateOutputs } from "../../eval/evaluate.ts";
import { sampleCompletions } from "../../eval/generate_samples.ts";
import {
  klEstimates,
  perPrompt,
  rewardScores,
} from "../../eval/reply_scores.ts";
import type { EvalReport, PromptOutputs } from "../../eval/types.ts";
import type { MetricSet } from "../../eval/metrics.ts";
import { loadPretrained } from "../../model/pretrained.ts";
import {
  loadAdapter,
  type LoadedClassifier,
  loadSequenceClassifier,
} from "../../peft/mod.ts";
import { rewardModelReward } from "../../rewards/reward_model.ts";
import {
  type EncodedPair,
  encodePreferencePairs,
  type PairEncodingOptions,
} from "../../prompt/preference.ts";
import { pairSums } from "../../train/dpo/batch.ts";
import { loadPairSplit, type PairSplit } from "../../train/reward/data.ts";
import { evaluatePairs } from "../../train/reward/evaluate.ts";
import { Progress } from "../../util/progress.ts";
import { forEachAdapter } from "../sft_then_grpo.ts";
import {
  DPO_PAIR_METRICS,
  GENERATION_METRICS,
  generationScorer,
  pairScorer,
  REWARD_PAIR_METRICS,
} from "./metrics.ts";
import {
  SAFETY_MAX_LENGTH,
  safetyPrompt,
  type SafetySettings,
} from "./settings.ts";
import { evalRows, type SafetyAdapters, safetyAdapters } from "./train.ts";

/** The row labels of the models. */
export const SAFETY_MODELS = {
  rewardModel: "reward model",
  dpoPairs: "SFT → DPO (implicit reward vs SFT)",
  base: "base",
  sft: "SFT",
  dpo: "SFT → DPO",
  ppo: "SFT → PPO",
} as const;

/** The study's reports. */
export interface SafetyReports {
  /** The reward model's, then DPO's implicit reward's, on the held-out pairs. */
  pairs: EvalReport[];
  /** base, SFT, SFT → DPO, SFT → PPO answering the held-out prompts. */
  generations: EvalReport[];
}

/** What the reports record that defines their numbers. */
function studySettings(settings: SafetySettings) {
  return {
    evalData: settings.evalData.replace(/.*\/data\//, "data/"),
    refusal: "isRefusal (lib/data/safety_checks.ts)",
  };
}

/** Progress hooks of {@link evaluateSafety}. */
export interface SafetyEvalHooks {
  /** A line per step (default: stderr). */
  log?: (line: string) => void;
  /** A progress line per model's generations (default true). */
  progress?: boolean;
}

/** Evaluates the trained stages; see the module doc. */
export async function evaluateSafety(
  settings: SafetySettings,
  adapters: SafetyAdapters = safetyAdapters(settings.checkpointsDir),
  hooks: SafetyEvalHooks = {},
): Promise<SafetyReports> {
  const log = hooks.log ?? ((line: string) => console.error(line));
  const rows = evalRows(settings);
  const split = await loadPairSplit(
    `${settings.checkpointsDir}/eval_pairs.jsonl`,
  );
  const rm = await loadSequenceClassifier(adapters.reward);
  const sftModel = await loadPretrained(settings.model);
  try {
    // π_SFT for the KL estimates: a second copy, beside the model evaluated.
    (await loadAdapter(adapters.sft, sftModel.model)).eval();
    log(`eval: reward model on ${rows.length} held-out pairs`);
    const rewardModel = await rewardModelReport(rm, rows, split, settings);
    const rmReward = rewardModelReward(rm, {
      batchSize: 16,
      normalize: "none",
      maxLength: SAFETY_MAX_LENGTH,
    });
    // Σ log π of each held-out reply under SFT (DPO's reference) and SFT → DPO.
    const sums = new Map<
      string,
      { chosen: Float32Array; rejected: Float32Array }
    >();
    const generations = await forEachAdapter(settings.model, [
      [SAFETY_MODELS.base, null],
      [SAFETY_MODELS.sft, adapters.sft],
      [SAFETY_MODELS.dpo, adapters.dpo],
      [SAFETY_MODELS.ppo, adapters.ppo],
    ], async (name, model, tokenizer) => {
      if (name === SAFETY_MODELS.sft || name === SAFETY_MODELS.dpo) {
        const pairs = encodeRows(tokenizer, rows, split, {
          trainer: "dpo",
          maxLength: SAFETY_MAX_LENGTH,
          contextLength: model.config.maxPositionEmbeddings,
          truncationMode: "keep_start",
        });
        sums.set(name, pairSums(model, pairs, 8, tokenizer.padId));
      }
      log(`eval: ${name} answers ${rows.length} held-out prompts`);
      const bar = new Progress(`eval ${name}`, rows.length * settings.k, {
        unit: "sample",
        // Quiet (notebooks): the lines go nowhere.
        ...(hooks.progress === false ? { write: () => {} } : {}),
      });
      const prompts = rows.map((r) => safetyPrompt(r.prompt));
      const { outputs, settings: generation } = sampleCompletions(
        model,
        tokenizer,
        prompts,
        {
          k: settings.k,
          seed: settings.seed,
          sampling: settings.sampling,
          maxNewTokens: settings.maxNewTokens,
          onProgress: (done) => bar.update(done),
        },
      );
      const klToSft = name === SAFETY_MODELS.base
        ? outputs.flatMap((o) => o.samples.map(() => null))
        : klEstimates(model, sftModel.model, tokenizer, prompts, outputs);
      const rmScores = await rewardScores(rmReward, prompts, outputs);
      return await evaluateOutputs(
        outputs.map((o, i) => ({
          ...rowOutput(rows[i]),
          samples: o.samples.map((s) => s.trim()),
        })),
        {
          model: name,
          metrics: GENERATION_METRICS,
          score: generationScorer({
            rmScore: perPrompt(rmScores, settings.k),
            klToSft: perPrompt(klToSft, settings.k),
          }),
          generation,
          bootstrap: { seed: settings.seed },
          study: studySettings(settings),
        },
      );
    });
    const dpoPairs = await pairReport(
      settings,
      rows,
      SAFETY_MODELS.dpoPairs,
      DPO_PAIR_METRICS,
      implicitRewards(
        sums.get(SAFETY_MODELS.dpo)!,
        sums.get(SAFETY_MODELS.sft)!,
        settings.dpo.beta,
      ),
    );
    return { pairs: [rewardModel, dpoPairs], generations };
  } finally {
    rm.dispose();
    sftModel.model.dispose();
  }
}

/**
 * β·(log π − log π_ref) of every pair's chosen and rejected reply: DPO's
 * `rewards/chosen` and `rewards/rejected`, per pair.
 */
export function implicitRewards(
  policy: { chosen: ArrayLike<number>; rejected: ArrayLike<number> },
  reference: { chosen: ArrayLike<number>; rejected: ArrayLike<number> },
  beta: number,
): { chosen: number[]; rejected: number[] } {
  const side = (key: "chosen" | "rejected") =>
    Array.from(policy[key], (p, i) => beta * (p - reference[key][i]));
  return { chosen: side("chosen"), rejected: side("rejected") };
}

/** The reward model's scores of every held-out pair, as a report. */
async function rewardModelReport(
  rm: LoadedClassifier,
  rows: readonly SafetyRow[],
  split: PairSplit,
  settings: SafetySettings,
): Promise<EvalReport> {
  rm.lora?.eval();
  const pairs = encodeRows(rm.tokenizer, rows, split, {
    trainer: "reward",
    maxLength: SAFETY_MAX_LENGTH,
    contextLength: rm.classifier.model.config.maxPositionEmbeddings,
  });
  const { chosen, rejected } = evaluatePairs(rm.classifier, pairs, {
    batchSize: 8,
    padId: rm.tokenizer.padId,
    centerCoefficient: null,
  });
  return await pairReport(
    settings,
    rows,
    SAFETY_MODELS.rewardModel,
    REWARD_PAIR_METRICS,
    { chosen, rejected },
  );
}

/** A held-out row as a prompt of a report: its id, kind and category, the chosen reply as reference. */
function rowOutput(row: SafetyRow): Omit<PromptOutputs, "samples"> {
  return {
    prompt: safetyPrompt(row.prompt),
    id: row.id,
    reference: row.chosen,
    extras: { kind: row.kind, category: row.category },
  };
}

/** A report of one pair "sample" per row (the chosen reply), valued by the two scores. */
async function pairReport(
  settings: SafetySettings,
  rows: readonly SafetyRow[],
  model: string,
  metrics: MetricSet,
  scores: { chosen: ArrayLike<number>; rejected: ArrayLike<number> },
): Promise<EvalReport> {
  return await evaluateOutputs(
    rows.map((r) => ({ ...rowOutput(r), samples: [r.chosen] })),
    {
      model,
      metrics,
      score: pairScorer(metrics, scores),
      bootstrap: { seed: settings.seed },
      study: studySettings(settings),
    },
  );
}

/**
 * The held-out pairs tokenised as `options.trainer` (DPO or the reward
 * trainer) tokenised them in training, in row order (found by the `id`
 * each pair keeps from its row); a pair the encoding dropped is an error,
 * as its scores would no longer line up with the rows.
 */
export function encodeRows(
  tokenizer: Parameters<typeof encodePreferencePairs>[0],
  rows: readonly SafetyRow[],
  split: PairSplit,
  options: PairEncodingOptions,
): EncodedPair[] {
  const { pairs } = encodePreferencePairs(tokenizer, split.pairs, options);
  const byId = new Map(pairs.map((p) => [String(p.pair.row.id), p]));
  return rows.map((r) => {
    const pair = byId.get(r.id);
    if (!pair) {
      throw new Error(
        `${split.source}: held-out pair "${r.id}" was dropped by the ${options.trainer} encoding (longer than max_length ${options.maxLength}?)`,
      );
    }
    return pair;
  });
}
