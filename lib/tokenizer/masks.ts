/**
 * Loss masks for supervised fine-tuning: which tokens of a rendered
 * conversation belong to the assistant.
 *
 * Semantics follow TRL's `assistant_only_loss` / `completion_only_loss`: an
 * assistant turn's content and its end-of-turn marker (`<end_of_turn>`,
 * `<|eot_id|>`, `<|im_end|>`) count; its role header, everything other
 * speakers say, and the newline a template writes after the marker do not.
 *
 * The turns are found without template-specific patterns. For assistant
 * message i, the conversation up to i-1 is rendered with the generation
 * prompt (ending just before the assistant's content), and the
 * conversation up to i without it (ending just after the turn). Both
 * renderings must be prefixes of the full rendering, as text and as token
 * ids; the ids between the two prefix lengths are the turn. Within the
 * turn, everything up to and including its last special token is trained
 * (a template without special end markers trains the whole turn). A
 * template or tokenizer that breaks the prefix property (one that rewrites
 * earlier turns, or a token merging across a turn boundary) is an error
 * naming the message and the first difference, never a silently wrong mask.
 *
 * @module
 */
import { type ChatMessage, validateMessages } from "../util/chat_message.ts";

/** Token ids with a 0/1 loss mask of the same length. */
export interface MaskedTokens {
  /**
   * Token ids. For a conversation they equal `encodeChat(messages)`; for a
   * plain-text prompt, `encode(prompt + completion)` plus EOS.
   */
  ids: number[];
  /** 1 where the loss counts, 0 elsewhere. */
  mask: number[];
  /**
   * The text behind the ids: the rendered conversation, or prompt +
   * completion (+ the EOS token's text) for a plain-text prompt, where a BOS
   * added by the tokenizer does not appear.
   */
  text: string;
}

/** What the masking needs from a tokenizer (a {@link Tokenizer} has it all). */
export interface ChatEncoder {
  /** Folder the tokenizer came from, for error messages. */
  readonly folder: string;
  /** End-of-sequence ids, the tokenizer's `eos_token` first. */
  readonly eosIds: readonly number[];
  /** Renders a conversation with the chat template. */
  applyChatTemplate(
    messages: ChatMessage[],
    options?: { addGenerationPrompt?: boolean },
  ): string;
  /** Encodes text. */
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
  /** Decodes ids (used in error messages). */
  decode(ids: readonly number[]): string;
  /** Token string of an id. */
  idToToken(id: number): string | undefined;
  /** Whether an id is a special token. */
  isSpecial(id: number): boolean;
}

/**
 * Encodes a conversation through the chat template and marks the assistant
 * turns `train(index)` accepts (index into `messages`).
 */
export function encodeConversationMasked(
  tok: ChatEncoder,
  messages: ChatMessage[],
  train: (index: number) => boolean,
): MaskedTokens {
  validateMessages(messages);
  const text = tok.applyChatTemplate(messages);
  const ids = tok.encode(text, { addSpecialTokens: false });
  const mask = new Array<number>(ids.length).fill(0);
  let settled = 0;
  messages.forEach((message, i) => {
    if (message.role !== "assistant" || !train(i)) return;
    const before = tok.applyChatTemplate(messages.slice(0, i), {
      addGenerationPrompt: true,
    });
    const through = tok.applyChatTemplate(messages.slice(0, i + 1));
    const where = `messages[${i}] (assistant)`;
    requireTextPrefix(
      tok,
      through,
      before,
      `${where}: the conversation before it plus the generation prompt`,
      "the conversation through it",
    );
    requireTextPrefix(
      tok,
      text,
      through,
      `${where}: the conversation through it`,
      "the whole conversation",
    );
    const start = tokenPrefixLength(tok, ids, before, where);
    const end = tokenPrefixLength(tok, ids, through, where);
    if (start < settled) {
      throw new Error(
        `chat template of ${tok.folder}: ${where} starts at token ${start}, ` +
          `inside the previous assistant turn (which ends at ${settled})`,
      );
    }
    let last = end - 1;
    while (last >= start && !tok.isSpecial(ids[last])) last--;
    const stop = last >= start ? last + 1 : end;
    mask.fill(1, start, stop);
    settled = end;
  });
  return { ids, mask, text };
}

