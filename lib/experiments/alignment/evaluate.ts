/**
 * The automatic evaluation of one experiment run, through the one report
 * shape (lib/eval): the base model and the run's final policy answer every
 * held-out prompt k times with the same seeds (the prompt alone: the
 * reference project continued the prompt + reference sequence), every
 * reply gets the task's metrics (metrics.ts), and the reports go to
 * `<run results>/eval/` (summary.md, summary.csv, per_prompt.csv,
 * samples.csv, reports.json), ready for paired comparisons across runs.
 *
 * ```ts
 * const reports = await evaluateRun(experiment, result);
 * reports[1].aggregate.refusal; // the policy's { mean, low, high, … }
 * ```
 *
 * @module
 */
import { evaluateOutputs } from "../../eval/evaluate.ts";
import { sampleCompletions } from "../../eval/generate_samples.ts";
import {
  klEstimates,
  perPrompt,
  rewardScores,
} from "../../eval/reply_scores.ts";
import { writeReport } from "../../eval/report.ts";
import type { EvalReport } from "../../eval/types.ts";
import type { PresetName } from "../../generate/presets.ts";
import type { CausalLM } from "../../model/decoder.ts";
import { loadPretrained } from "../../model/pretrained.ts";
import { loadAdapter, loadSequenceClassifier } from "../../peft/mod.ts";
import { rewardModelReward } from "../../rewards/reward_model.ts";
import type { Tokenizer } from "../../tokenizer/mod.ts";
import { safetyPrompt } from "../safety/settings.ts";
import type { Experiment } from "./load.ts";
import { ALIGNMENT_METRICS, alignmentScorer } from "./metrics.ts";
import { type ExperimentResult, runFolders } from "./results.ts";
import { taskRows } from "./tasks.ts";

/** How the replies are drawn. */
export interface RunEvalSettings {
  /** Samples per prompt. */
  k: number;
  maxNewTokens: number;
  sampling: PresetName;
  seed: number;
  /**
   * The reward model that scores the replies: default the run's own (its
   * reward stage, or reward.trainable.checkpoint_path). Reports pair only
   * under the same one, so a study comparing runs passes one for all.
   */
  rewardModel?: string | null;
  /** Evaluate the base model too (default true; a study comparing runs needs it once). */
  withBase?: boolean;
}

/** The study's evaluation settings (`--debug`: one short sample a prompt). */
export function runEvalSettings(experiment: Experiment): RunEvalSettings {
  const { debug, seed } = experiment.config;
  return {
    k: debug ? 1 : 2,
    maxNewTokens: debug ? 16 : 64,
    sampling: "standard",
    seed,
  };
}

/** The paradigm a run's final policy stands for: sft, dpo, ppo, grpo, sft→dpo, … */
export function paradigmName(result: ExperimentResult): string {
  if (result.mode === "sft") return "sft";
  return result.mode === "staged"
    ? `sft→${result.algorithm}`
    : result.algorithm!;
}

/** A loaded model with its tokenizer, disposed by the caller. */
interface Loaded {
  model: CausalLM;
  tokenizer: Tokenizer;
}

/** The model at `source` (a folder or hub id), with `adapter` attached when given. */
async function load(source: string, adapter?: string): Promise<Loaded> {
  const { model, tokenizer, dir } = await loadPretrained(source);
  if (!tokenizer) throw new Error(`${dir}: no tokenizer`);
  if (adapter) (await loadAdapter(adapter, model)).eval();
  return { model, tokenizer };
}

/** Evaluates the run (see the module doc); writes and returns [base, policy] (without base: [policy]). */
export async function evaluateRun(
  experiment: Experiment,
  result: ExperimentResult,
  settings: RunEvalSettings = runEvalSettings(experiment),
): Promise<EvalReport[]> {
  const { config } = experiment;
  const rows = taskRows(config).held;
  const policyStage = result.stages.findLast((s) => s.kind !== "reward");
  if (!policyStage) {
    throw new Error(`${experiment.path}: no policy was trained`);
  }
  const rewardStage = result.stages.find((s) => s.kind === "reward");
  const rmPath = settings.rewardModel !== undefined
    ? settings.rewardModel
    : rewardStage?.output_dir ?? config.reward.trainable.checkpointPath ?? null;
  const baseSource = config.model.baseCheckpoint;
  const base = await load(baseSource);
  // LoRA policies are adapters on the base; full fine-tuning wrote weights.
  const policy = config.model.peftType === "none"
    ? await load(policyStage.output_dir)
    : await load(baseSource, policyStage.output_dir);
  const rm = rmPath ? await loadSequenceClassifier(rmPath) : null;
  try {
    const prompts = rows.map((r) => safetyPrompt(r.user));
    const rmReward = rm
      ? rewardModelReward(rm, {
        batchSize: 16,
        normalize: "none",
        maxLength: null,
      })
      : null;
    const reports: EvalReport[] = [];
    const models: [string, Loaded][] = [
      ...(settings.withBase === false
        ? []
        : [["base", base] as [string, Loaded]]),
      [paradigmName(result), policy],
    ];
    for (const [name, { model, tokenizer }] of models) {
      const { outputs, settings: generation } = sampleCompletions(
        model,
        tokenizer,
        prompts,
        settings,
      );
      const kl = name === "base"
        ? outputs.flatMap((o) => o.samples.map(() => null))
        : klEstimates(model, base.model, tokenizer, prompts, outputs);
      const rmScores = rmReward
        ? await rewardScores(rmReward, prompts, outputs)
        : kl.map(() => null);
      reports.push(
        await evaluateOutputs(
          outputs.map((o, i) => ({
            prompt: prompts[i],
            id: rows[i].id,
            reference: rows[i].answer,
            extras: rows[i].kind ? { kind: rows[i].kind } : {},
            samples: o.samples.map((s) => s.trim()),
          })),
          {
            model: name,
            metrics: ALIGNMENT_METRICS[config.task],
            score: alignmentScorer(config.task, {
              rmScore: perPrompt(rmScores, settings.k),
              klToBase: perPrompt(kl, settings.k),
            }),
            generation,
            bootstrap: { seed: settings.seed },
            study: { task: config.task, reward_model: rmPath },
          },
        ),
      );
    }
    await writeReport(`${runFolders(experiment).results}/eval`, reports);
    return reports;
  } finally {
    base.model.dispose();
    policy.model.dispose();
    rm?.dispose();
  }
}
