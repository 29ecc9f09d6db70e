/**
 * What an RL stage's own metrics say about it: the means of TRL's GRPO
 * metrics over the first and the last fifth of its logged steps, so a
 * reader sees whether the reward moved, whether groups still taught
 * anything (`frac_reward_zero_std`), and whether the policy drifted
 * (entropy, completion length, truncation) — the evidence the haiku
 * notebook's diagnosis reads.
 *
 * ```ts
 * const rows = await rlStageDiagnostics(settings);
 * console.log(rlDiagnosticsTable(rows));
 * ```
 *
 * With one update per generated batch (`num_iterations` 1) the ratio is 1
 * by construction, so the clip ratios are 0 and say nothing; they are left
 * out.
 *
 * @module
 */
import type { MetricsRecord } from "../../train/metrics_log.ts";
import { loggedRecords } from "../sft_then_grpo.ts";
import type { HaikuStudySettings } from "./settings.ts";
import { stageDir, STAGES } from "./stages.ts";

/** The GRPO metrics compared, under TRL's names, with their table headers. */
export const RL_DIAGNOSTIC_METRICS = [
  ["reward", "reward"],
  ["frac_reward_zero_std", "groups with one reward"],
  ["entropy", "entropy"],
  ["completions/mean_length", "length (tokens)"],
  ["completions/clipped_ratio", "cut at max length"],
  ["grad_norm", "grad norm"],
] as const;

/** A GRPO metric the diagnosis compares. */
export type RlDiagnosticMetric = typeof RL_DIAGNOSTIC_METRICS[number][0];

/** One RL stage's metrics: first fifth against last fifth of its steps. */
export interface RlStageDiagnostics {
  /** The stage's table label. */
  label: string;
  /** Logged steps. */
  steps: number;
  /** The highest learning rate logged (the schedule's peak). */
  peakLearningRate: number;
  first: Record<RlDiagnosticMetric, number>;
  last: Record<RlDiagnosticMetric, number>;
}

/**
 * The first-fifth and last-fifth means of one run's logged GRPO records
 * (null when it logged fewer than two steps).
 */
export function diagnoseRlRecords(
  label: string,
  records: readonly MetricsRecord[],
): RlStageDiagnostics | null {
  const steps = records.filter((r) => typeof r.reward === "number");
  if (steps.length < 2) return null;
  const fifth = Math.max(1, Math.floor(steps.length / 5));
  const means = (part: readonly MetricsRecord[]) =>
    Object.fromEntries(RL_DIAGNOSTIC_METRICS.map(([key]) => {
      const values = part.map((r) => r[key]).filter((v): v is number =>
        typeof v === "number"
      );
      return [
        key,
        values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN,
      ];
    })) as Record<RlDiagnosticMetric, number>;
  const rates = steps.map((r) => r.learning_rate).filter((
    v,
  ): v is number => typeof v === "number");
  return {
    label,
    steps: steps.length,
    peakLearningRate: rates.length ? Math.max(...rates) : NaN,
    first: means(steps.slice(0, fifth)),
    last: means(steps.slice(-fifth)),
  };
}

/** The diagnostics of every trained RL stage of a study run, in stage order. */
export async function rlStageDiagnostics(
  settings: HaikuStudySettings,
): Promise<RlStageDiagnostics[]> {
  const rows: RlStageDiagnostics[] = [];
  for (const stage of STAGES.filter((s) => s.kind === "grpo")) {
    const records = await loggedRecords(stageDir(settings, stage.name));
    const row = diagnoseRlRecords(stage.label, records);
    if (row) rows.push(row);
  }
  return rows;
}

/** A markdown table: one row per stage, each metric as "first → last". */
export function rlDiagnosticsTable(
  rows: readonly RlStageDiagnostics[],
): string {
  const fmt = (v: number) =>
    Number.isNaN(v) ? "–" : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(3);
  const header = [
    "stage",
    "steps",
    "peak lr",
    ...RL_DIAGNOSTIC_METRICS.map(([, name]) => name),
  ];
  const lines = [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((r) =>
      `| ${
        [
          r.label,
          String(r.steps),
          r.peakLearningRate.toExponential(1),
          ...RL_DIAGNOSTIC_METRICS.map(([key]) =>
            `${fmt(r.first[key])} → ${fmt(r.last[key])}`
          ),
        ].join(" | ")
      } |`
    ),
  ];
  return lines.join("\n");
}
