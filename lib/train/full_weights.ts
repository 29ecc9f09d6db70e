/**
 * Full fine-tuning's weights on disk: a checkpoint's weights assigned into
 * a loaded model (resume), and the tokenizer files copied next to saved
 * weights so the folder loads on its own.
 *
 * @module
 */
import type { CausalLM } from "../model/decoder.ts";
import { loadPretrained } from "../model/pretrained.ts";
import { TOKENIZER_FILES } from "./run_folder.ts";

/** Assigns the weights saved in `dir` to `model` (same architecture). */
export async function loadFullWeights(
  model: CausalLM,
  dir: string,
): Promise<void> {
  const { model: saved } = await loadPretrained(dir, { offload: "none" });
  for (const [name, v] of model.namedWeights()) {
    v.assign(saved.weights.get(name)!);
  }
  saved.dispose();
}

/** Copies the tokenizer files of `from` (those present) into `to`. */
export async function copyTokenizer(from: string, to: string): Promise<void> {
  for (const file of TOKENIZER_FILES) {
    try {
      await Deno.copyFile(`${from}/${file}`, `${to}/${file}`);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
}
