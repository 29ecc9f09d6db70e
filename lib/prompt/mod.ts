/**
 * The prompt stage: dataset rows → prompts (text or conversations) →
 * token ids, preference pairs → the ids DPO and reward-model training see
 * (and a reward model scores), the reference projects' system prompts, and
 * the tags a tagged answer is read back with. Rollouts, evaluation, chat, batch
 * answers and bench:gsm8k all build and encode prompts here.
 *
 * ```ts
 * import { encodePrompt, mathPrompt, promptExamples } from "../lib/prompt/mod.ts";
 * const prompts = promptExamples(rows, "data/math/train.jsonl");
 * const ids = encodePrompt(tokenizer, mathPrompt("What is 6 × 7?"), 128);
 * ```
 *
 * @module
 */
export { type Prompt, promptText } from "./prompt.ts";
export { type PromptExample, promptExamples } from "./examples.ts";
export { encodePrompt } from "./encode.ts";
export {
  describePairReport,
  type DroppedPair,
  type DropReason,
  type EncodedPair,
  encodePreferencePair,
  encodePreferencePairs,
  type PairEncodingOptions,
  type PairEncodingReport,
  type PreferenceTrainer,
} from "./preference.ts";
export {
  type Completion,
  encodeForScoring,
  eosTokenOf,
  type LengthLimit,
  lengthLimit,
  type PairEncoder,
  promptSequenceIds,
  type ScoringOptions,
  type SequenceIds,
  sequenceIds,
} from "./scoring.ts";
export {
  extractTagged,
  isStrictFormat,
  occurrences,
  TAG_STYLES,
  tagsOf,
  type TagStyle,
} from "./tags.ts";
export {
  mathPrompt,
  type MathPromptOptions,
  mathSystemPrompt,
  type MathSystemPromptKind,
  REASONING_SYSTEM_PROMPT,
  reasoningPrompt,
  shortMathSystemPrompt,
} from "./system_prompts.ts";
