/**
 * `deno task train:alignment`: the alignment-paradigms study on the safety
 * task and the default model — SFT, DPO only, PPO only, GRPO only,
 * SFT → DPO and SFT → PPO, each from its file in configs/ — then one table
 * of the base model and every final policy with 95 % intervals, each
 * paradigm against SFT paired per prompt, and the blinded human-evaluation
 * manifest, written to results/alignment/<run>/.
 *
 *   deno task train:alignment [--run NAME] [--fast]
 *
 * A finished stage is kept and an interrupted one resumes, so the same
 * command continues a stopped study.
 *
 * @module
 */
import { summaryTable } from "../eval/tables.ts";
import { runAlignmentStudy } from "../experiments/alignment/study.ts";
import { fastMode } from "../util/fast.ts";
import { flag } from "../util/flags.ts";
import { startTask } from "./task.ts";

const { values: args } = startTask({
  name: "train:alignment",
  summary:
    "The alignment-paradigms study on the safety task: SFT, DPO, PPO, GRPO, SFT → DPO, SFT → PPO from configs/; one table with intervals, paired comparisons against SFT, the human-eval manifest; writes results/alignment/<run>/.",
  flags: {
    run: flag.string("run name: the results and checkpoints folder", {
      arg: "NAME",
    }),
    fast: flag.boolean(
      "fast mode: every config with --debug (TUNEBOOK_FAST=1)",
    ),
  },
});
const fast = args.fast || fastMode();
const run = args.run ?? (fast ? "fast" : "main");
const started = performance.now();
const minutes = () => ((performance.now() - started) / 60000).toFixed(1);
const study = await runAlignmentStudy({ run, fast }, {
  onParadigm: (name) => console.error(`[${minutes()} min] ${name}`),
  onStageStart: (stage) => console.error(`  ${stage.kind} stage`),
  onEvaluate: () => console.error(`[${minutes()} min] evaluating`),
});
console.log(`\n${summaryTable(study.reports)}\n`);
console.log(
  `reward-model scores from ${study.rewardModel}; paired comparisons against SFT in ${study.folders.results}/paired_vs_sft.md; manifest in ${study.folders.results}/human_eval/`,
);
