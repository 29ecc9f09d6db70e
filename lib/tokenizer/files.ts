/**
 * Reading a tokenizer out of a local checkpoint folder.
 *
 * A Hugging Face checkpoint keeps its tokenizer in up to five files:
 *
 * | file | required | what it holds |
 * |---|---|---|
 * | `tokenizer.json` | yes | the tokenizer itself (model, pre-tokenizer, added tokens, post-processor) |
 * | `tokenizer_config.json` | yes | class name, special token names, usually the chat template |
 * | `special_tokens_map.json` | no | special token names (older checkpoints keep them only here) |
 * | `chat_template.jinja` | no | the chat template (newer checkpoints keep it only here) |
 * | `generation_config.json` | no | the ids generation stops on (`eos_token_id`, often a list) |
 *
 * `@huggingface/transformers` 4.3.1 reads only the first two, and a missing
 * folder surfaces as "Cannot read properties of undefined (reading
 * 'tokenizer_class')". So tunebook reads and merges the files itself and
 * names the folder and file in every error.
 *
 * Merge rules: `chat_template.jinja` replaces any template in
 * `tokenizer_config.json` (as Python transformers does); a special token
 * missing from `tokenizer_config.json` is taken from
 * `special_tokens_map.json`.
 *
 * @module
 */
import { join, resolve } from "node:path";

/** The parsed, merged contents of a tokenizer folder. */
export interface TokenizerFiles {
  /** Absolute path of the folder. */
  folder: string;
  /** `tokenizer.json`, parsed. */
  tokenizerJson: Record<string, any>;
  /** `tokenizer_config.json` with the other files merged in. */
  config: Record<string, any>;
  /** Where the chat template came from, or null when there is none. */
  chatTemplateSource: "chat_template.jinja" | "tokenizer_config.json" | null;
  /** `eos_token_id` of `generation_config.json` (as a list), or [] when absent. */
  generationEosIds: number[];
}

/** Special token keys a tokenizer config may name. */
export const SPECIAL_TOKEN_KEYS = [
  "bos_token",
  "eos_token",
  "unk_token",
  "sep_token",
  "pad_token",
  "cls_token",
  "mask_token",
] as const;

/**
 * Reads and merges the tokenizer files of a local folder. Relative paths
 * are taken from the current directory. Never touches the network.
 */
export async function readTokenizerFiles(
  folder: string,
): Promise<TokenizerFiles> {
  const dir = resolve(folder);
  await assertFolder(dir);
  const tokenizerJson = await readJson(dir, "tokenizer.json", true);
  const config = await readJson(dir, "tokenizer_config.json", true);
  const specialMap = await readJson(dir, "special_tokens_map.json", false);
  const jinja = await readText(dir, "chat_template.jinja");
  const generation = await readJson(dir, "generation_config.json", false);

  if (!isObject(tokenizerJson!.model)) {
    throw new Error(
      `${
        join(dir, "tokenizer.json")
      } has no "model" object: not a Hugging Face tokenizers file`,
    );
  }
  const merged: Record<string, any> = { ...config };
  if (specialMap) mergeSpecialTokens(merged, specialMap, dir);
  for (const key of SPECIAL_TOKEN_KEYS) {
    try {
      if (key in merged) merged[key] = tokenContent(merged[key]);
    } catch (error) {
      throw new Error(
        `${join(dir, "tokenizer_config.json")}, field "${key}": ${
          (error as Error).message
        }`,
      );
    }
  }
  let chatTemplateSource: TokenizerFiles["chatTemplateSource"] =
    merged.chat_template ? "tokenizer_config.json" : null;
  if (jinja !== undefined) {
    merged.chat_template = jinja;
    chatTemplateSource = "chat_template.jinja";
  }
  return {
    folder: dir,
    tokenizerJson: tokenizerJson!,
    config: merged,
    chatTemplateSource,
    generationEosIds: eosIdsOf(generation, dir),
  };
}

/**
 * The text of a special token entry, which configs store either as a plain
 * string or as an AddedToken object (`{"content": "<bos>", ...}`, with or
 * without `"__type": "AddedToken"`). Null for a missing entry.
 */
export function tokenContent(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (isObject(value) && typeof value.content === "string") {
    return value.content;
  }
  throw new Error(`unrecognised special token entry ${JSON.stringify(value)}`);
}

function mergeSpecialTokens(
  merged: Record<string, any>,
  specialMap: Record<string, any>,
  dir: string,
): void {
  for (const [key, value] of Object.entries(specialMap)) {
    if (merged[key] !== undefined && merged[key] !== null) continue;
    try {
      merged[key] = key === "additional_special_tokens" && Array.isArray(value)
        ? value.map(tokenContent)
        : tokenContent(value);
    } catch (error) {
      throw new Error(
        `${join(dir, "special_tokens_map.json")}, field "${key}": ${
          (error as Error).message
        }`,
      );
    }
  }
}

function eosIdsOf(
  generation: Record<string, any> | undefined,
  dir: string,
): number[] {
  const value = generation?.eos_token_id;
  if (value === undefined || value === null) return [];
  const ids = Array.isArray(value) ? value : [value];
  if (!ids.every((id) => Number.isInteger(id) && id >= 0)) {
    throw new Error(
      `${join(dir, "generation_config.json")}, field "eos_token_id": ` +
        `expected a token id or a list of token ids, got ${
          JSON.stringify(value)
        }`,
    );
  }
  return ids;
}

async function assertFolder(dir: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`tokenizer folder not found: ${dir}`);
    }
    throw error;
  }
  if (!info.isDirectory) {
    throw new Error(
      `tokenizer path ${dir} is a file; give the folder that holds tokenizer.json`,
    );
  }
}

async function readText(
  dir: string,
  name: string,
): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(join(dir, name));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

async function readJson(
  dir: string,
  name: string,
  required: boolean,
): Promise<Record<string, any> | undefined> {
  const path = join(dir, name);
  const text = await readText(dir, name);
  if (text === undefined) {
    if (!required) return undefined;
    throw new Error(
      `tokenizer folder ${dir} has no ${name} (it has: ${await listing(dir)})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(parsed)) {
    throw new Error(`${path} must hold a JSON object`);
  }
  return parsed;
}

async function listing(dir: string): Promise<string> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.length ? names.sort().join(", ") : "nothing";
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