/**
 * Encodes a prompt and its completion with the mask on the completion.
 *
 * - Conversational prompt (messages): the completion becomes an assistant
 *   turn after them; only that turn is trained (its content and end marker),
 *   earlier assistant turns in the prompt are not.
 * - Plain-text prompt: as TRL's SFTTrainer, `encode(prompt + completion)`
 *   with special tokens (so BOS when the tokenizer adds one), then the
 *   tokenizer's `eos_token` unless the completion already ends with it; the
 *   loss starts where the prompt's own ids end, and covers the completion
 *   and EOS. A prompt ending in whitespace ("Answer: ") is ordinary data:
 *   the tokenizer writes that space into the completion's first token
 *   (" 42"), so there the loss starts after the prompt's last non-space
 *   character (TRL would mask " 42" out with a warning). A token merging
 *   other text across the boundary ("He" + "llo") has no right answer for
 *   the loss, so it is an error (end the prompt with whitespace, or start
 *   the completion with it).
 */
export function encodePromptCompletion(
  tok: ChatEncoder,
  prompt: ChatMessage[] | string,
  completion: string,
): MaskedTokens {
  if (typeof completion !== "string") {
    throw new Error(`completion must be a string, got ${typeof completion}`);
  }
  if (typeof prompt !== "string") {
    validateMessages(prompt, "prompt");
    const messages: ChatMessage[] = [...prompt, {
      role: "assistant",
      content: completion,
    }];
    return encodeConversationMasked(tok, messages, (i) => i === prompt.length);
  }
  const ids = tok.encode(prompt + completion);
  const promptIds = promptPrefixIds(tok, prompt, ids);
  let text = prompt + completion;
  const eos = tok.eosIds[0];
  if (ids.length === promptIds.length || ids[ids.length - 1] !== eos) {
    ids.push(eos);
    text += tok.idToToken(eos) ?? "";
  }
  const mask = ids.map((_, i) => (i < promptIds.length ? 0 : 1));
  return { ids, mask, text };
}

/**
 * The ids of `prompt` that begin `ids` (the ids of prompt + completion):
 * the prompt's own, or those of the prompt without its trailing whitespace
 * when that whitespace merged into the completion's first token.
 */
function promptPrefixIds(
  tok: ChatEncoder,
  prompt: string,
  ids: number[],
): number[] {
  const promptIds = tok.encode(prompt);
  const trimmed = prompt.trimEnd();
  if (!isPrefix(promptIds, ids) && trimmed !== prompt && trimmed !== "") {
    const trimmedIds = tok.encode(trimmed);
    if (isPrefix(trimmedIds, ids)) return trimmedIds;
  }
  requireIdPrefix(
    tok,
    ids,
    promptIds,
    "plain-text prompt/completion",
    "the prompt",
  );
  return promptIds;
}

function isPrefix(prefix: readonly number[], ids: readonly number[]): boolean {
  return prefix.length <= ids.length && prefix.every((id, i) => id === ids[i]);
}

function requireTextPrefix(
  tok: ChatEncoder,
  whole: string,
  prefix: string,
  prefixName: string,
  wholeName: string,
): void {
  if (whole.startsWith(prefix)) return;
  let k = 0;
  while (k < prefix.length && prefix[k] === whole[k]) k++;
  const around = (s: string) =>
    JSON.stringify(s.slice(Math.max(0, k - 30), k + 30));
  throw new Error(
    `chat template of ${tok.folder} is not prefix-stable, so assistant tokens ` +
      `cannot be located: ${prefixName} is not a prefix of ${wholeName}; ` +
      `they differ at character ${k}: ${around(prefix)} vs ${around(whole)}`,
  );
}

function tokenPrefixLength(
  tok: ChatEncoder,
  ids: number[],
  prefixText: string,
  where: string,
): number {
  const prefixIds = tok.encode(prefixText, { addSpecialTokens: false });
  requireIdPrefix(tok, ids, prefixIds, where, "a rendered prefix");
  return prefixIds.length;
}

function requireIdPrefix(
  tok: ChatEncoder,
  ids: number[],
  prefixIds: number[],
  where: string,
  prefixName: string,
): void {
  let k = 0;
  while (k < prefixIds.length && prefixIds[k] === ids[k]) k++;
  if (k === prefixIds.length) return;
  const show = (list: number[]) =>
    JSON.stringify(tok.decode(list.slice(k, k + 3))) +
    ` (ids ${list.slice(k, k + 3).join(", ")})`;
  throw new Error(
    `tokenizer in ${tok.folder}, ${where}: the ids of ${prefixName} are not a ` +
      `prefix of the ids of the whole text (a token merges across the boundary); ` +
      `at token ${k} the prefix has ${show(prefixIds)} but the whole has ${
        show(ids)
      }`,
  );
}
