/**
 * A multi-turn conversation with a model: keeps the messages, renders them
 * with the chat template, generates the assistant's reply and streams its
 * text as tokens are chosen.
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
import type { PresetName } from "../generate/presets.ts";
import type { CausalLM } from "../model/decoder.ts";
import type { ChatMessage, Tokenizer } from "../tokenizer/mod.ts";
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
    const messages: ChatMessage[] = [
      ...this.messages,
      { role: "user", content: userText },
    ];
    const prompt = encodePrompt(this.tokenizer, messages);
    const stopIds = [...this.tokenizer.eosIds];
    const stream = new TextStream(this.tokenizer, new Set(stopIds));
    generate(this.model, [prompt], {
      maxNewTokens: this.maxNewTokens,
      sampling: this.preset,
      stopTokens: stopIds,
      rng: this.#rng,
      padTokenId: this.tokenizer.padId,
      onToken: (_row, token) => {
        const text = stream.push(token);
        if (text) onText(text);
      },
    });
    const rest = stream.flush();
    if (rest) onText(rest);
    this.#messages.push(
      { role: "user", content: userText },
      { role: "assistant", content: stream.text },
    );
    return stream.text;
  }
}
