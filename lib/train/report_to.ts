/**
 * `report_to`, transformers' `TrainingArguments` field for where a run's
 * metrics go besides metrics.jsonl: "none" (the default, as in transformers
 * 5), "wandb" (Weights & Biases), "all" (every integration tunebook has,
 * which is W&B) or a list. Read here into the integrations to start; the
 * field itself is declared once with the other shared fields (run_config.ts).
 *
 * {@link reportingPlan} resolves the settings before any model loads (a
 * missing `WANDB_API_KEY` is one line naming it); {@link startReporting}
 * opens the W&B run when the trainer begins writing, as transformers'
 * `WandbCallback` does at `on_train_begin`.
 *
 * @module
 */
import { derived, type Field } from "../util/config_fields.ts";
import type { FieldReader } from "../util/fields.ts";
import { closestName } from "../util/suggest.ts";
import type { MetricsRecord } from "./metrics_log.ts";
import { WandbRun } from "./wandb/run.ts";
import {
  requireWandbKey,
  type WandbEnv,
  type WandbSettings,
  wandbSettings,
} from "./wandb/settings.ts";

/** The integrations tunebook reports to. */
export const INTEGRATIONS = ["wandb"] as const;

/** One of {@link INTEGRATIONS}. */
export type Integration = typeof INTEGRATIONS[number];

/** transformers' integrations that tunebook does not have, named in the error. */
const ELSEWHERE = [
  "azure_ml",
  "clearml",
  "codecarbon",
  "comet_ml",
  "dagshub",
  "dvclive",
  "flyte",
  "mlflow",
  "neptune",
  "swanlab",
  "tensorboard",
  "trackio",
];

/**
 * The `report_to` field: a string or a list of strings, read into the
 * integrations to report to (empty for "none").
 */
export function reportToField(): Field<Integration[]> {
  const json = "report_to";
  return {
    json,
    type: '"none", "wandb", "all" or a list of them',
    doc:
      'also send metrics to "wandb" (Weights & Biases), "all" (= wandb) or "none"',
    default: derived(() => [], '"none"'),
    read: (reader, fallback) =>
      reader.has(json)
        ? readIntegrations(reader, json)
        : fallback as Integration[],
  };
}

function readIntegrations(reader: FieldReader, json: string): Integration[] {
  const list = reader.stringList(json);
  const alone = list.find((name) => name === "none" || name === "all");
  if (alone !== undefined && list.length > 1) {
    throw reader.error(
      json,
      `lists "${alone}" with other names; "${alone}" stands alone`,
    );
  }
  if (alone === "none" || list.length === 0) return [];
  if (alone === "all") return [...INTEGRATIONS];
  for (const name of list) {
    if ((INTEGRATIONS as readonly string[]).includes(name)) continue;
    if (ELSEWHERE.includes(name)) {
      throw reader.error(
        json,
        `names "${name}", a transformers integration tunebook does not have; tunebook reports to "wandb", and every record is in metrics.jsonl`,
      );
    }
    const near = closestName(name, [...INTEGRATIONS, "none", "all"]);
    throw reader.error(
      json,
      `must be "none", "wandb", "all" or a list of integrations, got "${name}"${
        near ? `; did you mean "${near}"?` : ""
      }`,
    );
  }
  return [...new Set(list)] as Integration[];
}

/** The fields reporting reads from a trainer's config. */
export interface ReportingConfig {
  reportTo: Integration[];
  runName: string | null;
  outputDir: string;
}

/** What a run reports to, resolved before any model loads. */
export interface ReportingPlan {
  wandb: WandbSettings;
  /** The W&B run's name: `run_name`, else output_dir's last folder. */
  runName: string;
}

/**
 * The settings of the integrations `config` reports to (null for none);
 * report_to "wandb" without `WANDB_API_KEY`, when WANDB_MODE is not
 * offline or disabled, is an InputError naming the variable. `env` replaces
 * the process environment and the project's .env (tests).
 */
export function reportingPlan(
  config: ReportingConfig,
  env: WandbEnv = {},
): ReportingPlan | null {
  if (!config.reportTo.includes("wandb")) return null;
  const wandb = requireWandbKey(wandbSettings(env));
  const runName = config.runName ??
    (config.outputDir.replace(/\/+$/, "").split("/").pop() || "run");
  return { wandb, runName };
}

/** A running report: each metrics record goes on, and it ends once. */
export interface Reporter {
  log(record: MetricsRecord): void;
  /** Ends the run with `exitCode` (0: finished; W&B marks others failed). */
  finish(exitCode: number): Promise<void>;
}

/**
 * Opens the run `plan` asks for, with the run's settings `record` (JSON
 * names, as checkpoints record them) as its config; null when nothing is
 * sent (no plan, or WANDB_MODE offline or disabled, which says so in one
 * line). `name` prefixes console lines.
 */
export async function startReporting(
  name: string,
  plan: ReportingPlan | null,
  record: Record<string, unknown>,
  metricsFile: string,
): Promise<Reporter | null> {
  if (!plan) return null;
  const { mode } = plan.wandb;
  if (mode === "disabled") {
    console.error(
      `[${name}] report_to wandb: WANDB_MODE=disabled, nothing goes to W&B`,
    );
    return null;
  }
  if (mode === "offline") {
    // @wandb/sdk's own offline setting still asks the server who the key
    // belongs to, then drops every record: it writes no run to sync later.
    console.error(
      `[${name}] report_to wandb: WANDB_MODE=offline, nothing goes to W&B (tunebook's W&B client, @wandb/sdk, keeps no offline run for "wandb sync"); every record is in ${metricsFile}`,
    );
    return null;
  }
  const run = await WandbRun.start(name, plan.wandb, plan.runName, record);
  console.error(`[${name}] W&B: reporting to ${run.url}`);
  return run;
}
