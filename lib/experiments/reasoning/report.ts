/**
 * Tables and charts of the rubric-reasoning experiment: the model table
 * with the paired comparisons, the preset table, score bars, sample
 * answers, and the layout that writes them into results/reasoning/<run>/.
 *
 * ```ts
 * console.log(reasoningTable(evaluation.reports, settings));
 * await writeSvg("scores.svg", reasoningBars(evaluation.reports));
 * ```
 *
 * @module
 */
import { scoreBars } from "../../eval/charts.ts";
import { PRESETS } from "../../generate/presets.ts";
import { metricLegend } from "../../eval/metrics.ts";
import { pairedTable, summaryTable } from "../../eval/tables.ts";
import type { EvalReport, ReportLayout } from "../../eval/types.ts";
import { mainRewardLabel, REASONING_METRICS } from "./metrics.ts";
import type { ReasoningSettings } from "./settings.ts";

export { mainRewardLabel } from "./metrics.ts";

/**
 * The paired tests of these tables always drew their sign flips and
 * resamples with seed 0 (the intervals use the run's seed); kept so the
 * same answers give the same p-values.
 */
const PAIRED_SEED = 0;

/** The paired comparison of `a` − `b` on the same questions (every metric). */
export function reasoningPaired(a: EvalReport, b: EvalReport): string {
  return pairedTable(a, b, { seed: PAIRED_SEED });
}

/** The model table (base / SFT / SFT → GRPO) and the paired comparisons of the last with the others. */
export function reasoningTable(
  reports: readonly EvalReport[],
  settings: ReasoningSettings,
): string {
  const parts = [
    `Main reward = ${
      mainRewardLabel(settings)
    }, exactly as trained (seed ${settings.seed}).`,
    summaryTable(reports),
  ];
  const last = reports.at(-1)!;
  for (const other of reports.slice(0, -1).slice(0, 2)) {
    parts.push(reasoningPaired(last, other));
  }
  return parts.join("\n\n");
}

/** The preset table of the trained adapter (greedy k = 1, the others k). */
export function presetTable(presets: readonly EvalReport[]): string {
  return summaryTable(presets, {
    metrics: ["format", "rubric", "main", "tokens"],
  });
}

/** Bars with intervals: one panel per metric, one bar per report (its model or its preset). */
export function reasoningBars(
  reports: readonly EvalReport[],
  options: { by?: "model" | "preset"; title?: string } = {},
): string {
  const by = options.by ?? "model";
  return scoreBars(reports, {
    metrics: ["main", "format", "rubric"],
    title: options.title ?? "Rubric reasoning evaluation",
    subtitle: "bars: 95 % bootstrap interval over questions",
    name: (r) => by === "model" ? r.model : r.variant ?? r.model,
  });
}

/** The first sample of each report for the first `n` questions. */
export function sampleRows(
  reports: readonly EvalReport[],
  questions: readonly string[],
  n = 3,
) {
  return reports.flatMap((r) =>
    r.prompts.slice(0, n).map((p, q) => ({
      model: r.model,
      question: questions[q],
      answer: p.samples[0].text.trim(),
      format: p.samples[0].values.format === 1 ? "✓" : "",
      rubric: p.samples[0].values.rubric!.toFixed(2),
    }))
  );
}

/** The summary.md text: settings, model table, paired comparisons, preset table, metric definitions. */
export function reasoningSummary(
  settings: ReasoningSettings,
  evaluation: {
    reports: readonly EvalReport[];
    presets: readonly EvalReport[];
  },
): string {
  return [
    `# Rubric reasoning (run "${settings.run}")`,
    "",
    `SFT ${settings.sftSteps} steps, GRPO ${settings.steps} steps (lr ${settings.learningRate}), ` +
    `max ${settings.maxCompletionLength} new tokens.`,
    "",
    reasoningTable(evaluation.reports, settings),
    "",
    "## Generation presets",
    "",
    presetTable(evaluation.presets),
    "",
    "## Metrics",
    "",
    metricLegend(REASONING_METRICS),
    "",
  ].join("\n");
}

/** The models and the presets of an evaluation, split back from one list of reports. */
export function splitReports(reports: readonly EvalReport[]) {
  const models = reports.filter((r) => r.variant === "standard");
  const trained = models.at(-1)?.model;
  const order = Object.keys(PRESETS);
  const presets = reports.filter((r) => r.model === trained).sort((a, b) =>
    order.indexOf(a.variant!) - order.indexOf(b.variant!)
  );
  return { reports: models, presets };
}

/**
 * The study's {@link ReportLayout}. The files hold the model reports and
 * the trained adapter's other presets once each (its "standard" preset is
 * its model report).
 */
export function reasoningLayout(settings: ReasoningSettings): ReportLayout {
  return {
    summaryMarkdown: (reports) =>
      reasoningSummary(settings, splitReports(reports)),
    charts: (reports) => {
      const { reports: models, presets } = splitReports(reports);
      return {
        "scores.svg": reasoningBars(models),
        "presets.svg": reasoningBars(presets, {
          by: "preset",
          title: "SFT → GRPO under each generation preset",
        }),
      };
    },
  };
}
