/**
 * How the haiku study's results look: gemma_haiku's `full_eval.py` columns
 * open summary.csv in its order, the CSV files name the model
 * `model_path` and the prompt `topic`, samples.csv adds the syllables per
 * line and the raw cosine, and the captions say which embedder and
 * syllable counter the numbers come from.
 *
 * ```ts
 * await writeReport("results/haiku/main", reports, haikuLayout({ paired: [["fullrun", "base"]] }));
 * console.log(haikuSummaryTable(reports));
 * ```
 *
 * gemma_haiku's `duplicate_percentage` is, despite its name, a fraction
 * (duplicates / total_samples); it is written the same way. `error` is
 * kept for gemma_haiku's column order and left empty.
 *
 * @module
 */
import { scoreBars } from "../../eval/charts.ts";
import { sampleCount } from "../../eval/evaluate.ts";
import {
  pairedTable,
  summaryTable,
  type TableFormatOptions,
} from "../../eval/tables.ts";
import type {
  EvalReport,
  EvalSettings,
  ReportLayout,
} from "../../eval/types.ts";
import { duplicates, haikuExtras } from "./metrics.ts";

/** gemma_haiku's CSV columns, in its order. */
export const GEMMA_HAIKU_COLUMNS = [
  "model_path",
  "is_haiku_avg",
  "similarity_avg",
  "total_avg",
  "duplicates",
  "duplicate_percentage",
  "total_samples",
  "error",
] as const;

/** What the study settings mean: "similarity: use-lite cosine − 0.5; syllables: cmu". */
export function haikuNote(settings: EvalSettings): string {
  const s = settings.study;
  return `similarity: ${s.embedder} cosine − ${s.similarityOffset}; syllables: ${s.counter}`;
}

/** {@link summaryTable} with the embedder and counter in the caption. */
export function haikuSummaryTable(
  reports: readonly EvalReport[],
  options: TableFormatOptions = {},
): string {
  if (reports.length === 0) throw new Error("summaryTable: no reports");
  return summaryTable(reports, {
    note: haikuNote(reports[0].settings),
    ...options,
  });
}

/** Bars of Haiku, Similarity and Total with their intervals, one panel each. */
export function haikuScoreBars(reports: readonly EvalReport[]): string {
  if (reports.length === 0) throw new Error("scoreBars: no reports");
  const note = haikuNote(reports[0].settings);
  return scoreBars(reports, {
    metrics: ["haiku", "similarity", "total"],
    title: "Haiku evaluation",
    caption: `${note[0].toUpperCase()}${note.slice(1)}.`,
  });
}

/** Options of {@link haikuLayout}. */
export interface HaikuLayoutOptions {
  /** Pairs of models compared in summary.md, paired by prompt (A − B), when both are reported. */
  paired?: readonly (readonly [string, string])[];
  /** Markdown paragraphs after the tables (e.g. why the Gemini row is missing). */
  notes?: readonly string[];
}

/** The haiku study's {@link ReportLayout}. */
export function haikuLayout(options: HaikuLayoutOptions = {}): ReportLayout {
  return {
    modelColumn: "model_path",
    idColumn: "topic",
    summaryLead: {
      columns: GEMMA_HAIKU_COLUMNS,
      cells: (r) => ({
        model_path: r.model,
        is_haiku_avg: r.aggregate.haiku?.mean ?? null,
        similarity_avg: r.aggregate.similarity?.mean ?? null,
        total_avg: r.aggregate.total?.mean ?? null,
        duplicates: duplicates(r),
        duplicate_percentage: r.aggregate.trainOverlap?.mean ?? null,
        total_samples: sampleCount(r),
        error: "",
      }),
    },
    sampleColumns: {
      columns: ["line_syllables", "cosine"],
      cells: (s) => {
        const extras = haikuExtras(s);
        return {
          line_syllables: extras.lineSyllables.join("-"),
          cosine: extras.cosine,
        };
      },
    },
    summaryMarkdown: (reports) => {
      const parts = [haikuSummaryTable(reports)];
      for (const pair of options.paired ?? []) {
        const [a, b] = pair.map((name) =>
          reports.find((r) => r.model === name)
        );
        if (!a || !b) continue;
        parts.push(
          `### ${a.model} against ${b.model}, paired by prompt`,
          pairedTable(a, b),
        );
      }
      parts.push(...options.notes ?? []);
      return parts.join("\n\n");
    },
    charts: (reports) => ({ "scores.svg": haikuScoreBars(reports) }),
  };
}
