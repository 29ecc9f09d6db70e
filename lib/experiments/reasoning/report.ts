/**
 * Tables and charts of the rubric-reasoning experiment: the model table with
 * the paired main-reward difference, the preset table, score bars and
 * sample answers.
 *
 * ```ts
 * console.log(reasoningTable(evaluation.reports, settings));
 * await writeSvg("scores.svg", reasoningBars(evaluation.reports));
 * ```
 *
 * @module
 */
import { type Estimate, pairedComparison } from "../../eval/stats.ts";
import { estimateBars } from "../../eval/charts.ts";
import type { ReasoningMetric, ReasoningReport } from "./evaluate.ts";
import type { ReasoningSettings } from "./settings.ts";

const fmt = (e: Estimate, d = 3) =>
  `${e.mean.toFixed(d)} [${e.low.toFixed(d)}, ${e.high.toFixed(d)}]`;

/** The main-reward definition, for captions. */
export function mainRewardLabel(settings: ReasoningSettings): string {
  return `format_strict (0/1) + ${settings.rubricWeight} × rubric_embedding (0–1)`;
}

/** The paired main-reward difference of `a` − `b` on the same questions, as a sentence. */
export function pairedLine(a: ReasoningReport, b: ReasoningReport): string {
  const p = pairedComparison(
    a.perQuestion.map((q) => q.main),
    b.perQuestion.map((q) => q.main),
  );
  return `Paired main-reward difference (${a.model} − ${b.model}, ${p.prompts} questions): ${
    p.difference.mean.toFixed(3)
  } [${p.difference.low.toFixed(3)}, ${
    p.difference.high.toFixed(3)
  }], sign-flip p = ${p.pValue.toFixed(4)}.`;
}

/** The model table (base / SFT / SFT → GRPO) and the paired differences. */
export function reasoningTable(
  reports: readonly ReasoningReport[],
  settings: ReasoningSettings,
): string {
  const r0 = reports[0];
  const lines = [
    `Main reward = ${mainRewardLabel(settings)}, exactly as trained. ` +
    `${r0.perQuestion.length} eval questions × k = ${r0.k} samples (standard preset, seed ${settings.seed}); ` +
    `means with 95 % bootstrap intervals over questions. ` +
    `Overlap proxy = ee596-fp's rubric word overlap (0–10), a diagnostic only; ` +
    `question echo = share of the question's content words in the answer (restating the question earns rubric credit).`,
    "",
    "| Model | Main reward | Format accuracy | Rubric score (embedding) | Overlap proxy | Question echo | Tokens |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...reports.map((r) =>
      `| ${r.model} | ${fmt(r.aggregate.main)} | ${
        fmt(r.aggregate.format, 2)
      } | ${fmt(r.aggregate.rubric)} | ${fmt(r.aggregate.overlap, 2)} | ${
        fmt(r.aggregate.echo, 2)
      } | ${fmt(r.aggregate.tokens, 1)} |`
    ),
  ];
  if (reports.length >= 2) {
    lines.push("", pairedLine(reports.at(-1)!, reports[0]));
    if (reports.length >= 3) {
      lines.push("", pairedLine(reports.at(-1)!, reports[1]));
    }
  }
  return lines.join("\n");
}

/** The preset table of the trained adapter. */
export function presetTable(presets: readonly ReasoningReport[]): string {
  return [
    `${presets[0]?.model ?? "trained"} under each generation preset ` +
    `(greedy k = 1, the others k = ${
      presets.find((p) => p.preset !== "greedy")?.k ?? "?"
    }); 95 % bootstrap intervals over questions.`,
    "",
    "| Preset | Format accuracy | Rubric score (embedding) | Main reward | Tokens |",
    "| --- | --- | --- | --- | --- |",
    ...presets.map((r) =>
      `| ${r.preset} | ${fmt(r.aggregate.format, 2)} | ${
        fmt(r.aggregate.rubric)
      } | ${fmt(r.aggregate.main)} | ${fmt(r.aggregate.tokens, 1)} |`
    ),
  ].join("\n");
}

const LABELS: Partial<Record<ReasoningMetric, string>> = {
  main: "main reward",
  format: "format accuracy",
  rubric: "rubric score",
};

/** Bars with intervals: one panel per metric, one bar per report. */
export function reasoningBars(
  reports: readonly ReasoningReport[],
  options: { by?: "model" | "preset"; title?: string } = {},
): string {
  const by = options.by ?? "model";
  const bars = (["main", "format", "rubric"] as const).flatMap((m) =>
    reports.map((r) => ({
      name: by === "model" ? r.model : r.preset,
      metric: LABELS[m]!,
      estimate: r.aggregate[m],
    }))
  );
  return estimateBars(bars, {
    title: options.title ?? "Rubric reasoning evaluation",
    subtitle: "bars: 95 % bootstrap interval over questions",
  });
}

/** The first sample of each report for the first `n` questions. */
export function sampleRows(
  reports: readonly ReasoningReport[],
  questions: readonly string[],
  n = 3,
) {
  return reports.flatMap((r) =>
    r.samples.slice(0, n).map((list, q) => ({
      model: r.model,
      question: questions[q],
      answer: list[0].trim(),
      format: r.perQuestion[q].format[0] === 1 ? "✓" : "",
      rubric: r.perQuestion[q].rubric[0].toFixed(2),
    }))
  );
}
