/**
 * Evaluation of the rubric-reasoning experiment: the base model, the SFT
 * adapter and the SFT → GRPO adapter answer the same eval questions with
 * the same seeds; each answer is scored with the rewards exactly as trained
 * (format + weighted rubric grade), plus format accuracy, the rubric grade
 * alone, ee596-fp's word-overlap proxy (a diagnostic), the share of the
 * question's content words echoed, and the length in tokens. Then the
 * trained adapter answers again under each generation preset (greedy,
 * conservative, standard, creative).
 *
 * ```ts
 * const { reports, presets } = await evaluateReasoning(settings, adapters);
 * reports.map((r) => r.main.mean);
 * ```
 *
 * @module
 */
import { promptEcho } from "../../eval/echo.ts";
import { bootstrapCI, type Estimate } from "../../eval/stats.ts";
import { sampleCompletions } from "../../eval/generate_samples.ts";
import { type PresetName, PRESETS } from "../../generate/presets.ts";
import type { CausalLM } from "../../model/decoder.ts";
import { rewardFromConfig } from "../../rewards/registry.ts";
import { parseRubric, rubricOverlapScore } from "../../rewards/rubric.ts";
import { scoreRewards } from "../../rewards/types.ts";
import type { Tokenizer } from "../../tokenizer/mod.ts";
import type { Row } from "../../data/rows.ts";
import { forEachStageModel, type StageAdapters } from "../sft_then_grpo.ts";
import { type ReasoningSettings } from "./settings.ts";
import { reasoningPrompt } from "../../prompt/system_prompts.ts";
import { readRubricRows, reasoningRewards } from "./train.ts";

/** The per-sample measurements of a report. */
export const REASONING_METRICS = [
  "main",
  "format",
  "rubric",
  "overlap",
  "echo",
  "tokens",
] as const;

/** One per-sample measurement. */
export type ReasoningMetric = typeof REASONING_METRICS[number];

/** Per-model (or per-preset) measurements over the eval questions. */
export interface ReasoningReport {
  model: string;
  preset: PresetName;
  /** Samples per question. */
  k: number;
  /** Means with 95 % bootstrap intervals over questions. */
  aggregate: Record<ReasoningMetric, Estimate>;
  /** `[question][sample]` raw values, for pairing. */
  perQuestion: Record<ReasoningMetric, number[]>[];
  /** Question ids, in order. */
  ids: string[];
  /** `[question][sample]` completions. */
  samples: string[][];
}

/** Everything {@link evaluateReasoning} measures. */
export interface ReasoningEvaluation {
  /** base, SFT, SFT → GRPO under the "standard" preset. */
  reports: ReasoningReport[];
  /** The SFT → GRPO adapter under each preset (greedy with k = 1). */
  presets: ReasoningReport[];
}

interface Scorer {
  rows: Row[];
  score(model: string, preset: PresetName, samples: string[][]): Promise<
    ReasoningReport
  >;
}

/** Scores completions with the training rewards and the diagnostics. */
function makeScorer(
  settings: ReasoningSettings,
  rows: Row[],
  tokenizer: Tokenizer,
  k: () => number,
): Scorer {
  const specs = reasoningRewards(settings);
  const fns = specs.map(({ name, weight: _w, ...rest }, i) =>
    rewardFromConfig(name, rest, "reasoning evaluation", `rewards[${i}]`)
  );
  const weights = specs.map((s) => s.weight);
  const [formatName, rubricName] = fns.map((f) => f.name);
  const rubrics = rows.map((r, i) =>
    parseRubric(r.rubric, `${settings.evalData} row ${i + 1} "rubric"`)
      .map((c) => c.criterion).join("\n")
  );
  return {
    rows,
    async score(model, preset, samples) {
      const flat = samples.flatMap((list, q) =>
        list.map((completion) => ({
          prompt: reasoningPrompt(String(rows[q].question)),
          completion,
          columns: rows[q] as Record<string, unknown>,
        }))
      );
      const scored = await scoreRewards(fns, flat, weights);
      let at = 0;
      const perQuestion = samples.map((list, q) => {
        const take = (values: (number | null)[]) =>
          values.slice(at, at + list.length).map((v) => v ?? 0);
        const values = {
          main: take(scored.total),
          format: take(scored.byName[formatName]),
          rubric: take(scored.byName[rubricName]),
          overlap: list.map((c) => rubricOverlapScore(c, rubrics[q])),
          // The grader's known weak spot: restating the question earns
          // rubric credit, so the share of its content words echoed is shown.
          echo: list.map((c) => promptEcho(String(rows[q].question), c) ?? 0),
          tokens: list.map((c) => tokenizer.encode(c.trim()).length),
        };
        at += list.length;
        return values;
      });
      const aggregate = Object.fromEntries(
        REASONING_METRICS.map((m) => [
          m,
          bootstrapCI(perQuestion.map((p) => p[m]), { seed: settings.seed }),
        ]),
      ) as Record<ReasoningMetric, Estimate>;
      return {
        model,
        preset,
        k: k(),
        aggregate,
        perQuestion,
        ids: rows.map((r, i) => String(r.id ?? i)),
        samples,
      };
    },
  };
}

function answer(
  model: CausalLM,
  tokenizer: Tokenizer,
  rows: Row[],
  settings: ReasoningSettings,
  preset: PresetName,
  k: number,
): string[][] {
  const { outputs } = sampleCompletions(
    model,
    tokenizer,
    rows.map((r) => reasoningPrompt(String(r.question))),
    {
      k,
      seed: settings.seed,
      maxNewTokens: settings.maxCompletionLength,
      sampling: preset,
      batchSize: 11,
    },
  );
  return outputs.map((o) => o.samples);
}

/**
 * Samples answers to the eval questions from base, SFT and SFT → GRPO
 * (standard preset, k each), then from SFT → GRPO under every preset, and
 * scores them all. `log` receives a line per finished model.
 */
export async function evaluateReasoning(
  settings: ReasoningSettings,
  adapters: StageAdapters,
  log: (line: string) => void = () => {},
): Promise<ReasoningEvaluation> {
  const rows = (await readRubricRows(settings.evalData)).slice(
    0,
    settings.evalQuestions,
  );
  let k = settings.k;
  let scorer: Scorer | undefined;
  const reports: ReasoningReport[] = [];
  const presets: ReasoningReport[] = [];
  const started = performance.now();
  const note = (r: ReasoningReport) =>
    log(
      `${r.model} (${r.preset}, k ${r.k}): main reward ${
        r.aggregate.main.mean.toFixed(3)
      }, format ${r.aggregate.format.mean.toFixed(2)}, rubric ${
        r.aggregate.rubric.mean.toFixed(3)
      } [${((performance.now() - started) / 60000).toFixed(1)} min]`,
    );
  await forEachStageModel(
    settings.model,
    adapters,
    async (name, model, tokenizer) => {
      scorer ??= makeScorer(settings, rows, tokenizer, () => k);
      k = settings.k;
      const samples = answer(model, tokenizer, rows, settings, "standard", k);
      reports.push(await scorer.score(name, "standard", samples));
      note(reports.at(-1)!);
      if (name !== "SFT → GRPO") return;
      for (const preset of Object.keys(PRESETS) as PresetName[]) {
        k = preset === "greedy" ? 1 : settings.k;
        const again = preset === "standard"
          ? samples
          : answer(model, tokenizer, rows, settings, preset, k);
        presets.push(await scorer.score(name, preset, again));
        note(presets.at(-1)!);
      }
    },
  );
  return { reports, presets };
}
