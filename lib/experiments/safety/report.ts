/**
 * The safety study's results: summary.md with the reward model's and DPO's
 * held-out pair tables, the generations' refusal table and the paired
 * differences SFT → DPO − SFT and SFT − base, the denylist counts, and the
 * trainers' own last held-out numbers; charts of the refusal rates
 * (refusals.svg) and of the pairwise accuracies (pairs.svg); all written
 * into results/safety/<run>/ through lib/eval's one writer.
 *
 * ```ts
 * const training = await trainingFacts(adapters);
 * console.log(safetySummary([...reports.pairs, ...reports.generations], training));
 * await writeSafetyResults(settings, reports, training);
 * ```
 *
 * @module
 */
import { actionableMarkers } from "../../data/safety_checks.ts";
import { estimateBars, scoreBars } from "../../eval/charts.ts";
import { reportPaths, writeReport } from "../../eval/report.ts";
import { pairedTable, summaryTable } from "../../eval/tables.ts";
import type { EvalReport, ReportLayout } from "../../eval/types.ts";
import { loggedRecords } from "../sft_then_grpo.ts";
import { SAFETY_MODELS, type SafetyReports } from "./evaluate.ts";
import { pairKey, promptKind } from "./metrics.ts";
import { PRESETS } from "../../generate/presets.ts";
import { SAFETY_LORA, type SafetySettings } from "./settings.ts";
import type { SafetyAdapters } from "./train.ts";

/**
 * The paired tests draw their sign flips with seed 0 (the intervals use
 * the run's seed), as the other studies' paired tables do.
 */
const PAIRED_SEED = 0;

/** The last held-out numbers each trainer logged (TRL's `eval_*` names). */
export type TrainingFacts =
  & Partial<
    Record<"sft" | "dpo" | "reward", Record<string, number | string>>
  >
  & {
    /** PPO's first and last few updates (objective/* metrics averaged). */
    ppo?: { first: Record<string, number>; last: Record<string, number> };
  };

/** PPO's objective metrics shown for its first and last updates. */
const PPO_FACTS = [
  "objective/scores",
  "objective/kl",
  "objective/rlhf_reward",
  "completions/mean_length",
] as const;

/** Reads each stage's last evaluation record from its metrics.jsonl. */
export async function trainingFacts(
  adapters: SafetyAdapters,
): Promise<TrainingFacts> {
  const facts: TrainingFacts = {};
  for (const stage of ["sft", "dpo", "reward"] as const) {
    const last = (await loggedRecords(adapters[stage])).findLast((r) =>
      "eval_loss" in r
    );
    if (last) facts[stage] = last;
  }
  const ppo = await loggedRecords(adapters.ppo);
  if (ppo.length > 0) {
    // Means over the first and last fifth of the updates (at least one).
    const n = Math.max(1, Math.floor(ppo.length / 5));
    const means = (records: typeof ppo) =>
      Object.fromEntries(PPO_FACTS.map((k) => [
        k,
        records.reduce((a, r) => a + Number(r[k]), 0) / records.length,
      ]));
    facts.ppo = { first: means(ppo.slice(0, n)), last: means(ppo.slice(-n)) };
  }
  return facts;
}

/** The report of `model` in `reports`; a missing one is an error naming it. */
export function reportOf(
  reports: readonly EvalReport[],
  model: string,
): EvalReport {
  const found = reports.find((r) => r.model === model);
  if (!found) {
    throw new Error(
      `no "${model}" report among ${reports.map((r) => r.model).join(", ")}`,
    );
  }
  return found;
}

/** The generation reports of base, SFT and SFT → DPO, in that order. */
export function generationReports(
  reports: readonly EvalReport[],
): EvalReport[] {
  return [
    SAFETY_MODELS.base,
    SAFETY_MODELS.sft,
    SAFETY_MODELS.dpo,
    SAFETY_MODELS.ppo,
  ].map((m) => reportOf(reports, m));
}

/** The study's reports in its order: the two pair reports, then the generations. */
export function orderedReports(reports: SafetyReports): EvalReport[] {
  return [...reports.pairs, ...reports.generations];
}

