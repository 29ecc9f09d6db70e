/**
 * PEFT's tensor names and shapes for a LoRA on a causal LM.
 *
 * `PeftModel.save_pretrained` stores, for each adapted linear layer with
 * weight W [out, in], `base_model.model.<module>.lora_A.weight` [r, in] and
 * `base_model.model.<module>.lora_B.weight` [out, r]. The two prefixes come
 * from PEFT's wrappers (PeftModel → LoraModel → the transformers model);
 * the adapter name (".default") that PEFT uses in memory is stripped on save.
 *
 * @module
 */
import type { ModelConfig } from "../model/config.ts";
import { weightSpecs } from "../model/weights.ts";
import { type LoraConfig, resolveTargets } from "./config.ts";

/** What PEFT puts before a module name. */
export const PEFT_PREFIX = "base_model.model.";

/**
 * Where a SEQ_CLS adapter keeps its score head: PEFT saves `modules_to_save`
 * under the module's name with `.modules_to_save.<adapter>` stripped
 * (PEFT 5d602fdb `ModulesToSaveWrapper.adapter_state_dict` in
 * `src/peft/utils/other.py`, called from `get_peft_model_state_dict`).
 */
export const PEFT_SCORE_KEY = `${PEFT_PREFIX}score.weight`;

/**
 * Whether a stored key is the score head: the saved form, or PEFT's
 * in-memory form with the wrapper (`score.modules_to_save.default.weight`).
 */
export function scoreKeyOf(key: string): boolean {
  return key === PEFT_SCORE_KEY ||
    /^base_model\.model\.score\.modules_to_save\.[^.]+\.weight$/.test(key);
}

/** One of LoRA's two matrices. */
export type LoraMatrix = "lora_A" | "lora_B";

/** The file key of one matrix of the adapter on `module`. */
export function peftKey(module: string, matrix: LoraMatrix): string {
  return `${PEFT_PREFIX}${module}.${matrix}.weight`;
}

/**
 * Splits a file key into module and matrix. Accepts PEFT's in-memory form
 * with an adapter name (`….lora_A.default.weight`). Returns null for keys
 * that are not LoRA matrices.
 */
export function parsePeftKey(
  key: string,
): { module: string; matrix: LoraMatrix; adapterName: string | null } | null {
  const m = /^base_model\.model\.(.+)\.(lora_A|lora_B)(?:\.([^.]+))?\.weight$/
    .exec(key);
  if (!m) return null;
  return {
    module: m[1],
    matrix: m[2] as LoraMatrix,
    adapterName: m[3] ?? null,
  };
}

/** [out, in] of every linear weight of the model, by module name. */
export function linearShapes(
  model: ModelConfig,
): Map<string, [number, number]> {
  const shapes = new Map<string, [number, number]>();
  for (const spec of weightSpecs(model)) {
    if (spec.shape.length === 2 && spec.name.endsWith(".weight")) {
      shapes.set(
        spec.name.slice(0, -".weight".length),
        spec.shape as [number, number],
      );
    }
  }
  return shapes;
}

/**
 * Every key PEFT would write for this LoRA on this model, with its shape,
 * in module order (A before B). Pure: allocates no tensors, so it works for
 * models too large to build.
 */
export function loraKeyShapes(
  model: ModelConfig,
  lora: LoraConfig,
): Map<string, number[]> {
  const shapes = linearShapes(model);
  const out = new Map<string, number[]>();
  for (const module of resolveTargets(lora, { config: model })) {
    const [outFeatures, inFeatures] = shapes.get(module)!;
    out.set(peftKey(module, "lora_A"), [lora.r, inFeatures]);
    out.set(peftKey(module, "lora_B"), [outFeatures, lora.r]);
  }
  return out;
}
