/**
 * Gemini through `@google/genai`: the comparison row of evaluations and the
 * LLM judge of rubric rewards. Key from `GEMINI_API_KEY` (environment or
 * `.env`); without one, callers print {@link geminiSkipMessage} and skip.
 *
 * ```ts
 * import { GeminiClient, geminiAvailable, geminiSkipMessage } from "./lib/gemini/mod.ts";
 * if (!geminiAvailable()) console.log(geminiSkipMessage());
 * else {
 *   const client = new GeminiClient();
 *   const { text } = await client.generate("Generate a haiku about the sea\n");
 * }
 * ```
 *
 * @module
 */
export {
  GeminiClient,
  type GeminiClientOptions,
  type GeminiClientStats,
  type GeminiResult,
  type GenerateCallOptions,
} from "./client.ts";
export { GeminiCache, type GeminiCacheStats } from "./cache.ts";
export {
  type GeminiBatchItem,
  type GeminiBatchOptions,
  generateBatch,
} from "./batch.ts";
export { geminiJudge, type GeminiJudgeOptions, type Judge } from "./judge.ts";
export {
  GeminiError,
  type GeminiFailure,
  GeminiUnavailableError,
  redact,
} from "./errors.ts";
export type {
  ChatMessage,
  GeminiRequest,
  GeminiResponse,
  GeminiUsage,
  GenerateOptions,
} from "./request.ts";
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry.ts";
export {
  DEFAULT_GEMINI_MODEL,
  defaultGeminiCacheDir,
  describeGeminiSettings,
  geminiAvailable,
  type GeminiSettings,
  geminiSettings,
  type GeminiSettingsOptions,
  geminiSkipMessage,
  GEMMA_HAIKU_GEMINI_MODEL,
  requireGemini,
} from "./settings.ts";
