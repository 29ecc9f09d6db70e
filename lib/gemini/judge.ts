/**
 * Gemini as an LLM judge, in the shape the rubric reward takes:
 * `(prompt: string) => Promise<string>`. Rubric-as-reward (RaR) asks a judge
 * to grade a completion against criteria; the reward module builds the
 * prompt and parses the grade, this module only answers.
 *
 * @module
 */
import type { GeminiClient, GenerateCallOptions } from "./client.ts";

/** A judge: a grading prompt in, the judge model's raw answer out. */
export type Judge = (prompt: string) => Promise<string>;

/**
 * Options of {@link geminiJudge}: generation options plus a signal. Unless
 * given, `temperature` is 0 so grades are as repeatable as the API allows
 * and, with the cache, exactly repeatable on reruns.
 */
export type GeminiJudgeOptions = GenerateCallOptions;

/**
 * A judge backed by `client`. Each call is one cached, retried
 * `client.generate(prompt)`; the answer's text is returned as is ("" when
 * Gemini blocked the prompt or the answer). Errors ({@link GeminiError})
 * propagate: a reward that cannot be judged should not silently become 0.
 */
export function geminiJudge(
  client: GeminiClient,
  options: GeminiJudgeOptions = {},
): Judge {
  const settings: GenerateCallOptions = { temperature: 0, ...options };
  return async (prompt: string) => {
    if (typeof prompt !== "string") {
      throw new Error(
        `geminiJudge: the prompt must be a string, got ${typeof prompt}`,
      );
    }
    return (await client.generate(prompt, settings)).text;
  };
}
