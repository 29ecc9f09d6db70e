/**
 * DPO's data: preference pairs in any of TRL's four formats
 * (lib/data/preference.ts) from a file, folder or hub id, then token ids
 * with TRL ≥ 0.29's DPO tokenisation and keep_start truncation
 * (lib/prompt/preference.ts), with one report line per split so nothing is
 * cut or dropped silently.
 *
 * ```ts
 * const data = await loadDpoData(config);          // before the model loads: bad rows fail fast
 * const train = encodeSplit(tok, data.train, config, model.config.maxPositionEmbeddings);
 * ```
 *
 * @module
 */
import { loadPreferences, type PreferencePair } from "../../data/preference.ts";
import {
  describePairReport,
  type EncodedPair,
  encodePreferencePairs,
  type PairEncoder,
} from "../../prompt/mod.ts";
import { InputError } from "../../util/errors.ts";
import type { DpoConfig } from "./config.ts";

/** The pairs of one split and where they came from (named in messages). */
export interface DpoSplit {
  source: string;
  pairs: PreferencePair[];
}

/** What DPO trains and evaluates on. */
export interface DpoData {
  train: DpoSplit;
  /** Evaluated every `eval_steps` and at the end; null: no evaluation. */
  eval: DpoSplit | null;
}

/** Reads `train_data` (and `eval_data`) as preference pairs; a bad row names its file and line. */
export async function loadDpoData(
  config: Pick<
    DpoConfig,
    | "trainData"
    | "evalData"
    | "datasetConfig"
    | "datasetTrainSplit"
    | "datasetTestSplit"
  >,
): Promise<DpoData> {
  const load = async (source: string, split: string): Promise<DpoSplit> => {
    const loaded = await loadPreferences(source, {
      split,
      ...(config.datasetConfig ? { config: config.datasetConfig } : {}),
    });
    if (loaded.pairs.length === 0) {
      throw new InputError(`${loaded.source}: no preference pairs`);
    }
    return { source: loaded.source, pairs: loaded.pairs };
  };
  return {
    train: await load(config.trainData, config.datasetTrainSplit),
    eval: config.evalData
      ? await load(config.evalData, config.datasetTestSplit)
      : null,
  };
}

/**
 * The token ids of a split's pairs (prompt, then each completion cut to
 * `max_length` held to the model's context), with the report line on
 * stderr; a split left with no pair is an error naming it.
 */
export function encodeSplit(
  tok: PairEncoder,
  split: DpoSplit,
  config: Pick<DpoConfig, "maxLength" | "truncationMode">,
  contextLength: number,
): EncodedPair[] {
  const { pairs, report } = encodePreferencePairs(tok, split.pairs, {
    trainer: "dpo",
    maxLength: config.maxLength,
    contextLength,
    truncationMode: config.truncationMode,
  });
  console.error(`[dpo] ${describePairReport(report, split.source)}`);
  if (pairs.length === 0) {
    throw new InputError(
      `${split.source}: no pair is left to train on: every prompt alone reaches max_length (${report.maxLength} tokens); raise max_length or shorten the prompts`,
    );
  }
  return pairs;
}
