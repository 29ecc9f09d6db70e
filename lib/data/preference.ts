/**
 * Preference pairs — a prompt, a chosen and a rejected completion — from
 * rows in the formats TRL's DPOTrainer and RewardTrainer read, each
 * normalised to one typed {@link PreferencePair}:
 *
 * | format | row | pair |
 * | --- | --- | --- |
 * | `standard` | `{prompt, chosen, rejected}`, strings | text |
 * | `conversational` | the same, message lists; chosen/rejected hold the assistant turn | messages |
 * | `implicit` | `{chosen, rejected}` only, strings or message lists; the prompt is their common start (TRL's `extract_prompt`, implicit_prompt.ts) | text or messages |
 * | `hh` | `{chosen, rejected}` Anthropic HH dialogue strings (hh_dialogue.ts) | messages |
 *
 * plus an optional numeric `margin` column (RewardTrainer's). Other columns
 * stay in the pair's `row`.
 *
 * ```ts
 * const { pairs } = await loadPreferences("Anthropic/hh-rlhf", { config: "harmless-base", split: "test" });
 * pairs[0].prompt;  // [{ role: "user", content: "…" }, …] — every turn before the last Assistant
 * pairs[0].chosen;  // [{ role: "assistant", content: "…" }]
 * ```
 *
 * With format "auto" (the default) each row is read by its own shape: a
 * `prompt` column makes it standard or conversational (by the type of
 * chosen); without one, strings that start with a `Human:` turn are HH
 * dialogues, other strings and message lists implicit. A bad row is an
 * {@link InputError} of one line naming the file, the line and the field,
 * e.g. `data/x.jsonl line 4: field "chosen" is missing (columns: prompt,
 * rejected)`; with `onBadRow: "skip"` such rows are left out and their
 * messages returned, for large hub sets with a few broken rows.
 *
 * @module
 */
import { type ChatMessage, validateMessages } from "../util/chat_message.ts";
import { InputError } from "../util/errors.ts";
import { hhPair, isHhDialogue } from "./hh_dialogue.ts";
import {
  loadDataset,
  type LoadDatasetOptions,
  type LoadedDataset,
} from "./hub.ts";
import { extractPrompt } from "./implicit_prompt.ts";
import { describeType, isPlainObject, type Row, rowLocation } from "./rows.ts";

/** How a row held its pair (see the module doc's table). */
export type PreferenceFormat =
  | "standard"
  | "conversational"
  | "implicit"
  | "hh";

/** The preference formats, for option parsing. */
export const PREFERENCE_FORMATS: readonly PreferenceFormat[] = [
  "standard",
  "conversational",
  "implicit",
  "hh",
];

interface PairBase {
  /** The row's format. */
  format: PreferenceFormat;
  /** The `margin` column (RewardTrainer: the loss is −log σ(r⁺ − r⁻ − margin)). */
  margin?: number;
  /** `"<source> <line or row>"`, for errors found later (tokenisation). */
  where: string;
  /** The row as read, for columns beyond the pair. */
  row: Row;
}

/** A pair of plain text: standard rows and implicit string rows. */
export interface TextPreferencePair extends PairBase {
  conversational: false;
  prompt: string;
  chosen: string;
  rejected: string;
}

/**
 * A pair of conversations: the prompt ends with a user turn; chosen and
 * rejected are one or more assistant turns that follow it.
 */
export interface ChatPreferencePair extends PairBase {
  conversational: true;
  prompt: ChatMessage[];
  chosen: ChatMessage[];
  rejected: ChatMessage[];
}

/** One preference pair, whatever format its row had. */
export type PreferencePair = TextPreferencePair | ChatPreferencePair;

/** Options of {@link preferencePairs} and {@link loadPreferences}. */
export interface PreferenceOptions {
  /** Read every row as this format; "auto" (default) decides per row. */
  format?: "auto" | PreferenceFormat;
  /** "error" (default): the first bad row throws; "skip": it is left out and its message kept. */
  onBadRow?: "error" | "skip";
}

/** The pairs read, and the rows left out with `onBadRow: "skip"`. */
export interface PreferenceData {
  pairs: PreferencePair[];
  /** One error line per skipped row (empty unless `onBadRow: "skip"`). */
  skipped: string[];
}

/**
 * Reads the pair of every row; `source` names the data in errors (a file
 * path). See the module doc for the formats and errors.
 */
