/**
 * The prompt every math run uses (GSM8K-style questions): finetuned-llama's
 * R1-style system prompt or a one-sentence one, then the question. The
 * math metrics live with the math study (lib/experiments/math/metrics.ts).
 *
 * ```ts
 * const prompts = rows.map((r) => mathPrompt(r.question));
 * mathPrompt("2 + 2?", "think", { system: "short" }); // [system, user]
 * ```
 *
 * @module
 */
import { TAG_STYLES, type TagStyle } from "../rewards/format.ts";
import type { ChatMessage } from "../tokenizer/mod.ts";

/**
 * The R1-style system prompt of finetuned-llama's AI-MO (NuminaMath) run, with the
 * tag names of `style` filled in.
 */
export function mathSystemPrompt(style: TagStyle = "think"): string {
  const r = TAG_STYLES[style]?.reasoning;
  if (!r) {
    throw new Error(
      `unknown tag style ${JSON.stringify(style)} (use "think" or "reasoning")`,
    );
  }
  return "A conversation between User and Assistant. The user asks a question, " +
    "and the Assistant solves it. The assistant first thinks about the " +
    "reasoning process in the mind and then provides the user with the " +
    "answer. The reasoning process and answer are enclosed within " +
    `<${r}> </${r}> and <answer> </answer> tags, respectively, i.e., ` +
    `<${r}> reasoning process here </${r}><answer> answer here </answer>`;
}

/**
 * A one-sentence system prompt naming the tags, for small-context models:
 * the R1 prompt of {@link mathSystemPrompt} takes about 90 of a 256-token
 * context, this one about a quarter of that.
 */
export function shortMathSystemPrompt(style: TagStyle = "think"): string {
  const r = TAG_STYLES[style]?.reasoning;
  if (!r) {
    throw new Error(
      `unknown tag style ${JSON.stringify(style)} (use "think" or "reasoning")`,
    );
  }
  return `Solve the problem: reason inside <${r}> </${r}>, then give the final number inside <answer> </answer>.`;
}

/** Which system prompt {@link mathPrompt} uses: finetuned-llama's R1 prompt or the short one. */
export type MathSystemPromptKind = "r1" | "short";

/** Options of {@link mathPrompt}. */
export interface MathPromptOptions {
  /** "r1" (default, {@link mathSystemPrompt}) or "short" ({@link shortMathSystemPrompt}). */
  system?: MathSystemPromptKind;
}

/**
 * The prompt of a math question: the system prompt then the question as
 * the user turn. Training and evaluation both build prompts here, so a
 * model is scored on the prompt it was trained with. (finetuned-llama also appended
 * an empty assistant turn; the chat template's generation prompt opens the
 * assistant turn instead.)
 */
export function mathPrompt(
  question: string,
  style: TagStyle = "think",
  options: MathPromptOptions = {},
): ChatMessage[] {
  const system = options.system ?? "r1";
  if (system !== "r1" && system !== "short") {
    throw new Error(
      `unknown math system prompt ${
        JSON.stringify(system)
      } (use "r1" or "short")`,
    );
  }
  return [
    {
      role: "system",
      content: system === "short"
        ? shortMathSystemPrompt(style)
        : mathSystemPrompt(style),
    },
    { role: "user", content: question },
  ];
}
