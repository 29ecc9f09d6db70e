/**
 * AdamW with decoupled weight decay, step for step the same arithmetic as
 * `torch.optim.AdamW` (the optimizer TRL and the HF Trainer use):
 *
 * ```
 * p ← p·(1 − lr·wd)
 * m ← β1·m + (1 − β1)·g
 * v ← β2·v + (1 − β2)·g²
 * p ← p − lr/(1 − β1ᵗ) · m / (sqrt(v)/sqrt(1 − β2ᵗ) + eps)
 * ```
 *
 * Like torch, the moment buffers of a parameter are created at its first
 * gradient, and each parameter counts its own steps: a parameter with no
 * gradient in a step is left alone (no decay, no moment update, no step), so
 * its bias correction lags behind the others'.
 *
 * The moments live in host memory (plain Float32Arrays), not on the tensor
 * heap, and the update runs in one JavaScript pass per parameter that
 * rounds every operation to float32 in the order the tensor version did
 * (so results are bit for bit those of tfjs' float32 kernels). On wasm a
 * parameter's new values are written straight into one fresh heap tensor:
 * with the moments and a dozen per-parameter temporaries on the heap, full
 * fine-tuning of SmolLM-135M overflowed the 4 GiB wasm heap at its second
 * step.
 *
 * ```ts
 * const opt = new AdamW(model.namedWeights(), { lr: 2e-5, weightDecay: 0.01 });
 * opt.step(grads, learningRate(opt.stepCount, schedule));
 * ```
 *
 * @module
 */
import type { WasmBackendLike } from "../engine/kernels/wasm_types.ts";
import { tf } from "../engine/mod.ts";

/** Hyperparameters of {@link AdamW}; the defaults are torch's. */
export interface AdamWOptions {
  /** Learning rate used when `step` is not given one. */
  lr: number;
  /** Decay of the first moment (default 0.9). */
  beta1?: number;
  /** Decay of the second moment (default 0.999). */
  beta2?: number;
  /** Added to the bias-corrected sqrt of the second moment (default 1e-8). */
  eps?: number;
  /** Decoupled weight decay (default 0.01, torch's AdamW default). */
  weightDecay?: number;
  /**
   * Whether a parameter, by name, is decayed (default: every parameter).
   * Pass {@link defaultDecayFilter} for the HF Trainer / TRL grouping.
   */
  decayFilter?: (name: string) => boolean;
}

/**
 * Everything needed to continue an AdamW run exactly: the moments and step
 * counts of every parameter that has received a gradient. Arrays are flat
 * copies in the parameter's row-major order.
 */
export interface AdamWState {
  /** Number of `step` calls made. */
  step: number;
  /** Steps taken by each parameter (torch's per-parameter `state["step"]`). */
  paramStep: Map<string, number>;
  /** First moment by parameter name. */
  exp_avg: Map<string, Float32Array>;
  /** Second moment by parameter name. */
  exp_avg_sq: Map<string, Float32Array>;
}

/**
 * Parameter-name patterns the HF Trainer (and so TRL) exempts from weight
 * decay: biases and the weights of LayerNorm/RMSNorm modules, matched on the
 * lower-cased name.
 */
const NO_DECAY_PATTERNS = [
  /bias/,
  /layernorm/,
  /rmsnorm/,
  /(?:^|\.)norm(?:$|\.)/,
  /_norm(?:$|\.)/,
];

/**
 * The HF Trainer's decay grouping by name: false (no decay) for biases and
 * norm weights (`…input_layernorm.weight`, `model.norm.weight`,
 * `…q_norm.weight`), true for everything else including embeddings and LoRA
 * matrices.
 */
export function defaultDecayFilter(name: string): boolean {
  const lower = name.toLowerCase();
  return !NO_DECAY_PATTERNS.some((pattern) => pattern.test(lower));
}

interface ParamSlot {
  variable: tf.Variable;
  decay: boolean;
  steps: number;
  expAvg?: Float32Array;
  expAvgSq?: Float32Array;
}

const f = Math.fround;

/** AdamW over named variables, updated in place. */
export class AdamW {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  #slots = new Map<string, ParamSlot>();
  #stepCount = 0;

