/**
 * Evaluation of the math experiment: the base model, the SFT adapter and
 * the SFT → GRPO adapter answer the same eval questions with the same
 * seeds (greedy k = 1, and optionally k samples with the "standard"
 * preset). Each answer is scored for accuracy, partial accuracy and format
 * (./metrics.ts) and for the main reward — format + accuracy with the
 * reward functions and weights GRPO trained with. A report's variant is
 * its decoding preset.
 *
 * @module
 */
import { evaluateOutputs } from "../../eval/evaluate.ts";
import { sampleCompletions } from "../../eval/generate_samples.ts";
import type {
  EvalReport,
  GenerationSettings,
  SampleInput,
} from "../../eval/types.ts";
import { rewardFromConfig } from "../../rewards/registry.ts";
import { type RewardFunction, scoreRewards } from "../../rewards/types.ts";
import { forEachStageModel, type StageAdapters } from "../sft_then_grpo.ts";
import { type MathProblem, readMathProblems } from "./data.ts";
import {
  checkItems,
  MATH_METRICS,
  mathSampleScores,
  mathStudySettings,
} from "./metrics.ts";
import {
  MAIN_REWARD_NAMES,
  MATH_REWARDS,
  type MathSettings,
  mathTaskPrompt,
} from "./settings.ts";

/** How answers were decoded. */
export interface MathDecoding {
  /** "greedy" (k = 1) or "standard" (lib/generate/presets.ts, k samples). */
  preset: "greedy" | "standard";
  k: number;
}

/** The main reward's functions and weights, exactly as GRPO builds them. */
export function mainRewardFunctions(): {
  fns: RewardFunction[];
  weights: number[];
} {
  const specs = MATH_REWARDS.filter((r) =>
    (MAIN_REWARD_NAMES as readonly string[]).includes(r.name)
  );
  return {
    fns: specs.map(({ name, weight: _w, ...settings }, i) =>
      rewardFromConfig(name, settings, "math main reward", `rewards[${i}]`)
    ),
    weights: specs.map((r) => r.weight),
  };
}

/** The main reward of every sample, [question][sample]. */
export async function mainRewards(
  problems: readonly MathProblem[],
  samples: readonly (readonly string[])[],
): Promise<number[][]> {
  const { fns, weights } = mainRewardFunctions();
  const flat = problems.flatMap((p, i) =>
    samples[i].map((completion) => ({
      prompt: mathTaskPrompt(p.question),
      completion,
      columns: { answer: p.answer },
    }))
  );
  const scored = await scoreRewards(fns, flat, weights, { allNull: "error" });
  let at = 0;
  return samples.map((list) => list.map(() => scored.total[at++] as number));
}

/** The decodings of a run: greedy always, sampled when `sampledK` > 0. */
export function mathDecodings(settings: MathSettings): MathDecoding[] {
  const list: MathDecoding[] = [{ preset: "greedy", k: 1 }];
  if (settings.sampledK > 0) {
    list.push({ preset: "standard", k: settings.sampledK });
  }
  return list;
}

/** Answers the eval questions with the base model and each adapter, and scores them. */
export async function evaluateMath(
  settings: MathSettings,
  adapters: StageAdapters,
  onProgress?: (line: string) => void,
): Promise<EvalReport[]> {
  const problems = (await readMathProblems(settings.evalData)).slice(
    0,
    settings.evalQuestions,
  );
  const prompts = problems.map((p) => mathTaskPrompt(p.question));
  const perModel = await forEachStageModel(
    settings.model,
    adapters,
    async (name, model, tokenizer) => {
      const reports: EvalReport[] = [];
      for (const decoding of mathDecodings(settings)) {
        const started = performance.now();
        const { outputs, settings: generation } = sampleCompletions(
          model,
          tokenizer,
          prompts,
          {
            k: decoding.k,
            seed: settings.seed,
            maxNewTokens: settings.maxCompletionLength,
            // GRPO's window (every prompt of the default model fits it whole).
            maxPromptLength: settings.maxPromptLength,
            sampling: decoding.preset,
          },
        );
        const samples = outputs.map((o) => o.samples);
        reports.push(
          await scoreModel(name, decoding, problems, samples, settings.seed, {
            generation,
          }),
        );
        onProgress?.(
          `${name} ${decoding.preset} k=${decoding.k}: ${
            ((performance.now() - started) / 1000).toFixed(0)
          } s`,
        );
      }
      return reports;
    },
  );
  return perModel.flat();
}

/**
 * Scores one model's answers: the main reward and the answer metrics of
 * every sample, as a report whose prompts carry the question (id), the
 * gold (reference) and the story template (extras).
 */
export async function scoreModel(
  model: string,
  decoding: MathDecoding,
  problems: readonly MathProblem[],
  samples: readonly (readonly string[])[],
  seed: number,
  options: { generation?: Partial<GenerationSettings> } = {},
): Promise<EvalReport> {
  checkItems(problems.map((p, i) => ({ gold: p.final, samples: samples[i] })));
  return await evaluateOutputs(
    problems.map((p, i) => ({
      prompt: mathTaskPrompt(p.question),
      id: p.question,
      reference: String(p.final),
      extras: { template: p.template },
      samples: [...samples[i]],
    })),
    {
      model,
      variant: decoding.preset,
      metrics: MATH_METRICS,
      generation: options.generation,
      bootstrap: { seed },
      study: mathStudySettings(),
      score: async (inputs: readonly SampleInput[]) => {
        const rewards = await mainRewards(problems, samples);
        return inputs.map((s) => {
          const scores = mathSampleScores(
            s.text,
            problems[s.promptIndex].final,
          );
          return {
            values: {
              reward: rewards[s.promptIndex][s.sampleIndex],
              ...scores.values,
            },
            extras: scores.extras,
          };
        });
      },
    },
  );
}
