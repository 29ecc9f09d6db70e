/**
 * Writing a trained byte-level BPE as a Hugging Face tokenizer folder, and
 * reading one back.
 *
 * The folder has the shape of SmolLM-Instruct's: `tokenizer.json` (BPE
 * model with vocab and `[a, b]` merges, ByteLevel pre-tokenizer,
 * post-processor and decoder, the special tokens as added tokens),
 * `tokenizer_config.json` (class `GPT2Tokenizer`, special token names, the
 * ChatML chat template) and `special_tokens_map.json`. `<|endoftext|>` is
 * BOS, EOS, pad and unk, as in SmolLM's base model; no post-processor adds
 * BOS, so `encode` returns exactly the text's tokens. Loads with
 * {@link loadTokenizer} (lib/tokenizer) and with Python transformers.
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic.ts";
import { ByteLevelBpe } from "./bpe_model.ts";
import { readJsonFileIfPresent } from "../util/json_files.ts";

/**
 * SmolLM-Instruct's ChatML template: `<|im_start|>{role}\n{content}<|im_end|>\n`
 * per message, and `<|im_start|>assistant\n` as the generation prompt.
 */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** Options of {@link saveTokenizer}. */
export interface SaveTokenizerOptions {
  /** `model_max_length` of tokenizer_config.json (default 2048). */
  modelMaxLength?: number;
  /**
   * Extra information stored under the `"tunebook"` key of
   * tokenizer_config.json (e.g. what the tokenizer was trained on);
   * tokenizer libraries ignore it.
   */
  metadata?: Record<string, unknown>;
}

/** Writes `tokenizer.json`, `tokenizer_config.json` and `special_tokens_map.json` into `dir`. */
export async function saveTokenizer(
  bpe: ByteLevelBpe,
  dir: string,
  options: SaveTokenizerOptions = {},
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const write = (name: string, value: unknown) =>
    writeFileAtomic(join(dir, name), JSON.stringify(value, null, 2) + "\n");
  await write("tokenizer.json", tokenizerJson(bpe));
  await write("tokenizer_config.json", tokenizerConfig(bpe, options));
  await write("special_tokens_map.json", specialTokensMap(bpe));
}

/** The `tokenizer.json` object of a trained BPE. */
export function tokenizerJson(bpe: ByteLevelBpe): Record<string, unknown> {
  const byteLevel = (addPrefixSpace: boolean, trimOffsets: boolean) => ({
    type: "ByteLevel",
    add_prefix_space: addPrefixSpace,
    trim_offsets: trimOffsets,
    use_regex: true,
  });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: bpe.specialTokens.map((content, id) =>
      addedToken(id, content)
    ),
    normalizer: null,
    pre_tokenizer: byteLevel(false, true),
    post_processor: byteLevel(true, false),
    decoder: byteLevel(true, true),
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(bpe.vocab.map((token, id) => [token, id])),
      merges: bpe.mergeStrings(),
    },
  };
}

/** The `tokenizer_config.json` object of a trained BPE. */
export function tokenizerConfig(
  bpe: ByteLevelBpe,
  options: SaveTokenizerOptions = {},
): Record<string, unknown> {
  const [first, ...rest] = bpe.specialTokens;
  if (first === undefined) {
    throw new Error(
      "saveTokenizer: the tokenizer needs at least one special token (<|endoftext|>)",
    );
  }
  return {
    add_prefix_space: false,
    added_tokens_decoder: Object.fromEntries(
      bpe.specialTokens.map((content, id) => {
        const { id: _, ...entry } = addedToken(id, content);
        return [String(id), entry];
      }),
    ),
    additional_special_tokens: rest,
    bos_token: first,
    chat_template: CHATML_TEMPLATE,
    clean_up_tokenization_spaces: false,
    eos_token: first,
    model_max_length: options.modelMaxLength ?? 2048,
    pad_token: first,
    tokenizer_class: "GPT2Tokenizer",
    unk_token: first,
    ...(options.metadata ? { tunebook: options.metadata } : {}),
  };
}

function specialTokensMap(bpe: ByteLevelBpe): Record<string, unknown> {
  const [first, ...rest] = bpe.specialTokens;
  return {
    additional_special_tokens: rest,
    bos_token: first,
    eos_token: first,
    pad_token: first,
    unk_token: first,
  };
}

function addedToken(id: number, content: string) {
  return {
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  };
}

/** What {@link readBpe} finds in a folder written by {@link saveTokenizer}. */
export interface SavedBpe {
  bpe: ByteLevelBpe;
  /** The `"tunebook"` entry of tokenizer_config.json, or {} when absent. */
  metadata: Record<string, unknown>;
}

/**
 * Reads back a tokenizer written by {@link saveTokenizer}, checking that
 * `tokenizer.json` has that layout (special tokens first, then the 256
 * bytes, then one id per distinct merge) so the rebuilt encoder gives the
 * same ids. Returns null when `dir` has no tokenizer.json.
 */
export async function readBpe(dir: string): Promise<SavedBpe | null> {
  const path = join(dir, "tokenizer.json");
  const json: any = await readJsonFileIfPresent(path, "tokenizer");
  if (json === undefined) return null;
  const model = json?.model;
  if (model?.type !== "BPE" || json?.pre_tokenizer?.type !== "ByteLevel") {
    throw new Error(
      `${path} is not a byte-level BPE tokenizer (model.type ${
        JSON.stringify(model?.type)
      }, pre_tokenizer.type ${JSON.stringify(json?.pre_tokenizer?.type)})`,
    );
  }
  const added: { id: number; content: string }[] = json.added_tokens ?? [];
  const specials = added.map((t, i) => {
    if (t.id !== i) {
      throw new Error(
        `${path}, added_tokens[${i}]: expected id ${i}, got ${t.id}`,
      );
    }
    return t.content;
  });
  const merges: [string, string][] = (model.merges ?? []).map(
    (m: string | [string, string], i: number) => {
      const pair = typeof m === "string" ? m.split(" ") : m;
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new Error(`${path}, model.merges[${i}]: not a pair of tokens`);
      }
      return pair as [string, string];
    },
  );
  const bpe = ByteLevelBpe.fromMergeStrings(specials, merges);
  const vocab: Record<string, number> = model.vocab ?? {};
  const mismatch = bpe.vocab.findIndex((token, id) => vocab[token] !== id);
  if (mismatch >= 0 || Object.keys(vocab).length !== bpe.size) {
    throw new Error(
      `${path}: model.vocab does not follow tunebook's layout (specials, bytes, merges)` +
        (mismatch >= 0
          ? `; token ${
            JSON.stringify(bpe.vocab[mismatch])
          } should have id ${mismatch}`
          : `; it has ${
            Object.keys(vocab).length
          } entries, expected ${bpe.size}`),
    );
  }
  let metadata: Record<string, unknown> = {};
  try {
    const config = JSON.parse(
      await Deno.readTextFile(join(dir, "tokenizer_config.json")),
    );
    metadata = config?.tunebook ?? {};
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new Error(
        `${join(dir, "tokenizer_config.json")}: ${(error as Error).message}`,
      );
    }
  }
  return { bpe, metadata };
}
