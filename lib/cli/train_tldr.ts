/**
 * `deno task train:tldr`: the TLDR length experiment (finetuned-llama) on the default
 * model: SFT on the reference summaries, GRPO with the length and similarity
 * rewards, evaluation of base / SFT / SFT → GRPO, written to
 * results/tldr/<run>/ (summary.md, summary.csv, per_prompt.csv, samples.csv,
 * reports.json, settings.json, lengths.svg).
 *
 *   deno task train:tldr [--run NAME] [--steps N] [--fast]
 *
 * @module
 */
import { initEngine } from "../engine/mod.ts";
import { tldrSettings, trainTldr } from "../experiments/tldr/study.ts";
import { evaluateTldr } from "../experiments/tldr/evaluate.ts";
import { tldrTable, writeTldrResults } from "../experiments/tldr/report.ts";
import { fastMode } from "../util/fast.ts";
import { cliHelpers } from "./args.ts";

const USAGE = "usage: deno task train:tldr [--run NAME] [--steps N] [--fast]";
const { fail, integer, parse } = cliHelpers("train:tldr", USAGE);
const args = parse({
  run: { type: "string" },
  steps: { type: "string" },
  fast: { type: "boolean", default: false },
});
const settings = tldrSettings({ fast: args.fast || fastMode(), run: args.run });
settings.steps = integer("steps", args.steps, 1, settings.steps);
try {
  const started = performance.now();
  await initEngine();
  const adapters = await trainTldr(settings);
  const reports = await evaluateTldr(settings, adapters);
  const table = tldrTable(reports, settings.target);
  console.log(`\n${table}\n`);
  const files = await writeTldrResults(settings, reports);
  console.log(
    `wrote ${files.join(", ")} in ${
      ((performance.now() - started) / 60000).toFixed(1)
    } min`,
  );
} catch (error) {
  fail((error as Error).message, 1);
}
