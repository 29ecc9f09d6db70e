/**
 * Charts of evaluations and training runs, as standalone SVG strings
 * (lib/plot): bars of estimates with their intervals, one panel per
 * metric; reward curves of training stages laid end to end; GRPO rewards
 * per step.
 *
 * ```ts
 * await writeSvg("results/math/main/scores.svg", scoreBars([base, sft, rl], { title: "Math" }));
 * const svg = rewardCurves([
 *   { name: "SFT → RL sparse", records: sparseLog },
 *   { name: "RL regular", records: regularLog },
 * ]);
 * ```
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { barChart, lineChart } from "../plot/mod.ts";
import { reportLabel } from "./evaluate.ts";
import { metricOf } from "./metrics.ts";
import type { Estimate } from "./stats.ts";
import type { EvalReport } from "./types.ts";

/** One bar: a model's (or preset's) estimate of one metric. */
export interface EstimateBar {
  /** The bar's label on the x axis. */
  name: string;
  /** The panel it goes in. */
  metric: string;
  estimate: Estimate;
}

/** Titles and size of {@link estimateBars}. */
export interface EstimateBarsFrame {
  title: string;
  subtitle?: string;
  caption?: string;
  yLabel?: string;
  width?: number;
  height?: number;
}

/** Bars of means with their intervals, one panel per metric. */
export function estimateBars(
  bars: readonly EstimateBar[],
  frame: EstimateBarsFrame,
): string {
  if (bars.length === 0) throw new Error(`${frame.title}: no bars to draw`);
  const rows = bars.map(({ name, metric, estimate: e }) => ({
    name,
    metric,
    mean: e.mean,
    // A percentile interval of a ratio can, rarely, sit just beside the
    // point estimate; widen it to include the bar rather than refuse to draw.
    low: Math.min(e.low, e.mean),
    high: Math.max(e.high, e.mean),
  }));
  return barChart(rows, {
    x: "name",
    y: "mean",
    low: "low",
    high: "high",
    group: "metric",
    xLabel: "",
    yLabel: "score",
    ...frame,
  });
}

/** Options of {@link scoreBars}. */
export interface ScoreBarsOptions {
  /** Metric keys, one panel each (default: every metric of the first report). */
  metrics?: readonly string[];
  title: string;
  /** Default: k, prompts and the interval, when the reports share them. */
  subtitle?: string;
  caption?: string;
  /** A bar's label (default: the model, with its variant in brackets). */
  name?: (report: EvalReport) => string;
  yLabel?: string;
  width?: number;
  height?: number;
}

/** Bars of each report's mean with its interval, one panel per metric. */
export function scoreBars(
  reports: readonly EvalReport[],
  options: ScoreBarsOptions,
): string {
  if (reports.length === 0) throw new Error("scoreBars: no reports");
  const metrics = options.metrics
    ? options.metrics.map((k) => metricOf(reports[0].metrics, k))
    : reports[0].metrics;
  const name = options.name ?? reportLabel;
  const bars = metrics.flatMap((m) =>
    reports.flatMap((r) => {
      const estimate = r.aggregate[m.key];
      return estimate ? [{ name: name(r), metric: m.label, estimate }] : [];
    })
  );
  if (bars.length === 0) {
    throw new Error(
      `scoreBars: no report has a value for ${
        metrics.map((m) => m.key).join(", ")
      }`,
    );
  }
  const s = reports[0].settings;
  const shared = reports.every((r) =>
    r.settings.k === s.k && r.settings.prompts === s.prompts &&
    r.settings.bootstrap.level === s.bootstrap.level
  );
  const level = `${Math.round(s.bootstrap.level * 100)} %`;
  return estimateBars(bars, {
    title: options.title,
    subtitle: options.subtitle ??
      (shared
        ? `k = ${s.k} samples × ${s.prompts} prompts; bars: ${level} bootstrap interval over prompts`
        : "bars: bootstrap interval over prompts"),
    caption: options.caption,
    ...(options.yLabel !== undefined ? { yLabel: options.yLabel } : {}),
    width: options.width,
    height: options.height,
  });
}

/** One training stage's reward log. */
export interface RewardRun {
  /** Stage name, e.g. "SFT → RL sparse"; one line each. */
  name: string;
  /** Reward per step; steps count from the stage's own start. */
  records: readonly { step: number; reward: number }[];
}

/** A reward record placed on the global step axis. */
export interface StageRow {
  stage: string;
  /** Step counted across stages. */
  step: number;
  reward: number;
}

/**
 * Lays stages end to end: a stage's steps are offset by the sum of the
 * previous stages' last steps. Returns the rows and the global step at
 * which each stage after the first begins (its offset).
 */
