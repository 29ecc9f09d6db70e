/**
 * Shared setup for the preference encoding tests: the three test
 * tokenizers, two pairs (standard and conversational) read through the
 * loaders, and the options of each trainer.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  type ChatPreferencePair,
  type PreferencePair,
  preferencePairs,
} from "../../lib/data/preference.ts";
import type { Row } from "../../lib/data/rows.ts";
import {
  type EncodedPair,
  encodePreferencePair,
  type PairEncodingOptions,
} from "../../lib/prompt/mod.ts";
import { loadTokenizer, type Tokenizer } from "../../lib/tokenizer/mod.ts";
import { CHATML_DIR, GEMMA3_DIR, LLAMA3_DIR } from "../tokenizer/helpers.ts";

/** ChatML fixture (no BOS), Gemma 3 and Llama 3 tokenizers. */
export const TOKENIZERS: Record<"chatml" | "gemma3" | "llama3", Tokenizer> = {
  chatml: await loadTokenizer(CHATML_DIR),
  gemma3: await loadTokenizer(GEMMA3_DIR),
  llama3: await loadTokenizer(LLAMA3_DIR),
};

/** DPO and reward-model options without a length limit. */
export const DPO: PairEncodingOptions = { trainer: "dpo", maxLength: null };
export const REWARD: PairEncodingOptions = {
  trainer: "reward",
  maxLength: null,
};

/** Pairs read from rows the way the loaders read them (source "t.jsonl"). */
export function pairsOf(...rows: Row[]): PreferencePair[] {
  return preferencePairs(rows, "t.jsonl").pairs;
}

/** A standard pair. */
export const SKY = pairsOf({
  prompt: "The sky is",
  chosen: " blue.",
  rejected: " green.",
})[0];
/** A conversational pair. */
export const CHAT = pairsOf({
  prompt: [{ role: "user", content: "What color is the sky?" }],
  chosen: [{ role: "assistant", content: "It is blue." }],
  rejected: [{ role: "assistant", content: "It is green." }],
})[0] as ChatPreferencePair;

/** Encodes a pair that must be kept. */
export function kept(
  tok: Tokenizer,
  pair: PreferencePair,
  options: PairEncodingOptions,
): EncodedPair {
  const out = encodePreferencePair(tok, pair, options);
  assert.ok(!("dropped" in out), `dropped: ${JSON.stringify(out)}`);
  return out;
}

/** Token strings of ids. */
export const tokens = (tok: Tokenizer, ids: number[]): (string | undefined)[] =>
  ids.map((id) => tok.idToToken(id));
