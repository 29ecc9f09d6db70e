/**
 * Tokenizers and chat templates of real checkpoints (Gemma 3, Llama 3,
 * ChatML models such as SmolLM), read from a local folder.
 *
 * ```ts
 * import { loadTokenizer } from "../lib/tokenizer/mod.ts";
 * const tok = await loadTokenizer("checkpoints/gemma-3-270m-it");
 * const { ids, mask } = tok.assistantMask([
 *   { role: "user", content: "2+2?" },
 *   { role: "assistant", content: "4" },
 * ]);
 * // mask is 1 on "4" and <end_of_turn>, 0 elsewhere
 * ```
 *
 * @module
 */
export { readTokenizerFiles, type TokenizerFiles } from "./files.ts";
export {
  type ChatEncoder,
  encodeConversationMasked,
  encodePromptCompletion,
  type MaskedTokens,
} from "./masks.ts";
export {
  type ChatMessage,
  type ChatRole,
  validateMessages,
} from "../util/chat_message.ts";
export {
  LLAMA_FINETUNE_PAD,
  type PadSource,
  resolveSpecialIds,
  type SpecialIds,
} from "./special_ids.ts";
export {
  type ChatOptions,
  type DecodeOptions,
  type EncodeOptions,
  loadTokenizer,
  Tokenizer,
} from "./tokenizer.ts";
