/**
 * The request and result shapes of a Gemini call, independent of the SDK:
 * a prompt (a string or chat messages) plus generation options become a
 * canonical {@link GeminiRequest}, which is both what is sent and what the
 * cache key hashes; a generateContent response becomes a
 * {@link GeminiResponse}.
 *
 * @module
 */
import { type ChatMessage, validateMessages } from "../util/chat_message.ts";

/** Generation options of one call (all optional; unset = the API default). */
export interface GenerateOptions {
  /** Model id, e.g. "gemini-2.5-flash" (default: the client's). */
  model?: string;
  temperature?: number;
  topP?: number;
  topK?: number;
  maxOutputTokens?: number;
  /** Sampling seed; the API makes a best effort to honour it. */
  seed?: number;
  stopSequences?: string[];
  /** A system prompt (alternatively a leading `system` message). */
  systemInstruction?: string;
  /**
   * Thinking tokens for thinking models (Gemini 2.5+); 0 disables thinking
   * on models that allow it. Thinking tokens count against
   * `maxOutputTokens`, so short outputs need a small or zero budget.
   */
  thinkingBudget?: number;
  /**
   * Index of an independent sample of the same request. Only the cache key
   * sees it: draws 0, 1, 2 … of one prompt are cached separately.
   */
  sample?: number;
}

/** The canonical form of a call: sent to the API and hashed for the cache. */
export interface GeminiRequest {
  model: string;
  contents: { role: "user" | "model"; text: string }[];
  systemInstruction?: string;
  generationConfig: {
    temperature?: number;
    topP?: number;
    topK?: number;
    maxOutputTokens?: number;
    seed?: number;
    stopSequences?: string[];
    thinkingBudget?: number;
  };
  sample?: number;
}

/** Token counts the API reported for a call. */
export interface GeminiUsage {
  promptTokens: number;
  outputTokens: number;
  /** Thinking tokens (thinking models only). */
  thoughtsTokens?: number;
  totalTokens: number;
}

/** What a call returned, as stored in the cache. */
export interface GeminiResponse {
  /** The text parts of the first candidate, joined ("" if it was blocked). */
  text: string;
  /** e.g. "STOP", "MAX_TOKENS", "SAFETY". */
  finishReason?: string;
  /** Set when the prompt itself was blocked (no candidate at all). */
  blockReason?: string;
  usage?: GeminiUsage;
  /** The exact model version that answered. */
  modelVersion?: string;
}

/** A chat message, re-exported for callers of the client. */
export type { ChatMessage };

/**
 * Builds the canonical request. Throws an error naming the field when an
 * option is out of range or a message is malformed.
 */
export function buildRequest(
  prompt: string | ChatMessage[],
  options: GenerateOptions,
  defaultModel: string,
): GeminiRequest {
  const model = options.model ?? defaultModel;
  if (typeof model !== "string" || !/^[\w.\-/]+$/.test(model)) {
    throw new Error(
      `Gemini model must be an id such as "gemini-2.5-flash", got ${
        JSON.stringify(model)
      }`,
    );
  }
  let systemInstruction = options.systemInstruction;
  const contents: GeminiRequest["contents"] = [];
  if (typeof prompt === "string") {
    contents.push({ role: "user", text: prompt });
  } else {
    validateMessages(prompt, "prompt");
    for (const message of prompt) {
      if (message.role !== "system") {
        const role = message.role === "assistant" ? "model" : "user";
        contents.push({ role, text: message.content });
      } else if (systemInstruction !== undefined) {
        throw new Error(
          "Gemini prompt: give one system prompt, either a single system message or options.systemInstruction",
        );
      } else systemInstruction = message.content;
    }
    if (contents.length === 0) {
      throw new Error(
        "Gemini prompt: the messages need at least one user message",
      );
    }
  }

  const config: GeminiRequest["generationConfig"] = {};
  setNumber(config, "temperature", options.temperature, 0, 2, false);
  setNumber(config, "topP", options.topP, 0, 1, false);
  setNumber(config, "topK", options.topK, 1, Infinity, true);
  setNumber(
    config,
    "maxOutputTokens",
    options.maxOutputTokens,
    1,
    Infinity,
    true,
  );
  setNumber(config, "seed", options.seed, -(2 ** 31), 2 ** 31 - 1, true);
  setNumber(config, "thinkingBudget", options.thinkingBudget, -1, 1e9, true);
  if (options.stopSequences !== undefined) {
    if (
      !Array.isArray(options.stopSequences) ||
      !options.stopSequences.every((s) => typeof s === "string")
    ) {
      throw new Error("Gemini option stopSequences must be a list of strings");
    }
    config.stopSequences = [...options.stopSequences];
  }
  const request: GeminiRequest = { model, contents, generationConfig: config };
  if (systemInstruction !== undefined) {
    request.systemInstruction = systemInstruction;
  }
  if (options.sample !== undefined) {
    if (!Number.isInteger(options.sample) || options.sample < 0) {
      throw new Error(
        `Gemini option sample must be an integer >= 0, got ${options.sample}`,
      );
    }
    request.sample = options.sample;
  }
  return request;
}

