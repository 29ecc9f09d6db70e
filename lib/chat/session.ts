/**
 * A multi-turn conversation with a model: keeps the messages, renders them
 * with the chat template, generates the assistant's reply and streams its
 * text as tokens are chosen.
 *
 * The conversation grows, the model's context does not. Before each reply
 * the oldest exchanges are dropped (and `onNote` says so) until the prompt
 * leaves room for `maxNewTokens` new tokens, or for half the context when
 * `maxNewTokens` is more than that (so some history survives); the reply
 * then gets what the context leaves, at most `maxNewTokens`. A message that
 * leaves no room even alone is refused and not added to the conversation.
 *
 * ```ts
 * const chat = new ChatSession(model, tokenizer, { preset: "greedy" });
 * chat.reply("hello", (text) => Deno.stdout.writeSync(encoder.encode(text)));
 * chat.reset();
 * ```
 *
 * @module
 */
import { encodePrompt } from "../prompt/encode.ts";
import { generate } from "../generate/generate.ts";
import { textConstraint } from "../generate/text_constraint.ts";
import type { PresetName } from "../generate/presets.ts";
import type { CausalLM } from "../model/decoder.ts";
import type { ChatMessage, Tokenizer } from "../tokenizer/mod.ts";
import { InputError } from "../util/errors.ts";
import { Rng } from "../util/random.ts";
import { TextStream } from "./stream.ts";

/** Settings of a {@link ChatSession}. */
export interface ChatSessionOptions {
  /** Sampling preset (default "standard"). */
  preset?: PresetName;
  /** System prompt placed before the conversation (none by default). */
  system?: string;
  /** Cap on each reply's length in tokens (default 256). */
  maxNewTokens?: number;
  /** Seed of the sampling stream; the same seed and inputs give the same replies (default 0). */
  seed?: number;
  /** Told when the context forces a change: exchanges dropped, a reply cut. */
  onNote?: (note: string) => void;
}

/** A conversation whose replies come from `model`. */
export class ChatSession {
  /** Preset used for the next reply; may change between turns. */
  preset: PresetName;
  readonly system?: string;
  readonly maxNewTokens: number;
  readonly seed: number;
  #messages: ChatMessage[] = [];
  #rng: Rng;
  #onNote: (note: string) => void;

  constructor(
    private readonly model: CausalLM,
    private readonly tokenizer: Tokenizer,
    options: ChatSessionOptions = {},
  ) {
    this.preset = options.preset ?? "standard";
    this.system = options.system;
    this.maxNewTokens = options.maxNewTokens ?? 256;
    this.seed = options.seed ?? 0;
    if (!Number.isInteger(this.maxNewTokens) || this.maxNewTokens < 1) {
      throw new Error(
        `maxNewTokens must be a positive integer, got ${options.maxNewTokens}`,
      );
    }
    this.#rng = new Rng(this.seed);
    this.#onNote = options.onNote ?? (() => {});
  }

  /** The conversation so far, system prompt first when there is one. */
  get messages(): ChatMessage[] {
    const system: ChatMessage[] = this.system
      ? [{ role: "system", content: this.system }]
      : [];
    return [...system, ...this.#messages];
  }

  /** Forgets the conversation and restarts the sampling stream from the seed. */
  reset(): void {
    this.#messages = [];
    this.#rng = new Rng(this.seed);
  }

  /**
   * Adds the user's message, generates the reply (passing each piece of
   * text to `onText` as soon as it is final), records and returns it.
   */
  reply(userText: string, onText: (text: string) => void = () => {}): string {
    const { prompt, budget } = this.#fit(userText);
    const stopIds = [...this.tokenizer.eosIds];
    const stream = new TextStream(this.tokenizer, new Set(stopIds));
    const [completion] = generate(this.model, [prompt], {
      maxNewTokens: budget,
      sampling: this.preset,
      stopTokens: stopIds,
      rng: this.#rng,
      padTokenId: this.tokenizer.padId,
      text: textConstraint(this.tokenizer),
      onToken: (_row, token) => {
        const text = stream.push(token);
        if (text) onText(text);
      },
    });
    const rest = stream.flush();
    if (rest) onText(rest);
    if (completion.finishReason === "length" && budget < this.maxNewTokens) {
      this.#onNote(
        `(reply cut at ${budget} tokens: the model's context of ${this.#context} tokens is full)`,
      );
    }
    this.#messages.push(
      { role: "user", content: userText },
      { role: "assistant", content: stream.text },
    );
    return stream.text;
  }

  get #context(): number {
    return this.model.config.maxPositionEmbeddings;
  }

  /**
   * The prompt of the next reply and its new-token budget, after dropping
   * the oldest exchanges the context cannot hold (see the module header).
   */
  #fit(userText: string): { prompt: number[]; budget: number } {
    const context = this.#context;
    const room = Math.min(this.maxNewTokens, Math.floor(context / 2));
    const system: ChatMessage[] = this.system
      ? [{ role: "system", content: this.system }]
      : [];
    let history = this.#messages;
    const encode = () =>
      encodePrompt(this.tokenizer, [
        ...system,
        ...history,
        { role: "user", content: userText },
      ]);
    let prompt = encode();
    while (prompt.length + room > context && history.length > 0) {
      // An exchange is the user's message and the reply to it.
      history = history.slice(2);
      prompt = encode();
    }
    if (prompt.length >= context) {
      throw new InputError(
        `the message is ${prompt.length} tokens with the chat template${
          this.system ? " and system prompt" : ""
        }, which leaves no room for a reply in the model's context of ${context} tokens (max_position_embeddings)`,
      );
    }
    const dropped = (this.#messages.length - history.length) / 2;
    if (dropped > 0) {
      this.#messages = history;
      this.#onNote(
        `(dropped the oldest ${
          dropped === 1 ? "exchange" : `${dropped} exchanges`
        } to fit the model's context of ${context} tokens)`,
      );
    }
    return {
      prompt,
      budget: Math.min(this.maxNewTokens, context - prompt.length),
    };
  }
}