export function preferencePairs(
  rows: readonly Row[],
  source: string,
  options: PreferenceOptions = {},
): PreferenceData {
  const format = options.format ?? "auto";
  if (format !== "auto" && !PREFERENCE_FORMATS.includes(format)) {
    throw new InputError(
      `unknown preference format ${JSON.stringify(format)} (use auto, ${
        PREFERENCE_FORMATS.join(", ")
      })`,
    );
  }
  const pairs: PreferencePair[] = [];
  const skipped: string[] = [];
  rows.forEach((row, index) => {
    try {
      pairs.push(preferencePair(row, source, index, format));
    } catch (error) {
      if (options.onBadRow !== "skip" || !(error instanceof InputError)) {
        throw error;
      }
      skipped.push(error.message);
    }
  });
  return { pairs, skipped };
}

/** The pair of one row; `index` counts from 0. Throws an {@link InputError}. */
export function preferencePair(
  row: Row,
  source: string,
  index: number,
  format: "auto" | PreferenceFormat = "auto",
): PreferencePair {
  const where = `${source} ${rowLocation(row, index)}`;
  try {
    return { ...readPair(row, format), ...readMargin(row), where, row };
  } catch (error) {
    throw new InputError(`${where}: ${(error as Error).message}`);
  }
}

/** What {@link loadPreferences} returns. */
export interface LoadedPreferences extends PreferenceData {
  /** Where the rows came from (the rows themselves are in the pairs). */
  dataset: Omit<LoadedDataset, "rows">;
  /** The name errors use: the file read, or `source` when several were. */
  source: string;
}

/**
 * Loads one split of a preference dataset — a file, a folder or a hub id,
 * through {@link loadDataset} (so `.jsonl.gz`, configs as folders and split
 * slices work as there) — and reads its pairs.
 */
export async function loadPreferences(
  source: string,
  options: LoadDatasetOptions & PreferenceOptions = {},
): Promise<LoadedPreferences> {
  const { rows, ...dataset } = await loadDataset(source, options);
  const name = dataset.files.length === 1 ? dataset.files[0] : source;
  return { ...preferencePairs(rows, name, options), dataset, source: name };
}

type Pair =
  | Omit<TextPreferencePair, keyof Omit<PairBase, "format">>
  | Omit<ChatPreferencePair, keyof Omit<PairBase, "format">>;

function readPair(row: Row, format: "auto" | PreferenceFormat): Pair {
  if (!isPlainObject(row)) {
    throw new Error(`expected an object, got ${describeType(row)}`);
  }
  const chosen = readSide(row, "chosen");
  const rejected = readSide(row, "rejected");
  if (typeof chosen !== typeof rejected) {
    throw new Error(
      `field "rejected" is ${kindOf(rejected)} but "chosen" is ${
        kindOf(chosen)
      }: both must be text or both message lists`,
    );
  }
  if (JSON.stringify(chosen) === JSON.stringify(rejected)) throw identical("");
  const hasPrompt = row.prompt !== undefined && row.prompt !== null;
  let pair: Pair;
  const wanted = format !== "auto"
    ? format
    : hasPrompt
    ? (typeof chosen === "string" ? "standard" : "conversational")
    : typeof chosen === "string" && isHhDialogue(chosen) &&
        isHhDialogue(rejected as string)
    ? "hh"
    : "implicit";
  if (wanted === "standard" || wanted === "conversational") {
    pair = explicitPair(row, wanted, chosen, rejected);
  } else if (wanted === "hh") {
    if (typeof chosen !== "string") {
      throw new Error(
        `field "chosen" is a message list, but format "hh" reads dialogue strings`,
      );
    }
    const split = hhPair(chosen, rejected as string);
    pair = { format: "hh", conversational: true, ...split };
  } else {
    pair = implicitPair(chosen, rejected);
  }
  // HH dialogues may differ only in whitespace before their first turn.
  if (JSON.stringify(pair.chosen) === JSON.stringify(pair.rejected)) {
    throw identical(" once parsed");
  }
  return pair;
}

function identical(how: string): Error {
  return new Error(
    `fields "chosen" and "rejected" are identical${how}: a preference pair must differ`,
  );
}

