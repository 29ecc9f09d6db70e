/**
 * `deno task train:tldr`: the TLDR length experiment (finetuned-llama) on the default
 * model: SFT on the reference summaries, GRPO with the length and similarity
 * rewards, evaluation of base / SFT / SFT → GRPO, written to
 * results/tldr/<run>/ (summary.md, reports.json, lengths.svg).
 *
 *   deno task train:tldr [--run NAME] [--steps N] [--fast]
 *
 * @module
 */
import { initEngine } from "../engine/mod.ts";
import {
  evaluateTldr,
  lengthRows,
  tldrSettings,
  tldrTable,
  trainTldr,
} from "../experiments/tldr/study.ts";
import { fastMode } from "../util/fast.ts";
import { histogram, writeSvg } from "../plot/mod.ts";
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
  await Deno.mkdir(settings.resultsDir, { recursive: true });
  await Deno.writeTextFile(`${settings.resultsDir}/summary.md`, table + "\n");
  await Deno.writeTextFile(
    `${settings.resultsDir}/reports.json`,
    JSON.stringify(reports, null, 1) + "\n",
  );
  await writeSvg(
    `${settings.resultsDir}/lengths.svg`,
    histogram(lengthRows(reports), {
      x: "chars",
      series: "model",
      title: "Summary length",
      subtitle: `target ${settings.target} characters`,
      xLabel: "characters",
    }),
  );
  console.log(
    `wrote ${settings.resultsDir}/{summary.md,reports.json,lengths.svg} in ${
      ((performance.now() - started) / 60000).toFixed(1)
    } min`,
  );
} catch (error) {
  fail((error as Error).message, 1);
}
