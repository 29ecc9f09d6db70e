/**
 * The JSON shapes of vLLM's OpenAI-compatible answers: completions
 * (`text_completion`), chat completions (`chat.completion`), their
 * streamed chunks, log-probs in each API's format, usage, and the token
 * ids `return_token_ids` adds (`prompt_token_ids`, per-choice `token_ids`).
 *
 * @module
 */
import type { Tokenizer } from "../tokenizer/mod.ts";
import type { Choice, TokenLogprob } from "./choice.ts";

/** What every answer of one request shares. */
export interface AnswerHead {
  id: string;
  created: number;
  /** The served name the request asked for. */
  model: string;
}

/** A fresh head: `prefix` is "cmpl" or "chatcmpl". */
export function answerHead(prefix: string, model: string): AnswerHead {
  return {
    id: `${prefix}-${crypto.randomUUID().replaceAll("-", "")}`,
    created: Math.floor(Date.now() / 1000),
    model,
  };
}

/** The text of one token as the log-probs show it (special tokens: ""). */
function tokenText(tokenizer: Tokenizer, id: number): string {
  return tokenizer.decode([id], { skipSpecialTokens: true });
}

/**
 * Completions log-probs: `tokens`, `token_logprobs`, `top_logprobs` (the
 * chosen token and the top alternatives by token text) and `text_offset`
 * (each token's start, counting the token texts before it, as vLLM does).
 */
export function completionLogprobs(
  tokenizer: Tokenizer,
  logprobs: readonly TokenLogprob[],
  startOffset = 0,
): Record<string, unknown> {
  const tokens = logprobs.map((l) => tokenText(tokenizer, l.id));
  const offsets: number[] = [];
  let offset = startOffset;
  for (const token of tokens) {
    offsets.push(offset);
    offset += token.length;
  }
  return {
    text_offset: offsets,
    token_logprobs: logprobs.map((l) => l.logprob),
    tokens,
    top_logprobs: logprobs.map((l, i) =>
      Object.fromEntries([
        [tokens[i], l.logprob],
        ...l.top.map(([id, lp]) => [tokenText(tokenizer, id), lp]),
      ])
    ),
  };
}

/** Chat log-probs: `content[]` of `{token, logprob, bytes, top_logprobs}`. */
export function chatLogprobs(
  tokenizer: Tokenizer,
  logprobs: readonly TokenLogprob[],
): Record<string, unknown> {
  const entry = (id: number, logprob: number) => {
    const token = tokenText(tokenizer, id);
    return {
      token,
      logprob,
      bytes: [...new TextEncoder().encode(token)],
    };
  };
  return {
    content: logprobs.map((l) => ({
      ...entry(l.id, l.logprob),
      top_logprobs: l.top.map(([id, lp]) => entry(id, lp)),
    })),
  };
}

/** `usage` of a request: prompts counted once each, every choice's tokens. */
export function usage(
  prompts: readonly number[][],
  choices: readonly Choice[],
): Record<string, number> {
  const prompt = prompts.reduce((n, p) => n + p.length, 0);
  const completion = choices.reduce((n, c) => n + c.tokens.length, 0);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  };
}

/** Options of the answers of one request. */
export interface AnswerOptions {
  /** Log-probs requested. */
  logprobs: boolean;
  returnTokenIds: boolean;
}

/** A whole `/v1/completions` answer; choice i belongs to prompt ⌊i / n⌋. */
export function completionBody(
  head: AnswerHead,
  tokenizer: Tokenizer,
  prompts: readonly number[][],
  choices: readonly Choice[],
  n: number,
  options: AnswerOptions,
): Record<string, unknown> {
  return {
    id: head.id,
    object: "text_completion",
    created: head.created,
    model: head.model,
    choices: choices.map((c, i) => ({
      index: i,
      text: c.text,
      logprobs: options.logprobs
        ? completionLogprobs(tokenizer, c.logprobs)
        : null,
      finish_reason: c.finishReason,
      stop_reason: c.stopReason,
      prompt_logprobs: null,
      ...(options.returnTokenIds
        ? { prompt_token_ids: prompts[Math.floor(i / n)], token_ids: c.tokens }
        : {}),
    })),
    usage: usage(prompts, choices),
  };
}

/** A whole `/v1/chat/completions` answer. */
export function chatBody(
  head: AnswerHead,
  tokenizer: Tokenizer,
  prompt: number[],
  choices: readonly Choice[],
  options: AnswerOptions,
): Record<string, unknown> {
  return {
    id: head.id,
    object: "chat.completion",
    created: head.created,
    model: head.model,
    choices: choices.map((c, i) => ({
      index: i,
      message: { role: "assistant", content: c.text },
      logprobs: options.logprobs ? chatLogprobs(tokenizer, c.logprobs) : null,
      finish_reason: c.finishReason,
      stop_reason: c.stopReason,
      ...(options.returnTokenIds ? { token_ids: c.tokens } : {}),
    })),
    usage: usage([prompt], choices),
    ...(options.returnTokenIds ? { prompt_token_ids: prompt } : {}),
  };
}
