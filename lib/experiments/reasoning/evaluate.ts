/**
 * Evaluation of the rubric-reasoning experiment: the base model, the SFT
 * adapter and the SFT → GRPO adapter answer the same eval questions with
 * the same seeds; each answer is scored with the rewards exactly as trained
 * (format + weighted rubric grade), plus format accuracy, the rubric grade
 * alone, ee596-fp's word-overlap proxy (a diagnostic), the share of the
 * question's content words echoed, and the length in tokens. Then the
 * trained adapter answers again under each generation preset (greedy,
 * conservative, standard, creative). The metrics are in ./metrics.ts.
 *
 * ```ts
 * const { reports, presets } = await evaluateReasoning(settings, adapters);
 * reports.map((r) => r.aggregate.main?.mean);
 * ```
 *
 * @module
 */
import { evaluateOutputs } from "../../eval/evaluate.ts";
import { sampleCompletions } from "../../eval/generate_samples.ts";
import type { EvalReport, SampleScorer } from "../../eval/types.ts";
import { type PresetName, PRESETS } from "../../generate/presets.ts";
import type { CausalLM } from "../../model/decoder.ts";
import type { Tokenizer } from "../../tokenizer/mod.ts";
import type { Row } from "../../data/rows.ts";
import { forEachStageModel, type StageAdapters } from "../sft_then_grpo.ts";
import { REASONING_METRICS, reasoningScorer } from "./metrics.ts";
import type { ReasoningSettings } from "./settings.ts";
import { reasoningPrompt } from "../../prompt/system_prompts.ts";
import { readRubricRows } from "./train.ts";

/** Everything {@link evaluateReasoning} measures (each report's variant is its preset). */
export interface ReasoningEvaluation {
  /** base, SFT, SFT → GRPO under the "standard" preset. */
  reports: EvalReport[];
  /** The SFT → GRPO adapter under each preset (greedy with k = 1). */
  presets: EvalReport[];
}

function answer(
  model: CausalLM,
  tokenizer: Tokenizer,
  rows: Row[],
  settings: ReasoningSettings,
  preset: PresetName,
  k: number,
) {
  return sampleCompletions(
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
  let score: SampleScorer | undefined;
  const reports: EvalReport[] = [];
  const presets: EvalReport[] = [];
  const started = performance.now();
  const note = (r: EvalReport) =>
    log(
      `${r.model} (${r.variant}, k ${r.settings.k}): main reward ${
        r.aggregate.main!.mean.toFixed(3)
      }, format ${r.aggregate.format!.mean.toFixed(2)}, rubric ${
        r.aggregate.rubric!.mean.toFixed(3)
      } [${((performance.now() - started) / 60000).toFixed(1)} min]`,
    );
  const evaluate = (
    model: string,
    preset: PresetName,
    { outputs, settings: generation }: ReturnType<typeof answer>,
  ) =>
    evaluateOutputs(
      outputs.map((o, i) => ({
        prompt: o.prompt,
        id: String(rows[i].id ?? i),
        reference: String(rows[i].reference_answer),
        samples: o.samples,
      })),
      {
        model,
        variant: preset,
        metrics: REASONING_METRICS,
        score: score!,
        generation,
        bootstrap: { seed: settings.seed },
        study: { rubricWeight: settings.rubricWeight },
      },
    );
  await forEachStageModel(
    settings.model,
    adapters,
    async (name, model, tokenizer) => {
      score ??= reasoningScorer(settings, rows, tokenizer);
      const standard = answer(
        model,
        tokenizer,
        rows,
        settings,
        "standard",
        settings.k,
      );
      reports.push(await evaluate(name, "standard", standard));
      note(reports.at(-1)!);
      if (name !== "SFT → GRPO") return;
      for (const preset of Object.keys(PRESETS) as PresetName[]) {
        const k = preset === "greedy" ? 1 : settings.k;
        if (preset === "standard") {
          presets.push(reports.at(-1)!);
          continue;
        }
        presets.push(
          await evaluate(
            name,
            preset,
            answer(model, tokenizer, rows, settings, preset, k),
          ),
        );
        note(presets.at(-1)!);
      }
    },
  );
  return { reports, presets };
}
