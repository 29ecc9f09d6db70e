/**
 * AdamW state on disk: one safetensors file with the tensors
 * `<param>.exp_avg` and `<param>.exp_avg_sq` (float32, flat) and the
 * metadata `step` (optimizer steps taken) and `param_steps` (JSON object of
 * each parameter's own step count), written atomically. Float32 is stored
 * as is, so a save and load round-trips bit for bit.
 *
 * @module
 */
import {
  readSafetensors,
  writeSafetensors,
} from "../safetensors/safetensors.ts";
import type { TensorToWrite } from "../safetensors/safetensors.ts";
import type { AdamWState } from "./optimizer.ts";

const FORMAT = "tunebook.adamw";

/** Writes `state` to `path` (a `.safetensors` file) atomically. */
export async function saveOptimizerState(
  path: string,
  state: AdamWState,
): Promise<void> {
  const tensors = new Map<string, TensorToWrite>();
  const paramSteps: Record<string, number> = {};
  for (const key of [...state.exp_avg.keys(), ...state.exp_avg_sq.keys()]) {
    if (!state.paramStep.has(key)) {
      throw new Error(
        `${path}: cannot save optimizer state, "${key}" has moments but no step count`,
      );
    }
  }
  for (const [name, steps] of state.paramStep) {
    const m = state.exp_avg.get(name), v = state.exp_avg_sq.get(name);
    if (!m || !v) {
      throw new Error(
        `${path}: cannot save optimizer state, "${name}" lacks ${
          m ? "exp_avg_sq" : "exp_avg"
        }`,
      );
    }
    if (m.length !== v.length) {
      throw new Error(
        `${path}: cannot save optimizer state, "${name}" has ${m.length} exp_avg values but ${v.length} exp_avg_sq`,
      );
    }
    tensors.set(`${name}.exp_avg`, { shape: [m.length], data: m });
    tensors.set(`${name}.exp_avg_sq`, { shape: [v.length], data: v });
    paramSteps[name] = steps;
  }
  await writeSafetensors(path, tensors, {
    metadata: {
      format: FORMAT,
      step: String(state.step),
      param_steps: JSON.stringify(paramSteps),
    },
  });
}

/** Reads a state written by {@link saveOptimizerState}; errors name the file and key. */
export async function loadOptimizerState(path: string): Promise<AdamWState> {
  const { tensors, metadata } = await readSafetensors(path);
  if (metadata.format !== FORMAT) {
    throw new Error(
      `${path}: not a tunebook optimizer state (metadata "format" is ${
        JSON.stringify(metadata.format)
      }, expected "${FORMAT}")`,
    );
  }
  const step = Number(metadata.step);
  if (metadata.step === undefined || !Number.isSafeInteger(step) || step < 0) {
    throw new Error(
      `${path}: metadata "step" must be a non-negative integer, got ${
        JSON.stringify(metadata.step)
      }`,
    );
  }
  let paramSteps: unknown;
  try {
    paramSteps = JSON.parse(metadata.param_steps ?? "");
  } catch {
    paramSteps = undefined;
  }
  if (
    typeof paramSteps !== "object" || paramSteps === null ||
    Array.isArray(paramSteps)
  ) {
    throw new Error(
      `${path}: metadata "param_steps" must be a JSON object of step counts, got ${
        JSON.stringify(metadata.param_steps)
      }`,
    );
  }
  const state: AdamWState = {
    step,
    paramStep: new Map(),
    exp_avg: new Map(),
    exp_avg_sq: new Map(),
  };
  for (const [name, count] of Object.entries(paramSteps)) {
    if (!Number.isSafeInteger(count) || count < 1 || count > step) {
      throw new Error(
        `${path}: metadata "param_steps" gives "${name}" ${
          JSON.stringify(count)
        } steps, expected an integer in [1, ${step}]`,
      );
    }
    state.paramStep.set(name, count);
  }
  for (const [key, tensor] of tensors) {
    const suffix = key.endsWith(".exp_avg_sq")
      ? "exp_avg_sq"
      : key.endsWith(".exp_avg")
      ? "exp_avg"
      : undefined;
    const name = suffix && key.slice(0, -suffix.length - 1);
    if (!suffix || !name || !state.paramStep.has(name)) {
      throw new Error(
        `${path}: unexpected tensor "${key}" (expected <param>.exp_avg or <param>.exp_avg_sq for a parameter in "param_steps")`,
      );
    }
    if (tensor.dtype !== "F32") {
      throw new Error(
        `${path}: tensor "${key}" is ${tensor.dtype}, expected F32`,
      );
    }
    state[suffix].set(name, tensor.data);
  }
  for (const name of state.paramStep.keys()) {
    for (const suffix of ["exp_avg", "exp_avg_sq"] as const) {
      if (!state[suffix].has(name)) {
        throw new Error(`${path}: tensor "${name}.${suffix}" is missing`);
      }
    }
    const m = state.exp_avg.get(name)!, v = state.exp_avg_sq.get(name)!;
    if (m.length !== v.length) {
      throw new Error(
        `${path}: tensor "${name}.exp_avg" has ${m.length} values but "${name}.exp_avg_sq" has ${v.length}`,
      );
    }
  }
  return state;
}