  /** `params` are [name, variable] pairs, e.g. `model.namedWeights()`. */
  constructor(params: [string, tf.Variable][], options: AdamWOptions) {
    this.lr = checkNumber("lr", options.lr, 0, Infinity);
    this.beta1 = checkNumber("beta1", options.beta1 ?? 0.9, 0, 1, true);
    this.beta2 = checkNumber("beta2", options.beta2 ?? 0.999, 0, 1, true);
    this.eps = checkNumber("eps", options.eps ?? 1e-8, 0, Infinity);
    this.weightDecay = checkNumber(
      "weightDecay",
      options.weightDecay ?? 0.01,
      0,
      Infinity,
    );
    const decayFilter = options.decayFilter ?? (() => true);
    for (const [name, variable] of params) {
      if (this.#slots.has(name)) {
        throw new Error(`AdamW: parameter "${name}" is listed twice`);
      }
      if (variable.dtype !== "float32") {
        throw new Error(
          `AdamW: parameter "${name}" has dtype ${variable.dtype}, expected float32`,
        );
      }
      this.#slots.set(name, {
        variable,
        decay: decayFilter(name),
        steps: 0,
      });
    }
  }

  /** Number of `step` calls made so far (the next step's 0-based index). */
  get stepCount(): number {
    return this.#stepCount;
  }

  /** Parameter names, in the order given. */
  get names(): string[] {
    return [...this.#slots.keys()];
  }

  /** Whether the parameter `name` is weight-decayed. */
  decays(name: string): boolean {
    const slot = this.#slots.get(name);
    if (!slot) throw new Error(`AdamW: no parameter named "${name}"`);
    return slot.decay;
  }

  /**
   * One update of every parameter that has a gradient in `grads` (by name),
   * at learning rate `lr` (default: the constructor's). Parameters without
   * a gradient are skipped; a gradient for an unknown name or of the wrong
   * shape is an error. The caller keeps ownership of `grads`.
   */
  step(grads: Map<string, tf.Tensor>, lr: number = this.lr): void {
    checkNumber("step lr", lr, 0, Infinity);
    for (const [name, grad] of grads) {
      const slot = this.#slots.get(name);
      if (!slot) {
        throw new Error(
          `AdamW.step: gradient for "${name}", which is not a parameter of this optimizer`,
        );
      }
      if (grad.shape.join() !== slot.variable.shape.join()) {
        throw new Error(
          `AdamW.step: gradient for "${name}" has shape [${grad.shape}], the parameter [${slot.variable.shape}]`,
        );
      }
    }
    for (const [name, slot] of this.#slots) {
      const grad = grads.get(name);
      if (grad) this.#update(slot, grad, lr);
    }
    this.#stepCount++;
  }

  #update(slot: ParamSlot, grad: tf.Tensor, lr: number): void {
    const { variable } = slot;
    const n = variable.size;
    const m = slot.expAvg ??= new Float32Array(n);
    const v = slot.expAvgSq ??= new Float32Array(n);
    slot.steps++;
    const t = slot.steps;
    // Scalars in double precision like torch's Python floats, then float32
    // as a tensor kernel sees them; the element arithmetic is float32.
    const stepSize = lr / (1 - this.beta1 ** t);
    const wd = slot.decay ? this.weightDecay : 0;
    const b1 = f(this.beta1), c1 = f(1 - this.beta1);
    const b2 = f(this.beta2), c2 = f(1 - this.beta2);
    const bc2 = f(Math.sqrt(1 - this.beta2 ** t)), eps = f(this.eps);
    const decay = f(1 - lr * wd), negStep = f(-stepSize);
    const g = grad.dataSync() as Float32Array;
    withValues(variable, (p) => {
      for (let i = 0; i < n; i++) {
        const gi = g[i];
        const mi = f(f(m[i] * b1) + f(gi * c1));
        const vi = f(f(v[i] * b2) + f(f(gi * gi) * c2));
        const denom = f(f(f(Math.sqrt(vi)) / bc2) + eps);
        const pi = wd === 0 ? p[i] : f(p[i] * decay);
        m[i] = mi;
        v[i] = vi;
        p[i] = f(pi + f(f(mi * negStep) / denom));
      }
    });
  }

  /** A copy of the optimizer state (see {@link AdamWState}). */
  state(): AdamWState {
    const out: AdamWState = {
      step: this.#stepCount,
      paramStep: new Map(),
      exp_avg: new Map(),
      exp_avg_sq: new Map(),
    };
    for (const [name, slot] of this.#slots) {
      if (!slot.expAvg || !slot.expAvgSq) continue;
      out.paramStep.set(name, slot.steps);
      out.exp_avg.set(name, slot.expAvg.slice());
      out.exp_avg_sq.set(name, slot.expAvgSq.slice());
    }
    return out;
  }

  /**
   * Replaces the state with `s` (from {@link state} or
   * `loadOptimizerState`). Every name must be a parameter of this optimizer
   * with the parameter's element count; parameters absent from `s` start
   * afresh at their next gradient.
   */
  loadState(s: AdamWState): void {
    const where = "AdamW.loadState";
    if (!Number.isSafeInteger(s.step) || s.step < 0) {
      throw new Error(
        `${where}: step must be a non-negative integer, got ${s.step}`,
      );
    }
    for (const key of [...s.exp_avg.keys(), ...s.exp_avg_sq.keys()]) {
      if (!s.paramStep.has(key)) {
        throw new Error(`${where}: "${key}" has moments but no step count`);
      }
    }
    for (const [name, steps] of s.paramStep) {
      const slot = this.#slots.get(name);
      if (!slot) {
        throw new Error(
          `${where}: state for "${name}", which is not a parameter of this optimizer`,
        );
      }
      if (!Number.isSafeInteger(steps) || steps < 1 || steps > s.step) {
        throw new Error(
          `${where}: "${name}" step count must be an integer in [1, ${s.step}], got ${steps}`,
        );
      }
      const moments = { exp_avg: s.exp_avg, exp_avg_sq: s.exp_avg_sq };
      for (const [key, map] of Object.entries(moments)) {
        const data = map.get(name);
        if (!data) throw new Error(`${where}: "${name}" has no ${key}`);
        if (data.length !== slot.variable.size) {
          throw new Error(
            `${where}: "${name}" ${key} has ${data.length} values, the parameter ${slot.variable.size}`,
          );
        }
      }
    }
    this.#disposeMoments();
    this.#stepCount = s.step;
    for (const [name, slot] of this.#slots) {
      const steps = s.paramStep.get(name);
      slot.steps = steps ?? 0;
      if (steps === undefined) continue;
      // Copies, so later changes to the caller's arrays cannot leak in.
      slot.expAvg = s.exp_avg.get(name)!.slice();
      slot.expAvgSq = s.exp_avg_sq.get(name)!.slice();
    }
  }

  /** Frees the moment buffers (the parameters are the caller's). */
  dispose(): void {
    this.#disposeMoments();
  }

  #disposeMoments(): void {
    for (const slot of this.#slots.values()) {
      slot.expAvg = slot.expAvgSq = undefined;
      slot.steps = 0;
    }
  }
}

