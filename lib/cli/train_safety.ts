/**
 * `deno task train:safety`: the safety study (issue 15) on the default
 * model: LoRA SFT on the safety pairs' chosen replies, DPO from that
 * adapter (π_ref = the SFT adapter), a reward model from the base model,
 * PPO from the SFT adapter rewarded by that reward model; then the reward
 * model's and DPO's pairwise accuracy on the held-out pairs and the
 * refusal / over-refusal rates, reward-model scores and KL to SFT of base,
 * SFT, SFT → DPO and SFT → PPO on the held-out prompts, written to
 * results/safety/<run>/ (summary.md,
 * summary.csv, per_prompt.csv, samples.csv, reports.json, settings.json,
 * refusals.svg, pairs.svg).
 *
 *   deno task train:safety [--model M] [--run NAME] [--out DIR] [--fast] [--k N]
 *                          [--sft-steps N] [--dpo-steps N] [--dpo-lr X]
 *                          [--reward-steps N] [--ppo-steps N] [--ppo-lr X]
 *
 * A stage whose adapter exists in checkpoints/safety/<run>/ is reused and
 * an interrupted one resumes, so the same command continues a stopped run.
 * `--model` starts from another model (a folder or a hub id); the trainers
 * and the evaluation cut the 256-token length to a shorter context.
 *
 * @module
 */
import { initEngine } from "../engine/mod.ts";
import { evaluateSafety } from "../experiments/safety/evaluate.ts";
import {
  orderedReports,
  safetySummary,
  trainingFacts,
  writeSafetyResults,
} from "../experiments/safety/report.ts";
import { safetySettings } from "../experiments/safety/settings.ts";
import { trainSafety } from "../experiments/safety/train.ts";
import { fastMode } from "../util/fast.ts";
import { flag } from "../util/flags.ts";
import { placeRun, STUDY_FLAGS, studyModel } from "./study_flags.ts";
import { startTask } from "./task.ts";

const { values: args } = startTask({
  name: "train:safety",
  summary:
    "The safety study: SFT, DPO from SFT, a reward model and PPO from SFT on data/safety; held-out pairwise accuracies, refusal / over-refusal rates, reward-model scores and KL of base, SFT, SFT → DPO and SFT → PPO; writes results/safety/<run>/.",
  flags: {
    ...STUDY_FLAGS,
    run: flag.string("run name: the results and checkpoints folder", {
      arg: "NAME",
    }),
    fast: flag.boolean(
      "fast mode: a few steps per stage and 4 eval rows (TUNEBOOK_FAST=1)",
    ),
    k: flag.integer("samples per eval prompt and model", { min: 1 }),
    "sft-steps": flag.integer("SFT steps", { min: 1 }),
    "dpo-steps": flag.integer("DPO steps", { min: 1 }),
    "dpo-lr": flag.number("DPO learning rate", { above: 0 }),
    "reward-steps": flag.integer("reward-model steps", { min: 1 }),
    "ppo-steps": flag.integer("PPO updates", { min: 1 }),
    "ppo-lr": flag.number("PPO learning rate", { above: 0 }),
  },
});
const model = await studyModel(args.model);
const settings = safetySettings({
  fast: args.fast || fastMode(),
  run: args.run,
  model: model.dir,
});
placeRun(settings, args.out);
settings.k = args.k ?? settings.k;
settings.sft.steps = args["sft-steps"] ?? settings.sft.steps;
settings.dpo.steps = args["dpo-steps"] ?? settings.dpo.steps;
settings.dpo.learningRate = args["dpo-lr"] ?? settings.dpo.learningRate;
settings.reward.steps = args["reward-steps"] ?? settings.reward.steps;
settings.ppo.steps = args["ppo-steps"] ?? settings.ppo.steps;
settings.ppo.learningRate = args["ppo-lr"] ?? settings.ppo.learningRate;

const started = performance.now();
const minutes = () => ((performance.now() - started) / 60000).toFixed(1);
await initEngine();
const adapters = await trainSafety(settings, {
  onStageStart: (stage) =>
    console.error(`[${minutes()} min] training ${stage}`),
  progress: true,
});
console.error(`[${minutes()} min] evaluating`);
const reports = await evaluateSafety(settings, adapters);
const training = await trainingFacts(adapters);
console.log(
  `\n${safetySummary(orderedReports(reports), training, settings)}\n`,
);
const files = await writeSafetyResults(settings, reports, training);
console.log(`wrote ${files.join(", ")} in ${minutes()} min`);