export function stageSteps(
  runs: readonly RewardRun[],
): { rows: StageRow[]; boundaries: number[] } {
  if (runs.length === 0) throw new Error("rewardCurves: no runs");
  const names = runs.map((run) => run.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) {
    throw new Error(
      `rewardCurves: two runs are named "${twice}"; each stage needs its own name (one line per name)`,
    );
  }
  const rows: StageRow[] = [];
  const boundaries: number[] = [];
  let offset = 0;
  runs.forEach((run, r) => {
    if (run.records.length === 0) {
      throw new Error(`rewardCurves: run ${r} ("${run.name}") has no records`);
    }
    let last = -Infinity;
    run.records.forEach((rec, i) => {
      for (const field of ["step", "reward"] as const) {
        if (typeof rec[field] !== "number" || !Number.isFinite(rec[field])) {
          throw new Error(
            `rewardCurves: run "${run.name}" record ${i} field "${field}" is ${
              rec[field]
            }; expected a finite number`,
          );
        }
      }
      rows.push({
        stage: run.name,
        step: offset + rec.step,
        reward: rec.reward,
      });
      last = Math.max(last, rec.step);
    });
    offset += last;
    if (r < runs.length - 1) boundaries.push(offset);
  });
  return { rows, boundaries };
}

/** Options of {@link rewardCurves}. */
export interface RewardCurvesOptions {
  title?: string;
  /** Trailing moving average window (raw values stay faint). */
  smooth?: number;
  yLabel?: string;
  width?: number;
  height?: number;
}

/**
 * Reward against the global step: stages follow each other on one x axis
 * (each stage starts where the previous one's last step ended), with a
 * dashed rule at every stage boundary.
 */
export function rewardCurves(
  runs: readonly RewardRun[],
  options: RewardCurvesOptions = {},
): string {
  const { rows, boundaries } = stageSteps(runs);
  return lineChart(rows, {
    x: "step",
    y: "reward",
    series: "stage",
    smooth: options.smooth,
    title: options.title ?? "Training reward",
    xLabel: "global step",
    yLabel: options.yLabel ?? "mean reward",
    width: options.width,
    height: options.height,
    marks: boundaries.length
      ? [Plot.ruleX(boundaries, { strokeDasharray: "4,3", stroke: "#888" })]
      : [],
  });
}

/** One point of a GRPO reward curve. */
export interface RewardPoint {
  step: number;
  /** "total (weighted)" or a reward function's name. */
  reward: string;
  value: number;
}

/**
 * The reward points of GRPO metrics records (TRL's names): the weighted
 * total `reward` and each function's unweighted `rewards/<name>/mean`.
 * Records without a reward (e.g. SFT's) give none.
 */
export function grpoRewardPoints(
  records: readonly Record<string, unknown>[],
): RewardPoint[] {
  return records.flatMap((record) => {
    const step = record.step;
    if (typeof step !== "number" || typeof record.reward !== "number") {
      return [];
    }
    const points = [{ step, reward: "total (weighted)", value: record.reward }];
    for (const [key, value] of Object.entries(record)) {
      const m = /^rewards\/(.+)\/mean$/.exec(key);
      if (m && typeof value === "number") {
        points.push({ step, reward: m[1], value });
      }
    }
    return points;
  });
}

/** Options of {@link grpoRewardChart}. */
export interface GrpoRewardChartOptions {
  /** Only these series ("total (weighted)" or reward names); default all. */
  rewards?: readonly string[];
  title?: string;
  height?: number;
}

/**
 * GRPO rewards against the step, a line per reward plus the weighted
 * total; from 10 steps on, a 5-step moving average over the faint raw line.
 */
export function grpoRewardChart(
  records: readonly Record<string, unknown>[],
  options: GrpoRewardChartOptions = {},
): string {
  const keep = options.rewards;
  const points = grpoRewardPoints(records).filter((p) =>
    !keep || keep.includes(p.reward)
  );
  if (points.length === 0) {
    throw new Error(
      "grpoRewardChart: no GRPO rewards (reward, rewards/<name>/mean) in the records",
    );
  }
  const steps = new Set(points.map((p) => p.step)).size;
  return lineChart(points, {
    x: "step",
    y: "value",
    series: "reward",
    smooth: steps >= 10 ? 5 : undefined,
    title: options.title ?? "GRPO rewards per step",
    subtitle: steps >= 10
      ? "batch means; faint: raw, bold: 5-step moving average"
      : "batch means",
    xLabel: "GRPO step",
    yLabel: "mean reward",
    height: options.height,
  });
}

/** Options of {@link metricCurves}. */
export interface MetricCurvesOptions {
  title: string;
  subtitle?: string;
  yLabel?: string;
  xLabel?: string;
  height?: number;
}

/**
 * Logged metrics against the step, a line per key of `keys` (TRL's names
 * as the trainers log them: `loss`, `eval_loss`, `rewards/accuracies`, …);
 * records without a key add no point to its line.
 */
export function metricCurves(
  records: readonly Record<string, unknown>[],
  keys: readonly string[],
  options: MetricCurvesOptions,
): string {
  const points = records.flatMap((record) =>
    keys.flatMap((metric) => {
      const value = record[metric];
      return typeof record.step === "number" && typeof value === "number"
        ? [{ step: record.step, metric, value }]
        : [];
    })
  );
  if (points.length === 0) {
    throw new Error(
      `metricCurves: no record has ${keys.join(", ")} (${options.title})`,
    );
  }
  return lineChart(points, {
    x: "step",
    y: "value",
    series: "metric",
    title: options.title,
    subtitle: options.subtitle,
    xLabel: options.xLabel ?? "step",
    yLabel: options.yLabel ?? "value",
    height: options.height,
  });
}
