/**
 * The reward trainer's data: preference rows in any of TRL's formats
 * (lib/data/preference.ts) → pair ids as RewardTrainer tokenises them
 * (lib/prompt/preference.ts, trainer "reward": whole sequences, pairs with a
 * side past max_length dropped and reported) → micro-batches of B pairs as
 * one right-padded batch of 2B rows, chosen rows first, as TRL's collator
 * builds them.
 *
 * @module
 */
import { loadPreferences, type PreferencePair } from "../../data/preference.ts";
import { padBatch, type TokenBatch } from "../../model/batch.ts";
import {
  describePairReport,
  type EncodedPair,
  encodePreferencePairs,
  type PairEncodingReport,
} from "../../prompt/preference.ts";
import type { PairEncoder } from "../../prompt/scoring.ts";
import { InputError } from "../../util/errors.ts";

/** Pairs of one split and where they came from (named in messages). */
export interface PairSplit {
  source: string;
  pairs: PreferencePair[];
}

/** What the reward trainer trains on (from_config.ts reads it from the config's files). */
export interface RewardData {
  train: PairSplit;
  /** Evaluated every `eval_steps` and at the end; null: no evaluation. */
  eval: PairSplit | null;
}

/** Reads the pairs of `path` (a data file, folder or hub id); a bad row names its file, line and field. */
export async function loadPairSplit(path: string): Promise<PairSplit> {
  const { pairs, source } = await loadPreferences(path);
  return { source, pairs };
}

/** A split's pairs as ids, with what encoding did to them. */
export interface EncodedSplit {
  source: string;
  pairs: EncodedPair[];
  report: PairEncodingReport;
}

/**
 * Encodes a split for the reward trainer and says what was dropped
 * (`name` prefixes the line); a split with no pair left is an error naming
 * its source.
 */
export function encodeSplit(
  name: string,
  tok: PairEncoder,
  split: PairSplit,
  options: { maxLength: number; contextLength: number; eosToken?: string },
): EncodedSplit {
  const { pairs, report } = encodePreferencePairs(tok, split.pairs, {
    trainer: "reward",
    maxLength: options.maxLength,
    contextLength: options.contextLength,
    eosToken: options.eosToken,
  });
  console.error(`[${name}] ${describePairReport(report, split.source)}`);
  if (pairs.length === 0) {
    throw new InputError(
      `${split.source}: no preference pair left to train on (${report.pairs} read, ${report.dropped} longer than ${report.maxLength} tokens)`,
    );
  }
  return { source: split.source, pairs, report };
}

/** A micro-batch: 2B rows (chosen first) and the B pairs' margins. */
export interface PairBatch {
  batch: TokenBatch;
  /** Each pair's margin (0 where it has none), or null when no pair has one. */
  margins: Float32Array | null;
}

/** The rows of `pairs` as one right-padded batch, chosen sequences first. */
export function pairBatch(
  pairs: readonly EncodedPair[],
  padId: number,
): PairBatch {
  const rows = [
    ...pairs.map((p) => [...p.promptIds, ...p.chosenIds]),
    ...pairs.map((p) => [...p.promptIds, ...p.rejectedIds]),
  ];
  const batch = padBatch(
    rows.map((ids) => ({ ids, mask: new Uint8Array(ids.length).fill(1) })),
    padId,
  );
  const margins = pairs.some((p) => p.margin !== undefined)
    ? Float32Array.from(pairs, (p) => p.margin ?? 0)
    : null;
  return { batch, margins };
}