/**
 * Runs `update` on a copy of the float32 values of `variable` and makes
 * the copy the variable's values. On wasm the copy is one fresh heap
 * tensor written through a view (both views are taken after it is
 * allocated, and nothing allocates until `update` returns): a new tensor,
 * not the old storage changed in place, because XNNPACK caches packed
 * weights by tensor and would keep multiplying with the old values.
 */
function withValues(
  variable: tf.Variable,
  update: (values: Float32Array) => void,
): void {
  if (tf.getBackend() === "wasm") {
    const backend = tf.backend() as unknown as WasmBackendLike;
    const info = backend.makeOutput(variable.shape, "float32");
    const out = backend.typedArrayFromHeap(info) as Float32Array;
    out.set(backend.typedArrayFromHeap(variable) as Float32Array);
    update(out);
    const fresh = tf.engine().makeTensorFromTensorInfo(info);
    variable.assign(fresh);
    fresh.dispose();
    return;
  }
  const values = new Float32Array(variable.dataSync());
  update(values);
  tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
}

function checkNumber(
  what: string,
  value: number,
  min: number,
  max: number,
  openMax = false,
): number {
  const ok = typeof value === "number" && Number.isFinite(value) &&
    value >= min && (openMax ? value < max : value <= max);
  if (!ok) {
    const range = `[${min}, ${max}${openMax ? ")" : "]"}`;
    throw new Error(
      `AdamW: ${what} must be a number in ${range}, got ${value}`,
    );
  }
  return value;
}
