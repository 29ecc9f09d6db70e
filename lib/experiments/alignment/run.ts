/**
 * Running an experiment: its resolved config written first (what ran,
 * under the reference project's names, readable back by `deno task run`),
 * the task's stage files, then each stage of plan.ts through its TRL-named
 * trainer, and `results.json` with every stage's last training and
 * held-out metrics. Everything is validated before a model loads. A
 * finished stage is kept on a rerun and an interrupted one resumes, so the
 * same command continues a stopped run.
 *
 * | folder                               | holds                                   |
 * | ------------------------------------ | --------------------------------------- |
 * | `<logging.output_dir>/<name>/`       | config.yml, results.json                 |
 * | `<logging.checkpoint_dir>/<name>/`   | stage files, one folder per stage        |
 *
 * @module
 */
import { initEngine } from "../../engine/mod.ts";
import { runDpoFromConfig } from "../../train/dpo/from_config.ts";
import { runGrpoFromConfig } from "../../train/grpo/from_config.ts";
import type { MetricsRecord } from "../../train/metrics_log.ts";
import { runPpoFromConfig } from "../../train/ppo/from_config.ts";
import { runRewardFromConfig } from "../../train/reward/from_config.ts";
import { runSftFromConfig } from "../../train/sft/from_config.ts";
import { writeFileAtomic } from "../../util/atomic.ts";
import { writeJsonFile } from "../../util/json_files.ts";
import { trainStage } from "../sft_then_grpo.ts";
import { evaluateRun } from "./evaluate.ts";
import {
  type ExperimentResult,
  runFolders,
  type StageResult,
} from "./results.ts";
import { type Experiment, experimentYaml } from "./load.ts";
import { planStages, type Stage } from "./plan.ts";
import { writeTaskFiles } from "./tasks.ts";

const RUNNERS = {
  sft: runSftFromConfig,
  reward: runRewardFromConfig,
  dpo: runDpoFromConfig,
  ppo: runPpoFromConfig,
  grpo: runGrpoFromConfig,
} as const;

/** Progress hooks of {@link runExperiment}. */
export interface RunHooks {
  onStageStart?: (stage: Stage) => void;
  onLog?: (stage: Stage, record: MetricsRecord) => void;
  /** Trainers' progress lines (default true). */
  progress?: boolean;
  /** Evaluate the run's final policy beside the base model (default true; evaluate.ts). */
  evaluate?: boolean;
  onEvaluate?: () => void;
}

/** Runs `experiment` (see the module doc); returns what results.json holds. */
export async function runExperiment(
  experiment: Experiment,
  hooks: RunHooks = {},
): Promise<ExperimentResult> {
  const { config } = experiment;
  const folders = runFolders(experiment);
  // Validate the whole plan before anything is written or loaded.
  const files = await writeTaskFiles(config, folders.checkpoints);
  const stages = planStages(config, files, folders.checkpoints);
  await Deno.mkdir(folders.results, { recursive: true });
  await writeFileAtomic(
    `${folders.results}/config.yml`,
    experimentYaml(config),
  );
  // device auto leaves the choice to --backend / TUNEBOOK_BACKEND, else auto.
  await initEngine({
    backend: config.device === "cuda"
      ? "tensorflow"
      : config.device === "cpu"
      ? "wasm"
      : undefined,
    verbose: false,
  });
  const results: StageResult[] = [];
  for (const stage of stages) {
    let lastTrain: MetricsRecord | null = null;
    let lastEval: MetricsRecord | null = null;
    const status = await trainStage(
      RUNNERS[stage.kind] as (
        raw: Record<string, unknown>,
        source: string,
        options: Parameters<typeof runSftFromConfig>[2],
      ) => Promise<unknown>,
      stage.config,
      `${experiment.path} (${stage.kind} stage)`,
      {
        onStart: () => hooks.onStageStart?.(stage),
        onLog: (record) => {
          if (Object.keys(record).some((k) => k.startsWith("eval_"))) {
            lastEval = record;
          } else lastTrain = record;
          hooks.onLog?.(stage, record);
        },
        progress: hooks.progress ?? true,
      },
    );
    results.push({
      kind: stage.kind,
      output_dir: stage.config.output_dir,
      status,
      last_train: lastTrain,
      last_eval: lastEval,
    });
  }
  const result: ExperimentResult = {
    experiment: experiment.name,
    task: config.task,
    mode: config.training.mode,
    algorithm: config.training.mode === "sft" ? null : config.rl.algorithm,
    debug: config.debug,
    train_rows: files.trainRows,
    eval_rows: files.evalRows,
    stages: results,
  };
  if (hooks.evaluate ?? true) {
    hooks.onEvaluate?.();
    const reports = await evaluateRun(experiment, result);
    result.eval = {
      dir: `${folders.results}/eval`,
      models: reports.map((r) => r.model),
      prompts: reports[0].settings.prompts,
      k: reports[0].settings.k,
    };
  }
  await writeJsonFile(`${folders.results}/results.json`, result);
  return result;
}
