/**
 * Tables and charts of the math experiment: per decoding, each model's
 * main reward, accuracy, partial accuracy and format with 95 % bootstrap
 * intervals and the paired reward difference trained − base; accuracy per
 * story template; a bar chart of the metrics.
 *
 * @module
 */
import { type Estimate, pairedComparison } from "../../eval/stats.ts";
import { estimateBars } from "../../eval/charts.ts";
import type { MathModelReport } from "./evaluate.ts";

function decodingLabel(r: MathModelReport): string {
  return r.decoding.preset === "greedy"
    ? "greedy, k = 1"
    : `${r.decoding.preset} preset, k = ${r.decoding.k}`;
}

/** The reports grouped by decoding, in first-seen order. */
export function byDecoding(
  reports: readonly MathModelReport[],
): MathModelReport[][] {
  const groups = new Map<string, MathModelReport[]>();
  for (const r of reports) {
    const key = decodingLabel(r);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()];
}

const pct = (e: Estimate) =>
  `${(e.mean * 100).toFixed(1)} [${(e.low * 100).toFixed(1)}, ${
    (e.high * 100).toFixed(1)
  }]`;
const num = (e: Estimate) =>
  `${e.mean.toFixed(3)} [${e.low.toFixed(3)}, ${e.high.toFixed(3)}]`;

/**
 * The paired difference of the main reward, `trained` − `base`, on the
 * same questions, as a sentence.
 */
export function pairedRewardLine(
  trained: MathModelReport,
  base: MathModelReport,
  seed = 0,
): string {
  const p = pairedComparison(
    trained.perQuestionReward,
    base.perQuestionReward,
    { seed },
  );
  const f = (v: number) => v.toFixed(3);
  return `Paired reward difference (${trained.model} − ${base.model}, ${
    decodingLabel(trained)
  }): ${f(p.difference.mean)} [${f(p.difference.low)}, ${
    f(p.difference.high)
  }] over ${p.prompts} questions, sign-flip p = ${p.pValue.toFixed(4)}.`;
}

/** The results: one table per decoding with the paired lines under it. */
export function mathResultsTable(
  reports: readonly MathModelReport[],
  seed = 0,
): string {
  const out: string[] = [];
  for (const group of byDecoding(reports)) {
    const first = group[0];
    out.push(
      `**${
        decodingLabel(first)
      }** — ${first.math.questions} eval questions; means with 95 % bootstrap intervals over questions (percent, reward in [0, 2]).`,
      "",
      "| Model | Reward (format + accuracy) | Accuracy % | Partial accuracy (±10 %) % | Format % |",
      "| --- | --- | --- | --- | --- |",
      ...group.map((r) =>
        `| ${r.model} | ${num(r.reward)} | ${pct(r.math.metrics.accuracy)} | ${
          pct(r.math.metrics.partial)
        } | ${pct(r.math.metrics.format)} |`
      ),
      "",
    );
    const base = group.find((r) => r.model === "base");
    if (base) {
      for (const r of group.filter((r) => r !== base)) {
        out.push(`- ${pairedRewardLine(r, base, seed)}`);
      }
    }
    // What GRPO itself added on top of its starting point.
    const sft = group.find((r) => r.model === "SFT");
    const last = group.at(-1)!;
    if (sft && last !== sft && last !== base) {
      out.push(`- ${pairedRewardLine(last, sft, seed)}`);
    }
    out.push("");
  }
  return out.join("\n").trimEnd();
}

/** Accuracy per story template (greedy decoding), one column per model. */
export function templateTable(reports: readonly MathModelReport[]): string {
  const greedy = byDecoding(reports)[0];
  const templates = Object.keys(greedy[0].templates);
  return [
    `| Template | ${greedy.map((r) => `${r.model} accuracy %`).join(" | ")} |`,
    `| --- | ${greedy.map(() => "---:").join(" | ")} |`,
    ...templates.map((t) =>
      `| ${t} | ${
        greedy.map((r) => (r.templates[t] * 100).toFixed(0)).join(" | ")
      } |`
    ),
  ].join("\n");
}

/** Bars of each model's metrics with intervals (first decoding), one panel per metric. */
export function mathScoreBars(reports: readonly MathModelReport[]): string {
  const group = byDecoding(reports)[0];
  const bars = group.flatMap((r) => {
    const entries: [string, Estimate][] = [
      ["Reward (format + accuracy)", r.reward],
      ["Accuracy", r.math.metrics.accuracy],
      ["Partial (±10 %)", r.math.metrics.partial],
      ["Format", r.math.metrics.format],
    ];
    return entries.map(([metric, estimate]) => ({
      name: r.model,
      metric,
      estimate,
    }));
  });
  return estimateBars(bars, {
    title: "Math evaluation",
    subtitle: `${group[0].math.questions} eval questions, ${
      decodingLabel(group[0])
    }; bars: 95 % bootstrap interval over questions`,
    yLabel: "mean",
  });
}
