/**
 * The system prompts of the reference projects and the prompts built on
 * them: ee596-fp's reasoning-then-answer request (chat, answer, the
 * rubric-reasoning study) and finetuned-llama's R1-style math prompt (with
 * a one-sentence variant for small-context models). Training and
 * evaluation build prompts here, so a model is scored on the prompt it was
 * trained with.
 *
 * ```ts
 * reasoningPrompt("Why does ice float?"); // [system, user]
 * mathPrompt("What is 6 × 7?", "think", { system: "short" });
 * ```
 *
 * @module
 */
import type { ChatMessage } from "../util/chat_message.ts";
import { TAG_STYLES, type TagStyle } from "./tags.ts";

/**
 * ee596-fp's format request alone, for system prompts that open with a
 * role of their own (the domain assistants of lib/chat/domains.ts).
 */
export const REASONING_FORMAT_REQUEST =
  "Think the question through, then reply in exactly this format:\n" +
  "<reasoning>\nyour step-by-step reasoning\n</reasoning>\n" +
  "<answer>\nyour final answer\n</answer>";

/** ee596-fp's format request: reason inside `<reasoning>`, answer inside `<answer>`. */
export const REASONING_SYSTEM_PROMPT = "You are a careful assistant. " +
  REASONING_FORMAT_REQUEST;

/** ee596-fp's format request as the system turn, the question as the user turn. */
export function reasoningPrompt(question: string): ChatMessage[] {
  return [
    { role: "system", content: REASONING_SYSTEM_PROMPT },
    { role: "user", content: question },
  ];
}

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

/** Which system prompt {@link mathPrompt} uses: finetuned-llama's R1 prompt, the short one, or none. */
export type MathSystemPromptKind = "r1" | "short" | "none";

/** Every {@link MathSystemPromptKind}, for flags and checks. */
export const MATH_SYSTEM_PROMPTS: readonly MathSystemPromptKind[] = [
  "r1",
  "short",
  "none",
];

/** Options of {@link mathPrompt}. */
export interface MathPromptOptions {
  /** "r1" (default, {@link mathSystemPrompt}), "short" ({@link shortMathSystemPrompt}) or "none" (the question alone). */
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
  if (!MATH_SYSTEM_PROMPTS.includes(system)) {
    throw new Error(
      `unknown math system prompt ${JSON.stringify(system)} (use ${
        MATH_SYSTEM_PROMPTS.map((k) => `"${k}"`).join(", ")
      })`,
    );
  }
  if (system === "none") return [{ role: "user", content: question }];
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
