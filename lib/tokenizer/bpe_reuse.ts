/**
 * Training a BPE tokenizer into a folder only when the folder does not
 * already hold one trained on the same texts with the same settings.
 *
 * The check is a SHA-256 fingerprint of the texts, the trainer settings and
 * the trainer version, stored in tokenizer_config.json (`tunebook.fingerprint`).
 *
 * @module
 */
import { readBpe, saveTokenizer } from "./bpe_files.ts";
import type { ByteLevelBpe } from "./bpe_model.ts";
import {
  type BpeTrainOptions,
  DEFAULT_SPECIAL_TOKENS,
  trainBpe,
} from "./bpe_train.ts";

/** Bumped whenever a change to the trainer can change its output. */
export const BPE_TRAINER_VERSION = "tunebook-bpe-1";

/** Options of {@link trainOrReuseBpe}. */
export interface TrainOrReuseOptions extends BpeTrainOptions {
  /** `model_max_length` written to tokenizer_config.json. */
  modelMaxLength?: number;
  /** Extra metadata stored next to the fingerprint (e.g. corpus statistics). */
  metadata?: Record<string, unknown>;
}

/** The tokenizer and whether it came from the folder. */
export interface TrainOrReuseResult {
  bpe: ByteLevelBpe;
  reused: boolean;
  fingerprint: string;
}

/**
 * Returns the tokenizer in `dir` when its fingerprint matches `texts` and
 * `options`, otherwise trains one; either way writes it to `dir`
 * (tokenizer.json, tokenizer_config.json, special_tokens_map.json).
 */
export async function trainOrReuseBpe(
  dir: string,
  texts: readonly string[],
  options: TrainOrReuseOptions = {},
): Promise<TrainOrReuseResult> {
  const fingerprint = await bpeFingerprint(texts, options);
  const saved = await readBpe(dir).catch(() => null);
  const reused = saved?.metadata.fingerprint === fingerprint;
  const bpe = reused ? saved!.bpe : trainBpe(texts, options);
  // Rewritten even when reused, so model_max_length and metadata follow the options.
  await saveTokenizer(bpe, dir, {
    modelMaxLength: options.modelMaxLength,
    metadata: {
      trainer: BPE_TRAINER_VERSION,
      fingerprint,
      vocab_size: bpe.size,
      merges: bpe.merges.length,
      ...options.metadata,
    },
  });
  return { bpe, reused, fingerprint };
}

/** SHA-256 (hex) of the texts, the settings that shape the result, and the trainer version. */
export async function bpeFingerprint(
  texts: readonly string[],
  options: BpeTrainOptions = {},
): Promise<string> {
  const settings = JSON.stringify({
    trainer: BPE_TRAINER_VERSION,
    vocabSize: options.vocabSize ?? 4096,
    specialTokens: options.specialTokens ?? DEFAULT_SPECIAL_TOKENS,
    minFrequency: options.minFrequency ?? 2,
  });
  const encoder = new TextEncoder();
  const parts = [settings, ...texts].map((t) => encoder.encode(t));
  const bytes = new Uint8Array(
    parts.reduce((n, p) => n + p.length + 1, 0),
  );
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length + 1; // a zero byte between texts keeps boundaries in the hash
  }
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}
