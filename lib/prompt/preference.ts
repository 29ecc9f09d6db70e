/**
 * Preference pairs → token ids, TRL's way, for the DPO trainer and the
 * reward-model trainer alike:
 *
 * ```ts
 * const { pairs, report } = encodePreferencePairs(tok, data.pairs, {
 *   trainer: "dpo", maxLength: 1024, contextLength: model.config.maxPositionEmbeddings,
 * });
 * // pairs[i]: promptIds, chosenIds, rejectedIds (completion ids only), chosenTruncated, …
 * console.error(`[dpo] ${describePairReport(report, source)}`);
 * ```
 *
 * Both trainers see the sequences promptIds + chosenIds and promptIds +
 * rejectedIds, each tokenised whole as scoring.ts describes (text rows get
 * the `eos_token` string appended unless present; conversations go through
 * the chat template). Then, per trainer:
 *
 * - **dpo** (DPOTrainer ≥ 0.29): the prompt is tokenised alone (a
 *   conversation with the generation prompt) and the completion is the
 *   sequence minus its first len(prompt ids) ids. TRL only warns when the
 *   prompt's ids are not a prefix of the sequence's and then cuts at the
 *   wrong place; here a conversation whose template breaks the prefix is
 *   an error naming the row and side (as SFT's masks), and a text prompt
 *   whose last token merges into the completion's first (a prompt ending
 *   in a space, or an implicit prompt cut mid-word: "It is bl|ue.") keeps
 *   the ids it shares with both sequences, the rest starting the
 *   completions — counted in the report, never misaligned. With
 *   `max_length` (truncation_mode keep_start, TRL's default): a pair whose
 *   prompt alone reaches max_length is dropped; otherwise each completion
 *   is cut to max_length − len(prompt ids), its EOS possibly lost.
 * - **reward** (RewardTrainer): only whole sequences matter; a pair with
 *   either sequence longer than max_length is dropped, never cut (the
 *   score sits on the last token). promptIds is the start the two
 *   sequences share.
 *
 * `contextLength` (the model's max_position_embeddings) caps max_length,
 * with a note in the report.
 *
 * @module
 */
import type { PreferencePair } from "../data/preference.ts";
import { errorKind, InputError } from "../util/errors.ts";
import {
  eosTokenOf,
  lengthLimit,
  type PairEncoder,
  promptSequenceIds,
  type SequenceIds,
  sequenceIds,
} from "./scoring.ts";

/** Whose semantics: TRL's DPOTrainer or RewardTrainer. */
export type PreferenceTrainer = "dpo" | "reward";

/** Options of {@link encodePreferencePairs}. */
export interface PairEncodingOptions {
  trainer: PreferenceTrainer;
  /** TRL's `max_length` (1024 by default in both configs); null: no limit. */
  maxLength: number | null;
  /** The model's `max_position_embeddings`; caps max_length (see the module doc). */
  contextLength?: number;
  /**
   * DPO's `truncation_mode`: only "keep_start" (TRL's default; "keep_end" is
   * deprecated there and would cut the shared prompt differently per side).
   */
  truncationMode?: string;
  /** The string appended to text completions; default the tokenizer's eos_token. */
  eosToken?: string;
}

/** A pair's ids: the shared prompt, then each completion. */
export interface EncodedPair {
  promptIds: number[];
  /** Completion ids after promptIds (dpo: cut by keep_start truncation). */
  chosenIds: number[];
  rejectedIds: number[];
  /** Whether truncation cut the chosen completion (dpo only). */
  chosenTruncated: boolean;
  rejectedTruncated: boolean;
  /**
   * dpo, text rows: how many of the prompt's own trailing ids were merged
   * into the completions' first token (0 normally).
   */
  promptTokensMoved: number;
  /** The row's `margin` (reward). */
  margin?: number;
  pair: PreferencePair;
}

/** Why a pair was left out. */
export type DropReason = "prompt_too_long" | "too_long";

/** A pair left out, with its lengths in tokens. */
export interface DroppedPair {
  /** prompt_too_long (dpo): the prompt alone reaches max_length; too_long (reward): a sequence is past it. */
  dropped: DropReason;
  pair: PreferencePair;
  promptLength: number;
  chosenLength: number;
  rejectedLength: number;
}

