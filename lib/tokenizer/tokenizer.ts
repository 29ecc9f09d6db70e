/**
 * A checkpoint's tokenizer and chat template, loaded from a local folder.
 *
 * ```ts
 * const tok = await loadTokenizer("checkpoints/gemma-3-270m-it");
 * tok.encode("Hello world");                       // [2, 9259, 1902]: BOS added
 * const chat: ChatMessage[] = [{ role: "user", content: "2+2?" }];
 * tok.applyChatTemplate(chat, { addGenerationPrompt: true });
 * // "<bos><start_of_turn>user\n2+2?<end_of_turn>\n<start_of_turn>model\n"
 * tok.encodeChat(chat, { addGenerationPrompt: true }); // one BOS, from the template
 * ```
 *
 * Encoding and templating run in `@huggingface/transformers` (its tokenizer
 * classes and jinja renderer), built from files tunebook reads itself
 * (files.ts): the same class `AutoTokenizer.from_pretrained` would pick,
 * without its global `env` switches, its opaque missing-file error, or its
 * blind spots (`chat_template.jinja`, `special_tokens_map.json`).
 *
 * @module
 */
import * as hf from "@huggingface/transformers";
import { readTokenizerFiles, type TokenizerFiles } from "./files.ts";
import {
  type ChatEncoder,
  encodeConversationMasked,
  encodePromptCompletion,
  type MaskedTokens,
} from "./masks.ts";
import { type ChatMessage, validateMessages } from "../util/chat_message.ts";
import { type PadSource, resolveSpecialIds } from "./special_ids.ts";

/** Options for {@link Tokenizer.encode}. */
export interface EncodeOptions {
  /**
   * Run the tokenizer's post-processor, which adds BOS for Gemma and
   * Llama 3 (default true). Rendered chat text already has BOS: use
   * {@link Tokenizer.encodeChat} for it.
   */
  addSpecialTokens?: boolean;
}

/** Options for {@link Tokenizer.decode}. */
export interface DecodeOptions {
  /** Drop special tokens such as `<bos>` and `<end_of_turn>` (default false). */
  skipSpecialTokens?: boolean;
}

/** Options for rendering a conversation. */
export interface ChatOptions {
  /** End with the header that opens an assistant turn (default false). */
  addGenerationPrompt?: boolean;
}

/**
 * Loads the tokenizer in a local checkpoint folder (`tokenizer.json`,
 * `tokenizer_config.json`, and when present `special_tokens_map.json`,
 * `chat_template.jinja`, `generation_config.json`). Never uses the network.
 * A missing folder or file is an error naming the path and the file.
 */
export async function loadTokenizer(folder: string): Promise<Tokenizer> {
  const files = await readTokenizerFiles(folder);
  const name = String(files.config.tokenizer_class ?? "PreTrainedTokenizer")
    .replace(/Fast$/, "");
  // Mirrors AutoTokenizer.from_pretrained: the class named in the config
  // when transformers has it, else the generic one.
  const named = (hf as Record<string, unknown>)[name];
  const Class = typeof named === "function" &&
      named.prototype instanceof hf.PreTrainedTokenizer
    ? named as typeof hf.PreTrainedTokenizer
    : hf.PreTrainedTokenizer;
  let inner: hf.PreTrainedTokenizer;
  try {
    inner = new Class(files.tokenizerJson, files.config);
  } catch (error) {
    throw new Error(
      `could not build the tokenizer in ${files.folder} from tokenizer.json: ${
        (error as Error).message
      }`,
    );
  }
  return new Tokenizer(files, inner);
}

/** A loaded tokenizer with its chat template and special ids. */
export class Tokenizer implements ChatEncoder {
  /** Absolute path of the folder it was loaded from. */
  readonly folder: string;
  /** The transformers class used, e.g. `GemmaTokenizer`. */
  readonly tokenizerClass: string;
  /** Beginning-of-sequence id, or null when the tokenizer has none. */
  readonly bosId: number | null;
  /** Ids that end a generation, `eos_token` first. Never empty. */
  readonly eosIds: readonly number[];
  /** Id for padding batches; see special_ids.ts for the fallback rules. */
  readonly padId: number;
  /** Which fallback rule gave {@link padId}. */
  readonly padSource: PadSource;
  /**
   * Number of embedding rows the ids need: the largest id in the
   * vocabulary (added tokens included) plus one.
   */
  readonly vocabSize: number;
  /** Where the chat template came from, or null when there is none. */
  readonly chatTemplateSource: TokenizerFiles["chatTemplateSource"];
  /** The underlying `@huggingface/transformers` tokenizer, for anything not wrapped here. */
  readonly hf: hf.PreTrainedTokenizer;
  readonly #special: Set<number>;

