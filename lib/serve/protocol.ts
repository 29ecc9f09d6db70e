/**
 * The OpenAI-compatible requests as vLLM reads them, checked into typed
 * values: `/v1/completions` ({@link parseCompletionRequest}) and
 * `/v1/chat/completions` ({@link parseChatRequest}). A wrong value is a 400
 * naming the field; unknown fields are ignored (vLLM's `extra="allow"`);
 * a known vLLM field this server does not implement is refused when it asks
 * for anything but its default, rather than silently ignored. What depends
 * on the model (token ids in range, prompts within the context) is checked
 * where prompts are encoded (openai.ts).
 *
 * Defaults are vLLM's: completions `max_tokens` 16, chat
 * `max_completion_tokens` up to the context; `n` 1; sampling fields unset
 * take the server's defaults (the checkpoint's generation_config.json, else
 * temperature 1, top_p 1, top_k off, min_p 0), where `top_k` 0 and −1 both
 * mean off.
 *
 * @module
 */
import type { ChatMessage } from "../util/chat_message.ts";
import { badRequest } from "./api_error.ts";
import { Fields, typeName } from "./fields.ts";

/** vLLM's `--max-logprobs` default: the most alternatives a token may list. */
export const MAX_LOGPROBS = 20;

/** Sampling fields as the request gives them (unset: the server's default). */
export interface SamplingFields {
  temperature?: number;
  topP?: number;
  /** 0 or −1: off. */
  topK?: number;
  minP?: number;
}

/** What completions and chat completions share. */
export interface GenerationFields {
  /** The served model or adapter name; absent: the base model. */
  model?: string;
  /** Choices per prompt. */
  n: number;
  sampling: SamplingFields;
  seed?: number;
  /** Strings that end a choice; the text is cut before them. */
  stop: string[];
  stopTokenIds: number[];
  includeStopStrInOutput: boolean;
  /** Keep generating past the end-of-sequence tokens. */
  ignoreEos: boolean;
  stream: boolean;
  /** `stream_options.include_usage`. */
  includeUsage: boolean;
  /** Add `prompt_token_ids` and per-choice `token_ids` to the answer. */
  returnTokenIds: boolean;
  /** Alternatives listed per token, or null for no log-probs. */
  logprobs: number | null;
}

/** A `/v1/completions` request. */
export interface CompletionRequest extends GenerationFields {
  /** Text prompts or token-id prompts, at least one. */
  prompts: (string | number[])[];
  maxTokens: number;
  /** Encode text prompts with the tokenizer's special tokens (BOS). */
  addSpecialTokens: boolean;
}

/** A `/v1/chat/completions` request. */
export interface ChatRequest extends GenerationFields {
  messages: ChatMessage[];
  /** Undefined: up to the context limit. */
  maxTokens?: number;
  addGenerationPrompt: boolean;
}

/**
 * vLLM fields this server does not implement, each with the value that
 * means "not used"; any other value is refused.
 */
const UNSUPPORTED: Record<string, (value: unknown) => boolean> = {
  echo: (v) => v === false,
  suffix: (v) => v === "",
  best_of: (v) => v === 1,
  use_beam_search: (v) => v === false,
  presence_penalty: (v) => v === 0,
  frequency_penalty: (v) => v === 0,
  repetition_penalty: (v) => v === 1,
  length_penalty: (v) => v === 1,
  min_tokens: (v) => v === 0,
  prompt_logprobs: (v) => v === 0,
  logit_bias: (v) =>
    typeof v === "object" && v !== null && Object.keys(v).length === 0,
  allowed_token_ids: (v) => Array.isArray(v) && v.length === 0,
  bad_words: (v) => Array.isArray(v) && v.length === 0,
  skip_special_tokens: (v) => v === true,
  spaces_between_special_tokens: (v) => v === true,
  continue_final_message: (v) => v === false,
  tools: (v) => Array.isArray(v) && v.length === 0,
  response_format: (v) =>
    typeof v === "object" && v !== null &&
    (v as Record<string, unknown>).type === "text",
  guided_json: () => false,
  guided_regex: () => false,
  guided_choice: () => false,
  guided_grammar: () => false,
};

function refuseUnsupported(f: Fields): void {
  for (const [name, isDefault] of Object.entries(UNSUPPORTED)) {
    const value = f.raw(name);
    if (value !== undefined && !isDefault(value)) {
      throw badRequest(
        `${name} ${
          typeName(value)
        } is not supported by this server (leave it unset)`,
        name,
      );
    }
  }
}

