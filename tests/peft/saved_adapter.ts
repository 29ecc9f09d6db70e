/**
 * A saved adapter folder for the PEFT format tests, and edits to its files
 * (weights, config) for the cases a loader must accept or refuse.
 */
import { CausalLM } from "../../lib/model/decoder.ts";
import { defaultLoraConfig, type LoraConfig } from "../../lib/peft/config.ts";
import { saveAdapter } from "../../lib/peft/format.ts";
import { applyLora } from "../../lib/peft/lora.ts";
import {
  readSafetensors,
  writeSafetensors,
} from "../../lib/safetensors/safetensors.ts";
import { writeFileAtomic } from "../../lib/util/atomic.ts";
import { tinyLlamaConfig } from "../helpers/tiny_models.ts";
import { randomizeB } from "./helpers.ts";

/** A tiny Llama with a trained-looking LoRA saved in `dir`. */
export async function savedAdapter(
  dir: string,
  lora: Partial<LoraConfig> = {},
) {
  const config = tinyLlamaConfig();
  const model = CausalLM.random(config, { seed: 2, std: 0.1 });
  const adapters = applyLora(
    model,
    defaultLoraConfig({ r: 4, alpha: 8, ...lora }),
    { seed: 3 },
  );
  randomizeB(adapters, 8);
  await saveAdapter(dir, adapters, { baseModel: "tunebook/tiny-llama" });
  return { config, model, adapters };
}

/** Rewrites an adapter folder's weights through `edit` (name → tensor). */
export async function editWeights(
  dir: string,
  edit: (
    tensors: Map<string, { shape: number[]; data: Float32Array }>,
  ) => void,
) {
  const { tensors } = await readSafetensors(`${dir}/adapter_model.safetensors`);
  const plain = new Map(
    [...tensors].map(([k, t]) => [k, { shape: t.shape, data: t.data }]),
  );
  edit(plain);
  await writeSafetensors(`${dir}/adapter_model.safetensors`, plain);
}

/** Rewrites an adapter folder's adapter_config.json through `edit`. */
export async function editConfig(
  dir: string,
  edit: (json: Record<string, unknown>) => void,
) {
  const path = `${dir}/adapter_config.json`;
  const json = JSON.parse(await Deno.readTextFile(path));
  edit(json);
  await writeFileAtomic(path, JSON.stringify(json));
}
