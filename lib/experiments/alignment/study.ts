/**
 * The alignment-paradigms study (`deno task train:alignment`): the same
 * task (safety) and default model under six paradigms — SFT, DPO only,
 * PPO only, GRPO only, SFT → DPO, SFT → PPO — each run from its file in
 * configs/ through `deno task run`'s pipeline, then every final policy and
 * the base model answering the held-out prompts with the same seeds, all
 * scored by one reward model (the PPO-only run's, trained from the base
 * model on the train pairs) so that every pair of reports compares:
 *
 * - `summary.md` / `summary.csv` …: one table of every model with 95 %
 *   bootstrap intervals over prompts (lib/eval's one report shape);
 * - `paired_vs_sft.md`: each paradigm − SFT per prompt, with paired
 *   intervals and sign-flip p-values;
 * - `human_eval/`: the blinded manifest (columns shuffled per row, key
 *   apart, instructions) of every paradigm's first reply to a seeded
 *   sample of prompts.
 *
 * @module
 */
import { relative } from "node:path";
import { writeHumanManifest } from "../../eval/human_manifest.ts";
import { writeReport } from "../../eval/report.ts";
import { pairedTable } from "../../eval/tables.ts";
import type { EvalReport } from "../../eval/types.ts";
import { promptText } from "../../prompt/prompt.ts";
import { writeFileAtomic } from "../../util/atomic.ts";
import { repoPath } from "../../util/paths.ts";
import { evaluateRun, runEvalSettings } from "./evaluate.ts";
import { type Experiment, readExperiment } from "./load.ts";
import type { ExperimentResult } from "./results.ts";
import { runExperiment, type RunHooks } from "./run.ts";

/** The study's paradigms: the name its tables use and the config it runs. */
export const PARADIGMS = [
  { name: "sft", config: "sft_lora" },
  { name: "dpo", config: "dpo_rl" },
  { name: "ppo", config: "ppo_rl" },
  { name: "grpo", config: "grpo_rl" },
  { name: "sft→dpo", config: "staged_sft_then_dpo" },
  { name: "sft→ppo", config: "staged_sft_then_ppo" },
] as const;

/** Where and how the study runs. */
export interface StudySettings {
  /** Run name: results/alignment/<run>/, checkpoints/alignment/<run>/. */
  run: string;
  /** CI's fast mode: every config with --debug. */
  fast: boolean;
  /** The folder of the experiment files (default configs/). */
  configsDir?: string;
  /** Rows of the human-evaluation manifest (default 60; fast 4). */
  manifestRows?: number;
}

/** The study's folders. */
export function studyFolders(settings: StudySettings) {
  return {
    results: repoPath(`results/alignment/${settings.run}`),
    checkpoints: repoPath(`checkpoints/alignment/${settings.run}`),
  };
}

/** What the study produced. */
export interface StudyResult {
  runs: { name: string; experiment: Experiment; result: ExperimentResult }[];
  /** The base model first, then every paradigm's final policy. */
  reports: EvalReport[];
  rewardModel: string;
  folders: ReturnType<typeof studyFolders>;
}

/** Trains (or continues) every paradigm, evaluates them together and writes the study's files. */
export async function runAlignmentStudy(
  settings: StudySettings,
  hooks: RunHooks & { onParadigm?: (name: string) => void } = {},
): Promise<StudyResult> {
  const folders = studyFolders(settings);
  const configsDir = settings.configsDir ?? repoPath("configs");
  // Read and validate every file before anything trains.
  const experiments = await Promise.all(PARADIGMS.map(async (p) => {
    const experiment = await readExperiment(`${configsDir}/${p.config}.yml`, {
      debug: settings.fast,
    });
    // From the repository root, as in the config files, so that each
    // run's resolved config.yml reads the same on any machine.
    experiment.config.logging.outputDir = relative(
      repoPath("."),
      `${folders.results}/runs`,
    );
    experiment.config.logging.checkpointDir = relative(
      repoPath("."),
      folders.checkpoints,
    );
    return { name: p.name, experiment };
  }));
  const runs = [];
  for (const { name, experiment } of experiments) {
    hooks.onParadigm?.(name);
    const result = await runExperiment(experiment, {
      ...hooks,
      evaluate: false,
    });
    runs.push({ name, experiment, result });
  }
  const ppo = runs.find((r) => r.name === "ppo")!;
  const rewardModel = ppo.result.stages.find((s) => s.kind === "reward")!
    .output_dir;
  const reports: EvalReport[] = [];
  for (const { experiment, result } of runs) {
    hooks.onEvaluate?.();
    // The base model answers once, beside the first run's policy.
    reports.push(
      ...await evaluateRun(experiment, result, {
        ...runEvalSettings(experiment),
        rewardModel,
        withBase: reports.length === 0,
      }),
    );
  }
  await writeReport(folders.results, reports, {}, {
    settings: {
      study: "alignment",
      run: settings.run,
      fast: settings.fast,
      // Paths from the repository root, so the file reads the same anywhere.
      paradigms: runs.map(({ name, experiment }) => ({
        name,
        config: relative(repoPath("."), experiment.path),
        resolved: relative(
          repoPath("."),
          `${folders.results}/runs/${experiment.name}${
            settings.fast ? "_debug" : ""
          }/config.yml`,
        ),
      })),
      rewardModel,
      evaluation: runEvalSettings(runs[0].experiment),
    },
  });
  const sft = reports.find((r) => r.model === "sft")!;
  await writeFileAtomic(
    `${folders.results}/paired_vs_sft.md`,
    reports.filter((r) => r !== sft).map((r) =>
      `## ${r.model} − sft\n\n${pairedTable(r, sft)}\n`
    ).join("\n"),
  );
  await writeHumanManifest(
    `${folders.results}/human_eval`,
    sft.prompts.map((p) => ({
      id: p.id,
      prompt: promptText(p.prompt),
      reference: p.reference,
    })),
    Object.fromEntries(
      reports.slice(1).map((r) => [
        r.model,
        r.prompts.map((p) => p.samples[0].text),
      ]),
    ),
    {
      rows: settings.manifestRows ?? (settings.fast ? 4 : 60),
      seed: runs[0].experiment.config.seed,
      overwrite: true,
    },
  );
  return { runs, reports, rewardModel, folders };
}