  /** Use {@link loadTokenizer}. */
  constructor(files: TokenizerFiles, inner: hf.PreTrainedTokenizer) {
    this.folder = files.folder;
    this.hf = inner;
    this.tokenizerClass = inner.constructor.name;
    this.chatTemplateSource = files.chatTemplateSource;
    const special = resolveSpecialIds(files, (t) => this.tokenToId(t));
    this.bosId = special.bosId;
    this.eosIds = special.eosIds;
    this.padId = special.padId;
    this.padSource = special.padSource;
    this.#special = new Set(inner.all_special_ids);
    let maxId = -1;
    for (const id of inner.get_vocab().values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
  }

  /** Token ids of `text`. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    if (typeof text !== "string") {
      throw new Error(`encode expects a string, got ${typeof text}`);
    }
    return this.hf.encode(text, {
      add_special_tokens: options.addSpecialTokens ?? true,
    });
  }

  /** Text of `ids` (an empty list decodes to ""). */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    if (ids.length === 0) return "";
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new Error(
          `cannot decode id ${id}: ids run from 0 to ${this.vocabSize - 1}`,
        );
      }
    }
    return this.hf.decode([...ids], {
      skip_special_tokens: options.skipSpecialTokens ?? false,
    });
  }

  /**
   * Renders a conversation with the checkpoint's chat template. The result
   * starts with BOS when the template writes one (Gemma, Llama 3).
   */
  applyChatTemplate(
    messages: ChatMessage[],
    options: ChatOptions = {},
  ): string {
    validateMessages(messages);
    if (!this.hf.chat_template) {
      throw new Error(
        `the tokenizer in ${this.folder} has no chat template ` +
          `(no "chat_template" in tokenizer_config.json and no chat_template.jinja)`,
      );
    }
    try {
      return this.hf.apply_chat_template(messages, {
        tokenize: false,
        add_generation_prompt: options.addGenerationPrompt ?? false,
      }) as string;
    } catch (error) {
      throw new Error(
        `chat template of ${this.folder} failed on this conversation: ${
          (error as Error).message
        }`,
      );
    }
  }

  /**
   * Token ids of a rendered conversation. Special tokens come from the
   * template only, so BOS appears once (encoding the rendered text with
   * `encode` would add a second one).
   */
  encodeChat(messages: ChatMessage[], options: ChatOptions = {}): number[] {
    return this.encode(this.applyChatTemplate(messages, options), {
      addSpecialTokens: false,
    });
  }

  /**
   * Ids of a conversation with a 0/1 mask marking what SFT trains on: each
   * assistant turn's content and its end-of-turn token, not its role
   * header (TRL's `assistant_only_loss`). See masks.ts.
   */
  assistantMask(messages: ChatMessage[]): MaskedTokens {
    return encodeConversationMasked(this, messages, () => true);
  }

  /**
   * Ids of a prompt and its completion, with the mask on the completion
   * only. A conversational prompt gets the completion as an assistant turn;
   * a plain-text prompt gets BOS, the completion and EOS. See masks.ts.
   */
  encodePromptCompletion(
    prompt: ChatMessage[] | string,
    completion: string,
  ): MaskedTokens {
    return encodePromptCompletion(this, prompt, completion);
  }

  /** Id of a token string, or undefined when it is not in the vocabulary. */
  tokenToId(token: string): number | undefined {
    return this.hf._tokenizer.token_to_id(token) ?? undefined;
  }

  /** Token string of an id, or undefined when no token has it. */
  idToToken(id: number): string | undefined {
    return this.hf._tokenizer.id_to_token(id) ?? undefined;
  }

  /** Whether `id` is a special token (BOS, end-of-turn markers, …). */
  isSpecial(id: number): boolean {
    return this.#special.has(id);
  }
}