function generationFields(f: Fields): Omit<GenerationFields, "logprobs"> {
  refuseUnsupported(f);
  const stream = f.boolean("stream") ?? false;
  let includeUsage = false;
  const options = f.raw("stream_options");
  if (options !== undefined) {
    if (!stream) {
      throw badRequest(
        "stream_options can only be given with stream: true",
        "stream_options",
      );
    }
    if (typeof options !== "object" || Array.isArray(options)) {
      throw f.wrong("stream_options", "an object");
    }
    includeUsage =
      new Fields(options as Record<string, unknown>, "stream_options.")
        .boolean("include_usage") ?? false;
  }
  const topK = f.integer("top_k", -1);
  return {
    model: f.string("model"),
    n: f.integer("n", 1) ?? 1,
    sampling: {
      temperature: f.number("temperature", (x) => x >= 0, "≥ 0"),
      topP: f.number("top_p", (x) => x > 0 && x <= 1, "in (0, 1]"),
      topK: topK === -1 ? 0 : topK,
      minP: f.number("min_p", (x) => x >= 0 && x < 1, "in [0, 1)"),
    },
    seed: f.integer("seed"),
    stop: (f.strings("stop") ?? []).filter((s) => s !== ""),
    stopTokenIds: f.integers("stop_token_ids", 0, Number.MAX_SAFE_INTEGER) ??
      [],
    includeStopStrInOutput: f.boolean("include_stop_str_in_output") ?? false,
    ignoreEos: f.boolean("ignore_eos") ?? false,
    stream,
    includeUsage,
    returnTokenIds: f.boolean("return_token_ids") ?? false,
  };
}

/** Checks a `/v1/completions` body. */
export function parseCompletionRequest(
  body: Record<string, unknown>,
): CompletionRequest {
  const f = new Fields(body);
  const common = generationFields(f);
  return {
    ...common,
    prompts: promptsOf(f),
    maxTokens: f.integer("max_tokens", 1) ?? 16,
    logprobs: f.integer("logprobs", 0, MAX_LOGPROBS) ?? null,
    addSpecialTokens: f.boolean("add_special_tokens") ?? true,
  };
}

/** Checks a `/v1/chat/completions` body. */
export function parseChatRequest(body: Record<string, unknown>): ChatRequest {
  const f = new Fields(body);
  const common = generationFields(f);
  if (f.boolean("add_special_tokens") === true) {
    throw badRequest(
      "add_special_tokens true is not supported for chat: the chat template writes the special tokens",
      "add_special_tokens",
    );
  }
  const logprobs = f.boolean("logprobs") ?? false;
  const top = f.integer("top_logprobs", 0, MAX_LOGPROBS);
  if (top !== undefined && top > 0 && !logprobs) {
    throw badRequest(
      "top_logprobs needs logprobs: true",
      "top_logprobs",
    );
  }
  // max_tokens is the deprecated name; the new one wins when both are given.
  const maxTokens = f.integer("max_completion_tokens", 1) ??
    f.integer("max_tokens", 1);
  return {
    ...common,
    messages: messagesOf(f),
    maxTokens,
    logprobs: logprobs ? top ?? 0 : null,
    addGenerationPrompt: f.boolean("add_generation_prompt") ?? true,
  };
}

/** `prompt`: a string, a list of strings, a token-id list, or a list of those. */
function promptsOf(f: Fields): (string | number[])[] {
  const value = f.raw("prompt");
  if (value === undefined) {
    throw badRequest("prompt is required", "prompt");
  }
  const rule =
    "a string, a list of strings, a list of token ids or a list of token-id lists";
  if (typeof value === "string") return [value];
  if (!Array.isArray(value) || value.length === 0) {
    throw f.wrong("prompt", `${rule} (not empty)`);
  }
  if (value.every((v) => typeof v === "number")) {
    if (!value.every(Number.isSafeInteger)) {
      throw f.wrong("prompt", rule);
    }
    return [value as number[]];
  }
  return value.map((item, i) => {
    if (typeof item === "string") return item;
    if (
      Array.isArray(item) && item.length > 0 &&
      item.every((v) => typeof v === "number" && Number.isSafeInteger(v))
    ) return item as number[];
    throw badRequest(
      `prompt[${i}] must be a string or a non-empty list of token ids, got ${
        typeName(item)
      }`,
      "prompt",
    );
  });
}

/** `messages`: {role, content} with string content or text parts. */
function messagesOf(f: Fields): ChatMessage[] {
  const value = f.raw("messages");
  if (value === undefined) {
    throw badRequest("messages is required", "messages");
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw f.wrong("messages", "a non-empty list of {role, content} messages");
  }
  return value.map((message, i) => {
    const where = `messages[${i}]`;
    if (typeof message !== "object" || message === null) {
      throw badRequest(
        `${where} must be a {role, content} object, got ${typeName(message)}`,
        "messages",
      );
    }
    const { role, content } = message as Record<string, unknown>;
    if (role !== "system" && role !== "user" && role !== "assistant") {
      throw badRequest(
        `${where}.role must be "system", "user" or "assistant", got ${
          typeName(role)
        }`,
        "messages",
      );
    }
    return { role, content: contentText(content, where) };
  });
}

/** A message's content: a string, or text parts joined (vLLM's "string" format). */
function contentText(content: unknown, where: string): string {
  if (typeof content === "string") return content;
  const part = (p: unknown): string | undefined => {
    const { type, text } = (p ?? {}) as Record<string, unknown>;
    return type === "text" && typeof text === "string" ? text : undefined;
  };
  if (Array.isArray(content)) {
    const texts = content.map(part);
    if (texts.every((t) => t !== undefined)) return texts.join("\n");
  }
  throw badRequest(
    `${where}.content must be a string or a list of {"type": "text", "text"} parts, got ${
      typeName(content)
    }`,
    "messages",
  );
}
