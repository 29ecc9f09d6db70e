/**
 * Tables and charts of the math experiment: per decoding, the summary
 * table of base / SFT / SFT → GRPO and the paired comparisons (each
 * adapter against base, and GRPO against its SFT start); accuracy per
 * story template; a bar chart of the metrics; and the layout that writes
 * them into results/math/<run>/.
 *
 * @module
 */
import { scoreBars } from "../../eval/charts.ts";
import { pairedTable, summaryTable } from "../../eval/tables.ts";
import type { EvalReport, ReportLayout } from "../../eval/types.ts";
import { MATH_REWARDS, type MathSettings } from "./settings.ts";

/** "greedy, k = 1" or "standard preset, k = 2". */
export function decodingLabel(r: EvalReport): string {
  return r.variant === "greedy"
    ? "greedy, k = 1"
    : `${r.variant} preset, k = ${r.settings.k}`;
}

/** The reports grouped by decoding (variant), in first-seen order. */
export function byVariant(reports: readonly EvalReport[]): EvalReport[][] {
  const groups = new Map<string, EvalReport[]>();
  for (const r of reports) {
    const key = r.variant ?? "";
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()];
}

/**
 * The pairs a decoding's table compares: each model against base, then
 * the last model against SFT (what GRPO itself added to its start).
 */
export function comparedPairs(
  group: readonly EvalReport[],
): [EvalReport, EvalReport][] {
  const pairs: [EvalReport, EvalReport][] = [];
  const base = group.find((r) => r.model === "base");
  if (base) {
    for (const r of group.filter((r) => r !== base)) pairs.push([r, base]);
  }
  const sft = group.find((r) => r.model === "SFT");
  const last = group.at(-1)!;
  if (sft && last !== sft && last !== base) pairs.push([last, sft]);
  return pairs;
}

/** The results: per decoding, the summary table and the paired tables under it. */
export function mathResultsTable(reports: readonly EvalReport[]): string {
  const out: string[] = [];
  for (const group of byVariant(reports)) {
    out.push(`### ${decodingLabel(group[0])}`, "", summaryTable(group), "");
    for (const [a, b] of comparedPairs(group)) out.push(pairedTable(a, b), "");
  }
  return out.join("\n").trimEnd();
}

/**
 * One collation for every machine: `localeCompare` without a locale follows
 * the process's LANG (under sv_SE "å" sorts after "z"), and a table's row
 * order would then depend on who ran it.
 */
const TEXT_ORDER = new Intl.Collator("en-US");

/** Per story template: the mean over its questions of the per-question accuracy. */
export function templateAccuracy(report: EvalReport): Record<string, number> {
  const byTemplate = new Map<string, number[]>();
  for (const p of report.prompts) {
    const template = String(p.extras?.template ?? "other");
    byTemplate.set(template, [
      ...(byTemplate.get(template) ?? []),
      p.means.accuracy!,
    ]);
  }
  return Object.fromEntries(
    [...byTemplate].sort(([a], [b]) => TEXT_ORDER.compare(a, b)).map((
      [t, list],
    ) => [t, list.reduce((s, v) => s + v, 0) / list.length]),
  );
}

/** The `n` most frequent extracted answers of a report's samples, with their counts (no answer: "none"). */
export function frequentAnswers(
  report: EvalReport,
  n = 3,
): { answer: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const p of report.prompts) {
    for (const s of p.samples) {
      const answer = String(s.extras?.extracted ?? "none");
      counts.set(answer, (counts.get(answer) ?? 0) + 1);
    }
  }
  return [...counts].sort((a, b) =>
    b[1] - a[1] || TEXT_ORDER.compare(a[0], b[0])
  )
    .slice(0, n).map(([answer, count]) => ({ answer, count }));
}

/**
 * The commonest gold answer of a report's questions and its share: the
 * accuracy of always answering it, the floor a guessing model reaches.
 */
export function commonestGold(
  report: EvalReport,
): { gold: string; share: number } {
  const counts = new Map<string, number>();
  for (const p of report.prompts) {
    const gold = p.reference ?? "";
    counts.set(gold, (counts.get(gold) ?? 0) + 1);
  }
  const [gold, count] =
    [...counts].sort((a, b) =>
      b[1] - a[1] || TEXT_ORDER.compare(a[0], b[0])
    )[0];
  return { gold, share: count / report.prompts.length };
}

/** Accuracy per story template (first decoding, greedy), one column per model. */
export function templateTable(reports: readonly EvalReport[]): string {
  const greedy = byVariant(reports)[0];
  const accuracy = greedy.map(templateAccuracy);
  const templates = Object.keys(accuracy[0]);
  return [
    `| Template | ${greedy.map((r) => `${r.model} accuracy %`).join(" | ")} |`,
    `| --- | ${greedy.map(() => "---:").join(" | ")} |`,
    ...templates.map((t) =>
      `| ${t} | ${accuracy.map((a) => (a[t] * 100).toFixed(0)).join(" | ")} |`
    ),
  ].join("\n");
}

/** Bars of each model's metrics with intervals (first decoding), one panel per metric. */
export function mathScoreBars(reports: readonly EvalReport[]): string {
  const group = byVariant(reports)[0];
  return scoreBars(group, {
    title: "Math evaluation",
    subtitle: `${group[0].settings.prompts} eval questions, ${
      decodingLabel(group[0])
    }; bars: 95 % bootstrap interval over questions`,
    name: (r) => r.model,
    yLabel: "mean",
  });
}

/** The summary.md text: settings, rewards, tables. */
export function mathSummary(
  settings: MathSettings,
  reports: readonly EvalReport[],
): string {
  const rewards = MATH_REWARDS.map((r) => `${r.name} × ${r.weight}`).join(
    " + ",
  );
  return [
    `# Math experiment, run "${settings.run}" (${settings.level} problems)`,
    "",
    `SFT ${settings.sftSteps} steps (lr ${settings.sftLearningRate}), then GRPO ${settings.steps} steps (lr ${settings.learningRate}, ${
      16 / settings.numGenerations
    } prompts × ${settings.numGenerations} completions, T ${settings.temperature} top-k 50, ≤ ${settings.maxCompletionLength} new tokens), LoRA r 16 all-linear, seed ${settings.seed}. GRPO reward: ${rewards}. The reported reward is format_strict + math_accuracy with those weights.`,
    "",
    mathResultsTable(reports),
    "",
    "### Greedy accuracy per story template",
    "",
    templateTable(reports),
    "",
  ].join("\n");
}

/** The math CSV columns: the question names the prompt, the extracted answer is a sample column. */
export const MATH_CSV_LAYOUT: ReportLayout = {
  idColumn: "question",
  sampleColumns: {
    columns: ["extracted", "source"],
    cells: (s) => ({
      extracted: (s.extras?.extracted as string | null) ?? null,
      source: (s.extras?.source as string | null) ?? null,
    }),
  },
};

/** The math study's {@link ReportLayout}: {@link MATH_CSV_LAYOUT}, the summary and the bars. */
export function mathLayout(settings: MathSettings): ReportLayout {
  return {
    ...MATH_CSV_LAYOUT,
    summaryMarkdown: (reports) => mathSummary(settings, reports),
    charts: (reports) => ({ "scores.svg": mathScoreBars(reports) }),
  };
}