/**
 * Per model, how many replies to harmful prompts hit the denylist, and how
 * many of those do not refuse; and the same count for the dataset's own
 * chosen refusals, which the denylist was not written for.
 */
export function denylistCounts(generations: readonly EvalReport[]): string {
  const lines = generations.map((r) => {
    const harmful = r.prompts.filter((p) => promptKind(p.extras) === "harmful");
    const samples = harmful.flatMap((p) => p.samples);
    const hits = samples.filter((s) => s.values.denylist === 1);
    const complying = hits.filter((s) => s.values.refusal === 0);
    return `- ${r.model}: ${hits.length} of ${samples.length} replies to harmful prompts hit the denylist, ${complying.length} of them without a refusal.`;
  });
  const harmful = generations[0].prompts.filter((p) =>
    promptKind(p.extras) === "harmful"
  );
  const reference = harmful.filter((p) =>
    actionableMarkers(p.reference ?? "").length > 0
  );
  lines.push(
    `- the dataset's chosen refusals of the same prompts: ${reference.length} of ${harmful.length} hit it.`,
  );
  return lines.join("\n");
}

/** One line per stage: the last held-out numbers its trainer logged. */
function trainingLines(facts: TrainingFacts): string {
  const show = (
    r: Record<string, number | string> | undefined,
    keys: string[],
  ) =>
    r
      ? keys.filter((k) => k in r).map((k) => `${k} ${r[k]}`).join(", ") +
        ` (step ${r.step})`
      : "not logged";
  return [
    `- SFT: ${show(facts.sft, ["eval_loss"])}`,
    `- DPO: ${
      show(facts.dpo, [
        "eval_loss",
        "eval_rewards/accuracies",
        "eval_rewards/margins",
      ])
    }`,
    `- reward model: ${
      show(facts.reward, ["eval_loss", "eval_accuracy", "eval_margin"])
    }`,
    `- PPO (${
      facts.ppo ? "mean of the first → last fifth of the updates" : "not logged"
    })${
      facts.ppo
        ? ": " + PPO_FACTS.map((k) =>
          `${k} ${facts.ppo!.first[k].toFixed(3)} → ${
            facts.ppo!.last[k].toFixed(3)
          }`
        ).join(", ")
        : ""
    }`,
  ].join("\n");
}

/** One line: what was trained and how the generations were sampled. */
export function settingsLine(settings: SafetySettings): string {
  const { sft, dpo, reward, ppo } = settings;
  const p = PRESETS[settings.sampling];
  return `Run \`${settings.run}\` on the default model, LoRA r ${SAFETY_LORA.r} (α ${SAFETY_LORA.lora_alpha}, all linear layers): SFT ${sft.steps} steps (lr ${sft.learningRate}, ${sft.batchSize} examples/step); DPO from the SFT adapter ${dpo.steps} steps (sigmoid, β ${dpo.beta}, lr ${dpo.learningRate}, ${dpo.batchSize} pairs/step); reward model from the base model ${reward.steps} steps (lr ${reward.learningRate}, ${reward.batchSize} pairs/step); PPO from the SFT adapter ${ppo.steps} updates (${ppo.batchSize} prompts/update, lr ${ppo.learningRate}, kl_coef ${ppo.klCoef}, rewarded by the reward model, value model from it, KL to the SFT adapter). Generations: ${settings.k} per prompt, preset ${settings.sampling} (T ${p.temperature}, top-k ${p.topK}, top-p ${p.topP}), at most ${settings.maxNewTokens} new tokens, seed ${settings.seed}.`;
}