/** What encoding did to a dataset, so nothing is lost silently. */
export interface PairEncodingReport {
  trainer: PreferenceTrainer;
  /** Pairs given. */
  pairs: number;
  kept: number;
  /** Kept pairs with a completion cut to fit max_length (dpo). */
  truncated: number;
  /** Pairs left out (see {@link DroppedPair}). */
  dropped: number;
  /** Kept pairs with {@link EncodedPair.promptTokensMoved} > 0. */
  boundaryMerged: number;
  /** The limit applied (max_length held to the context). */
  maxLength: number | null;
  /** Why the limit differs from max_length, if it does. */
  notes: string[];
}

/** Encodes every pair; see the module doc. */
export function encodePreferencePairs(
  tok: PairEncoder,
  pairs: readonly PreferencePair[],
  options: PairEncodingOptions,
): {
  pairs: EncodedPair[];
  dropped: DroppedPair[];
  report: PairEncodingReport;
} {
  const limit = lengthLimit(options.maxLength, options.contextLength);
  const kept: EncodedPair[] = [];
  const dropped: DroppedPair[] = [];
  for (const pair of pairs) {
    const out = encodePreferencePair(tok, pair, options);
    if ("dropped" in out) dropped.push(out);
    else kept.push(out);
  }
  return {
    pairs: kept,
    dropped,
    report: {
      trainer: options.trainer,
      pairs: pairs.length,
      kept: kept.length,
      truncated: kept.filter((p) => p.chosenTruncated || p.rejectedTruncated)
        .length,
      dropped: dropped.length,
      boundaryMerged: kept.filter((p) => p.promptTokensMoved > 0).length,
      maxLength: limit.maxLength,
      notes: limit.note ? [limit.note] : [],
    },
  };
}

/** Encodes one pair; a tokenisation problem is an error naming its row. */
export function encodePreferencePair(
  tok: PairEncoder,
  pair: PreferencePair,
  options: PairEncodingOptions,
): EncodedPair | DroppedPair {
  const mode = options.truncationMode ?? "keep_start";
  if (mode !== "keep_start") {
    throw new InputError(
      `truncation_mode ${
        JSON.stringify(mode)
      } is not supported: use "keep_start" (TRL's default; keep_end is deprecated in TRL)`,
    );
  }
  if (options.trainer !== "dpo" && options.trainer !== "reward") {
    throw new Error(
      `unknown preference trainer ${JSON.stringify(options.trainer)}`,
    );
  }
  const { maxLength } = lengthLimit(options.maxLength, options.contextLength);
  const eos = eosTokenOf(tok, options.eosToken);
  try {
    const chosen = sequenceIds(tok, pair.prompt, pair.chosen, eos);
    const rejected = sequenceIds(tok, pair.prompt, pair.rejected, eos);
    if (options.trainer === "reward") {
      const cut = sharedLength(chosen.ids, rejected.ids);
      const lengths = {
        promptLength: cut,
        chosenLength: chosen.ids.length,
        rejectedLength: rejected.ids.length,
      };
      if (
        maxLength !== null &&
        Math.max(chosen.ids.length, rejected.ids.length) > maxLength
      ) {
        return { dropped: "too_long", pair, ...lengths };
      }
      return encoded(pair, chosen.ids, rejected.ids, cut, 0, null);
    }
    const prompt = promptSequenceIds(tok, pair.prompt);
    const cut = dpoCut(tok, pair, prompt, chosen, rejected);
    if (maxLength !== null && cut >= maxLength) {
      return {
        dropped: "prompt_too_long",
        pair,
        promptLength: cut,
        chosenLength: chosen.ids.length,
        rejectedLength: rejected.ids.length,
      };
    }
    return encoded(
      pair,
      chosen.ids,
      rejected.ids,
      cut,
      prompt.ids.length - cut,
      maxLength,
    );
  } catch (error) {
    if (errorKind(error) !== "input") throw error;
    throw new InputError(`${pair.where}: ${(error as Error).message}`);
  }
}

