/**
 * Resolving the special token ids a trainer needs: BOS, the ids generation
 * stops on, and a pad id that always exists.
 *
 * Padding fallback, in order:
 * 1. `pad_token` of the config, when it names a token in the vocabulary;
 * 2. `<|finetune_right_pad_id|>` when the vocabulary has it: Llama 3.1/3.2
 *    ship no pad token but reserve this one for fine-tuning padding;
 * 3. the first end-of-sequence id (what `tokenizer.pad_token = eos_token`
 *    does in most training scripts, and transformers.js's own default).
 *
 * With the eos fallback, pad and eos share an id, so a batch's loss and
 * attention masks must come from explicit masks (as tunebook's do), never
 * from `ids != padId`: that would also drop the end-of-turn token the model
 * has to learn.
 *
 * @module
 */
import type { TokenizerFiles } from "./files.ts";

/** Where the pad id came from (see the module comment). */
export type PadSource = "pad_token" | "finetune_right_pad_id" | "eos_token";

/** Special ids of a loaded tokenizer. */
export interface SpecialIds {
  /** Beginning-of-sequence id, or null when the tokenizer has none (Qwen-style). */
  bosId: number | null;
  /**
   * Ids that end a generation: `eos_token` first, then any other
   * `eos_token_id` of `generation_config.json`. Never empty.
   */
  eosIds: number[];
  /** Id used to pad batches. Always set. */
  padId: number;
  /** Which rule gave {@link padId}. */
  padSource: PadSource;
}

/** The token Llama 3.1+ reserves for right-padding during fine-tuning. */
export const LLAMA_FINETUNE_PAD = "<|finetune_right_pad_id|>";

/**
 * Looks up the special tokens named in `files.config` (and the generation
 * eos ids) with `tokenToId`. Throws when a named token is not in the
 * vocabulary, or when there is no end-of-sequence token at all.
 */
export function resolveSpecialIds(
  files: TokenizerFiles,
  tokenToId: (token: string) => number | undefined,
): SpecialIds {
  const lookup = (key: string): number | null => {
    const token = files.config[key];
    if (token === null || token === undefined) return null;
    const id = tokenToId(token);
    if (id === undefined) {
      throw new Error(
        `${key} ${
          JSON.stringify(token)
        } named by the config in ${files.folder} ` +
          `is not in the vocabulary of tokenizer.json`,
      );
    }
    return id;
  };
  const bosId = lookup("bos_token");
  const eosId = lookup("eos_token");
  const eosIds = [
    ...new Set([...(eosId === null ? [] : [eosId]), ...files.generationEosIds]),
  ];
  if (eosIds.length === 0) {
    throw new Error(
      `tokenizer in ${files.folder} has no end-of-sequence token: ` +
        `tokenizer_config.json names no eos_token and there is no ` +
        `generation_config.json eos_token_id`,
    );
  }
  const pad = lookup("pad_token");
  if (pad !== null) {
    return { bosId, eosIds, padId: pad, padSource: "pad_token" };
  }
  const finetunePad = tokenToId(LLAMA_FINETUNE_PAD);
  if (finetunePad !== undefined) {
    return {
      bosId,
      eosIds,
      padId: finetunePad,
      padSource: "finetune_right_pad_id",
    };
  }
  return { bosId, eosIds, padId: eosIds[0], padSource: "eos_token" };
}