function setNumber<K extends keyof GeminiRequest["generationConfig"]>(
  config: GeminiRequest["generationConfig"],
  name: K,
  value: number | undefined,
  min: number,
  max: number,
  integer: boolean,
): void {
  if (value === undefined) return;
  const ok = typeof value === "number" && Number.isFinite(value) &&
    value >= min && value <= max && (!integer || Number.isInteger(value));
  if (!ok) {
    const range = max === Infinity ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new Error(
      `Gemini option ${name} must be ${
        integer ? "an integer" : "a number"
      } ${range}, got ${JSON.stringify(value)}`,
    );
  }
  (config as Record<string, number>)[name] = value;
}

/**
 * Reads a generateContent response body (as the SDK hands it over). Throws
 * a plain Error describing what is missing when the body is not such a
 * response; the client turns it into a "malformed" GeminiError.
 */
export function parseResponse(body: unknown): GeminiResponse {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new Error(`expected a JSON object, got ${describe(body)}`);
  }
  const { candidates, promptFeedback, usageMetadata, modelVersion } =
    body as Record<string, unknown>;
  const result: GeminiResponse = { text: "" };
  const usage = parseUsage(usageMetadata);
  if (usage) result.usage = usage;
  if (typeof modelVersion === "string") result.modelVersion = modelVersion;

  if (candidates === undefined || candidates === null) {
    const reason = (promptFeedback as { blockReason?: unknown } | undefined)
      ?.blockReason;
    if (typeof reason !== "string") {
      throw new Error("no candidates and no promptFeedback.blockReason");
    }
    result.blockReason = reason;
    return result;
  }
  if (!Array.isArray(candidates) || candidates.length === 0) {
    throw new Error(`candidates must be a non-empty list`);
  }
  const first = candidates[0] as Record<string, unknown>;
  if (typeof first !== "object" || first === null) {
    throw new Error("candidates[0] is not an object");
  }
  if (typeof first.finishReason === "string") {
    result.finishReason = first.finishReason;
  }
  const parts = (first.content as { parts?: unknown } | undefined)?.parts;
  if (parts === undefined) {
    // A candidate cut by safety or recitation has no content at all.
    if (result.finishReason === undefined) {
      throw new Error("candidates[0] has neither content nor finishReason");
    }
    return result;
  }
  if (!Array.isArray(parts)) {
    throw new Error("candidates[0].content.parts is not a list");
  }
  result.text = parts
    .filter((p) =>
      typeof p === "object" && p !== null && typeof p.text === "string" &&
      p.thought !== true
    )
    .map((p) => p.text as string)
    .join("");
  return result;
}

function parseUsage(metadata: unknown): GeminiUsage | undefined {
  if (typeof metadata !== "object" || metadata === null) return undefined;
  const m = metadata as Record<string, unknown>;
  const count = (v: unknown) => (typeof v === "number" ? v : 0);
  const usage: GeminiUsage = {
    promptTokens: count(m.promptTokenCount),
    outputTokens: count(m.candidatesTokenCount),
    totalTokens: count(m.totalTokenCount),
  };
  if (typeof m.thoughtsTokenCount === "number") {
    usage.thoughtsTokens = m.thoughtsTokenCount;
  }
  return usage;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value;
}