function explicitPair(
  row: Row,
  format: "standard" | "conversational",
  chosen: string | ChatMessage[],
  rejected: string | ChatMessage[],
): Pair {
  if (row.prompt === undefined || row.prompt === null) {
    throw new Error(
      `field "prompt" is missing (format "${format}"; columns: ${
        Object.keys(row).join(", ")
      })`,
    );
  }
  const prompt = readSide(row, "prompt");
  if (kindOf(prompt) !== kindOf(chosen)) {
    throw new Error(
      `field "prompt" is ${kindOf(prompt)} but "chosen" is ${
        kindOf(chosen)
      }: give all three as text or all as message lists (or drop "prompt" to take the common start of chosen and rejected as the prompt)`,
    );
  }
  const want = format === "standard" ? "text" : "a message list";
  if (kindOf(prompt) !== want) {
    throw new Error(
      `field "prompt" is ${
        kindOf(prompt)
      }, but format "${format}" needs ${want}`,
    );
  }
  if (typeof prompt === "string") {
    return {
      format,
      conversational: false,
      prompt,
      chosen: chosen as string,
      rejected: rejected as string,
    };
  }
  const messages = { prompt, chosen, rejected } as Record<
    "prompt" | "chosen" | "rejected",
    ChatMessage[]
  >;
  checkTurns(messages, "");
  return { format, conversational: true, ...messages };
}

function implicitPair(
  chosen: string | ChatMessage[],
  rejected: string | ChatMessage[],
): Pair {
  const none =
    `fields "chosen" and "rejected" share no common start, so there is no implicit prompt: add a "prompt" field`;
  if (typeof chosen === "string") {
    const split = extractPrompt(chosen, rejected as string);
    if (split.prompt === "") throw new Error(none);
    return { format: "implicit", conversational: false, ...split };
  }
  const split = extractPrompt(chosen, rejected as ChatMessage[]);
  if (split.prompt.length === 0) throw new Error(none);
  checkTurns(
    split,
    ` (the common start of chosen and rejected is their first ${split.prompt.length} message(s), so chosen and rejected continue from message ${split.prompt.length})`,
  );
  return { format: "implicit", conversational: true, ...split };
}

/** A conversational pair's shape: a prompt ending in a user turn, then assistant turns. */
function checkTurns(
  pair: Record<"prompt" | "chosen" | "rejected", ChatMessage[]>,
  hint: string,
): void {
  const last = pair.prompt.at(-1)!;
  if (last.role !== "user") {
    throw new Error(
      `field "prompt" must end with a user turn (chosen and rejected answer it), got role "${last.role}" at prompt[${
        pair.prompt.length - 1
      }]${hint}`,
    );
  }
  for (const side of ["chosen", "rejected"] as const) {
    const i = pair[side].findIndex((m) => m.role !== "assistant");
    if (i >= 0) {
      throw new Error(
        `field "${side}" must hold only assistant turns (the reply to the prompt), but ${side}[${i}] has role "${
          pair[side][i].role
        }"${hint}`,
      );
    }
  }
}

/** `row[name]` as text or a validated, non-empty message list. */
function readSide(row: Row, name: string): string | ChatMessage[] {
  const value = row[name];
  if (value === undefined || value === null) {
    throw new Error(
      `field "${name}" is missing (columns: ${
        Object.keys(row).join(", ") || "none"
      })`,
    );
  }
  if (typeof value === "string") return value;
  if (!Array.isArray(value)) {
    throw new Error(
      `field "${name}" must be a string or a list of {role, content} messages, got ${
        describeValue(value)
      }`,
    );
  }
  if (value.length === 0) {
    throw new Error(`field "${name}" is an empty message list`);
  }
  try {
    validateMessages(value, name);
  } catch (error) {
    // "chosen[1].role must be …" → `field "chosen[1].role" must be …`
    const m = /^(\S+) ([^]*)$/.exec((error as Error).message)!;
    throw new Error(`field "${m[1]}" ${m[2]}`);
  }
  return value.map((m) => ({ role: m.role, content: m.content }));
}

function readMargin(row: Row): { margin?: number } {
  const value = row.margin;
  if (value === undefined || value === null) return {};
  // CSV cells are strings; a blank one is no margin.
  if (typeof value === "string" && value.trim() === "") return {};
  const n = typeof value === "string" ? Number(value.trim()) : value;
  if (typeof n !== "number" || !Number.isFinite(n)) {
    throw new Error(
      `field "margin" must be a number, got ${describeValue(value)}`,
    );
  }
  return { margin: n };
}

function kindOf(value: string | ChatMessage[]): string {
  return typeof value === "string" ? "text" : "a message list";
}

function describeValue(value: unknown): string {
  if (typeof value === "string") {
    return `string ${
      JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
    }`;
  }
  if (typeof value === "number" || typeof value === "boolean") {
    return `${typeof value} ${value}`;
  }
  return describeType(value);
}
