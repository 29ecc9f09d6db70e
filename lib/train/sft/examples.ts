/**
 * SFT examples: dataset rows in the formats TRL's SFTTrainer accepts, turned
 * into token ids with a loss mask.
 *
 * - conversational: `{conversations: [{role, content}, …]}` (gemma_haiku
 *   format) or `{messages: […]}`; the loss covers assistant turns only
 *   (TRL's `assistant_only_loss`);
 * - prompt/completion: `{prompt, completion}`, the prompt a string or a list
 *   of messages; the loss covers the completion only (`completion_only_loss`).
 *
 * @module
 */
import {
  type ChatEncoder,
  type ChatMessage,
  encodeConversationMasked,
  encodePromptCompletion,
  type MaskedTokens,
  validateMessages,
} from "../../tokenizer/mod.ts";
import { type Row, rowLocation } from "../../data/rows.ts";
import { errorKind, InputError } from "../../util/errors.ts";

/**
 * One training example before tokenisation; `where` names its file and
 * line (or row) for errors found when it is tokenised.
 */
export type SftExample =
  & { where?: string }
  & (
    | { kind: "conversation"; messages: ChatMessage[] }
    | {
      kind: "prompt-completion";
      prompt: string | ChatMessage[];
      completion: string;
    }
  );

/**
 * Reads SFT examples from rows; an unusable row is an error naming `source`,
 * the row (its file line when the reader recorded one) and the field.
 */
export function parseSftRows(
  rows: readonly unknown[],
  source: string,
): SftExample[] {
  return rows.map((row, i) => {
    const where = `${source} ${rowLocation(row as Row, i)}`;
    if (typeof row !== "object" || row === null || Array.isArray(row)) {
      throw new Error(
        `${where}: expected an object, got ${JSON.stringify(row)}`,
      );
    }
    const r = row as Record<string, unknown>;
    for (const field of ["conversations", "messages"]) {
      if (r[field] === undefined) continue;
      try {
        validateMessages(r[field], field);
      } catch (e) {
        throw new Error(`${where}: ${(e as Error).message}`);
      }
      const messages = r[field] as ChatMessage[];
      if (!messages.some((m) => m.role === "assistant")) {
        throw new Error(
          `${where}: field "${field}" has no assistant message to train on`,
        );
      }
      return { kind: "conversation", messages, where };
    }
    if (r.prompt !== undefined && r.completion !== undefined) {
      if (typeof r.completion !== "string") {
        throw new Error(`${where}: field "completion" must be a string`);
      }
      if (typeof r.prompt !== "string") {
        try {
          validateMessages(r.prompt, "prompt");
        } catch (e) {
          throw new Error(`${where}: ${(e as Error).message}`);
        }
      }
      return {
        kind: "prompt-completion",
        prompt: r.prompt as string | ChatMessage[],
        completion: r.completion,
        where,
      };
    }
    throw new Error(
      `${where}: expected a "conversations" or "messages" list, or "prompt" and "completion" fields; found ${
        Object.keys(r).map((k) => JSON.stringify(k)).join(", ") || "no fields"
      }`,
    );
  });
}

/** What tokenisation did to a dataset, so nothing is lost silently. */
export interface TokenizeReport {
  examples: number;
  /** Examples cut to `maxLength` tokens. */
  truncated: number;
  /** Examples dropped because no trained token survived truncation. */
  dropped: number;
  /** Trained (loss) tokens over all kept examples. */
  lossTokens: number;
}

/**
 * Tokenises examples with the tokenizer's chat template, truncating each to
 * `maxLength` tokens (TRL's right truncation).
 */
export function tokenizeExamples(
  tok: ChatEncoder,
  examples: readonly SftExample[],
  maxLength: number,
): { tokens: MaskedTokens[]; report: TokenizeReport } {
  const tokens: MaskedTokens[] = [];
  const report: TokenizeReport = {
    examples: examples.length,
    truncated: 0,
    dropped: 0,
    lossTokens: 0,
  };
  for (const [i, example] of examples.entries()) {
    const full = encodeExample(tok, example, i);
    let { ids, mask } = full;
    if (ids.length > maxLength) {
      report.truncated++;
      ids = ids.slice(0, maxLength);
      mask = mask.slice(0, maxLength);
    }
    // The first token is never a target (nothing predicts it).
    const trained = mask.slice(1).reduce((a, b) => a + b, 0);
    if (trained === 0) {
      report.dropped++;
      continue;
    }
    report.lossTokens += trained;
    tokens.push({ ids, mask, text: full.text });
  }
  return { tokens, report };
}

/** The masked tokens of one example; an error names its file and line. */
function encodeExample(
  tok: ChatEncoder,
  example: SftExample,
  index: number,
): MaskedTokens {
  try {
    return example.kind === "conversation"
      ? encodeConversationMasked(tok, example.messages, () => true)
      : encodePromptCompletion(tok, example.prompt, example.completion);
  } catch (error) {
    if (errorKind(error) !== "input") throw error;
    throw new InputError(
      `${example.where ?? `example ${index + 1}`}: ${(error as Error).message}`,
    );
  }
}