/** One line for the trainers' logs: what was kept, cut and dropped, and why. */
export function describePairReport(
  report: PairEncodingReport,
  source: string,
): string {
  const limit = report.maxLength === null
    ? "no limit"
    : `${report.maxLength} tokens`;
  const parts = [`${report.kept} of ${report.pairs} pairs kept (${limit})`];
  if (report.truncated > 0) {
    parts.push(
      `${report.truncated} with a completion cut to fit (keep_start)`,
    );
  }
  if (report.dropped > 0) {
    parts.push(
      report.trainer === "dpo"
        ? `${report.dropped} dropped: the prompt alone reaches the limit`
        : `${report.dropped} dropped: a side is longer than the limit`,
    );
  }
  if (report.boundaryMerged > 0) {
    parts.push(
      `${report.boundaryMerged} with the prompt's last token merged into the completion's first (the completion starts at the last shared token)`,
    );
  }
  return `${source}: ${[...parts, ...report.notes].join("; ")}`;
}

function encoded(
  pair: PreferencePair,
  chosen: number[],
  rejected: number[],
  cut: number,
  moved: number,
  maxLength: number | null,
): EncodedPair {
  const room = maxLength === null ? Infinity : maxLength - cut;
  return {
    promptIds: chosen.slice(0, cut),
    chosenIds: chosen.slice(cut, cut + room),
    rejectedIds: rejected.slice(cut, cut + room),
    chosenTruncated: chosen.length - cut > room,
    rejectedTruncated: rejected.length - cut > room,
    promptTokensMoved: moved,
    ...(pair.margin !== undefined ? { margin: pair.margin } : {}),
    pair,
  };
}

/**
 * Where DPO's completions start: the prompt's length when its ids begin
 * both sequences; for a text prompt whose last token merged across the
 * boundary, the ids all three share (see the module doc).
 */
function dpoCut(
  tok: PairEncoder,
  pair: PreferencePair,
  prompt: SequenceIds,
  chosen: SequenceIds,
  rejected: SequenceIds,
): number {
  if (pair.conversational) {
    for (
      const [side, whole] of [["chosen", chosen], [
        "rejected",
        rejected,
      ]] as const
    ) {
      requirePrefix(tok, prompt, whole, side);
    }
    return prompt.ids.length;
  }
  const cut = Math.min(
    sharedLength(prompt.ids, chosen.ids),
    sharedLength(prompt.ids, rejected.ids),
  );
  if (cut === 0) {
    throw new InputError(
      `no prompt token is left to condition on: the prompt's first token ${
        prompt.ids.length
          ? "merges into the completion's"
          : "does not exist (an empty prompt, and the tokenizer adds no BOS)"
      }`,
    );
  }
  return cut;
}

/** A conversation's prompt rendering must begin the whole, as text and as ids. */
function requirePrefix(
  tok: PairEncoder,
  prompt: SequenceIds,
  whole: SequenceIds,
  side: "chosen" | "rejected",
): void {
  if (!whole.text.startsWith(prompt.text)) {
    const k = sharedLength([...prompt.text], [...whole.text]);
    throw new InputError(
      `field "${side}": the chat template of ${tok.folder} renders the prompt (with the generation prompt) differently from the start of prompt + ${side}, so the completion cannot be cut from it; at character ${k} the prompt has ${
        JSON.stringify([...prompt.text].slice(k, k + 20).join(""))
      } but prompt + ${side} has ${
        JSON.stringify([...whole.text].slice(k, k + 20).join(""))
      }`,
    );
  }
  const k = sharedLength(prompt.ids, whole.ids);
  if (k === prompt.ids.length) return;
  const show = (ids: number[]) =>
    `${JSON.stringify(tok.decode(ids.slice(k, k + 3)))} (ids ${
      ids.slice(k, k + 3).join(", ")
    })`;
  throw new InputError(
    `field "${side}": the ids of the rendered prompt are not a prefix of the ids of prompt + ${side} (a token merges across the boundary); at token ${k} the prompt has ${
      show(prompt.ids)
    } but prompt + ${side} has ${show(whole.ids)}`,
  );
}

/** Length of the common start of two lists. */
function sharedLength<T>(a: readonly T[], b: readonly T[]): number {
  let k = 0;
  while (k < a.length && k < b.length && a[k] === b[k]) k++;
  return k;
}
