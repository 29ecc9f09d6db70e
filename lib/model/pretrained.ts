/**
 * One call from a model name to a ready model and tokenizer:
 *
 * ```ts
 * const { model, tokenizer } = await loadPretrained("google/gemma-3-270m-it"); // or a local folder
 * ```
 *
 * A local folder is used as is; a hub id is downloaded (with progress,
 * resume and the huggingface_hub cache; `HF_TOKEN` from the environment or
 * `.env`), and offline the cache is used or the error says how to provide
 * the files.
 *
 * @module
 */
import { resolveModelSource, type ResolveOptions } from "./source.ts";
import { loadTokenizer, type Tokenizer } from "../tokenizer/mod.ts";
import type { CausalLM } from "./decoder.ts";
import { loadModel, type LoadOptions } from "./load.ts";

/** A loaded model, its tokenizer (when the folder has one) and where it came from. */
export interface Pretrained {
  model: CausalLM;
  tokenizer?: Tokenizer;
  /** The local folder the files were read from. */
  dir: string;
}

/**
 * Loads a model (and its tokenizer, if present) from a folder or a hub id.
 * `options` are {@link loadModel}'s (`trainable`, `offload`, `onProgress`)
 * plus `hub` for downloads; with the default `offload: "auto"`, Gemma 3 1B
 * and Llama 3.2 1B keep their frozen weights in host memory on wasm.
 */
export async function loadPretrained(
  source: string,
  options: LoadOptions & { hub?: ResolveOptions } = {},
): Promise<Pretrained> {
  const resolved = await resolveModelSource(source, options.hub);
  const model = await loadModel(resolved.dir, options);
  const hasTokenizer = resolved.files.includes("tokenizer.json") &&
    resolved.files.includes("tokenizer_config.json");
  const tokenizer = hasTokenizer
    ? await loadTokenizer(resolved.dir)
    : undefined;
  return { model, tokenizer, dir: resolved.dir };
}