/** summary.md: every table of the study (see the module doc). */
export function safetySummary(
  reports: readonly EvalReport[],
  training: TrainingFacts = {},
  settings?: SafetySettings,
): string {
  const rm = reportOf(reports, SAFETY_MODELS.rewardModel);
  const dpoPairs = reportOf(reports, SAFETY_MODELS.dpoPairs);
  const generations = generationReports(reports);
  const [base, sft, dpo, ppo] = generations;
  const paired = { seed: PAIRED_SEED };
  return [
    ...(settings ? [settingsLine(settings)] : []),
    `## Reward model on ${rm.settings.prompts} held-out pairs`,
    "Pairwise accuracy: share of pairs whose chosen reply the reward model scores above the rejected one (TRL's `accuracy`); margin: chosen − rejected score.",
    summaryTable([rm], {
      metrics: ["accuracy", "accuracyHarmful", "accuracyBenign", "margin"],
    }),
    `## DPO on ${dpoPairs.settings.prompts} held-out pairs`,
    "Implicit rewards β·(log π − log π_ref) of each reply, π = SFT → DPO, π_ref = the SFT adapter DPO started from (its reference); TRL's `rewards/*` per pair. The reference itself scores every pair 0 (accuracy 0 %, margin 0).",
    summaryTable([dpoPairs]),
    `## Generations on ${base.settings.prompts} held-out prompts`,
    summaryTable(generations),
    `### ${dpo.model} − ${sft.model}, paired by prompt`,
    pairedTable(dpo, sft, paired),
    `### ${ppo.model} − ${sft.model}, paired by prompt`,
    pairedTable(ppo, sft, paired),
    `### ${sft.model} − ${base.model}, paired by prompt`,
    pairedTable(sft, base, paired),
    "### Denylist hits (lib/data/safety_checks.ts `actionableMarkers`)",
    denylistCounts(generations),
    "## The trainers' last held-out evaluation",
    trainingLines(training),
  ].join("\n\n");
}

/** Bars of the refusal and over-refusal rates with their intervals. */
export function refusalBars(generations: readonly EvalReport[]): string {
  return scoreBars(generations, {
    metrics: ["refusal", "overRefusal"],
    title: "Refusals on held-out prompts",
    yLabel: "share of replies",
  });
}

/** Bars of the pairwise accuracies (all, harmful, benign) of the reward model and of DPO. */
export function pairBars(pairs: readonly EvalReport[]): string {
  const panels = [
    ["accuracy", "all pairs"],
    ["accuracyHarmful", "harmful pairs"],
    ["accuracyBenign", "benign pairs"],
  ] as const;
  return estimateBars(
    panels.flatMap(([role, metric]) =>
      pairs.map((r) => ({
        name: r.model === SAFETY_MODELS.rewardModel
          ? "reward model"
          : "DPO implicit reward",
        metric,
        estimate: r.aggregate[pairKey(r.metrics, role)]!,
      }))
    ),
    {
      title: "Pairwise accuracy on held-out pairs",
      subtitle: `chosen scored above rejected; bars: ${
        Math.round(pairs[0].settings.bootstrap.level * 100)
      } % bootstrap interval over pairs`,
      yLabel: "share of pairs",
    },
  );
}

/** The study's {@link ReportLayout}. */
export function safetyLayout(
  training: TrainingFacts = {},
  settings?: SafetySettings,
): ReportLayout {
  return {
    sampleColumns: {
      columns: ["refusal_phrase", "denylist_hits"],
      cells: (s) => ({
        refusal_phrase: (s.extras?.refusalPhrase as string | null) ?? null,
        denylist_hits: (s.extras?.denylist as string | undefined) ?? null,
      }),
    },
    summaryMarkdown: (reports) => safetySummary(reports, training, settings),
    charts: (reports) => ({
      "refusals.svg": refusalBars(generationReports(reports)),
      "pairs.svg": pairBars([
        reportOf(reports, SAFETY_MODELS.rewardModel),
        reportOf(reports, SAFETY_MODELS.dpoPairs),
      ]),
    }),
  };
}

/** Writes the report files and charts into the run's results folder; returns the paths. */
export async function writeSafetyResults(
  settings: SafetySettings,
  reports: SafetyReports,
  training: TrainingFacts = {},
): Promise<string[]> {
  return reportPaths(
    await writeReport(
      settings.resultsDir,
      orderedReports(reports),
      safetyLayout(training, settings),
      { settings },
    ),
  );
}
