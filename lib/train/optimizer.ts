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
 * ```ts
 * const opt = new AdamW(model.namedWeights(), { lr: 2e-5, weightDecay: 0.01 });
 * opt.step(grads, learningRate(opt.stepCount, schedule));
 * ```
 *
 * @module
 */
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
  expAvg?: tf.Variable;
  expAvgSq?: tf.Variable;
}

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
    slot.expAvg ??= newBuffer(() => tf.zerosLike(variable));
    slot.expAvgSq ??= newBuffer(() => tf.zerosLike(variable));
    const expAvg = slot.expAvg, expAvgSq = slot.expAvgSq;
    slot.steps++;
    const t = slot.steps;
    // Scalars in double precision like torch's Python floats; the tensors
    // are float32, as in torch.
    const biasCorrection1 = 1 - this.beta1 ** t;
    const biasCorrection2Sqrt = Math.sqrt(1 - this.beta2 ** t);
    const stepSize = lr / biasCorrection1;
    const wd = slot.decay ? this.weightDecay : 0;
    tf.tidy(() => {
      const g = grad.dtype === "float32" ? grad : tf.cast(grad, "float32");
      const decayed = wd === 0 ? variable : tf.mul(variable, 1 - lr * wd);
      const m = tf.add(tf.mul(expAvg, this.beta1), tf.mul(g, 1 - this.beta1));
      const v = tf.add(
        tf.mul(expAvgSq, this.beta2),
        tf.mul(tf.mul(g, g), 1 - this.beta2),
      );
      const denom = tf.add(tf.div(tf.sqrt(v), biasCorrection2Sqrt), this.eps);
      const p = tf.add(decayed, tf.div(tf.mul(m, -stepSize), denom));
      expAvg.assign(m);
      expAvgSq.assign(v);
      variable.assign(p);
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
      // A fresh copy: some backends hand out their own storage.
      out.exp_avg.set(name, new Float32Array(slot.expAvg.dataSync()));
      out.exp_avg_sq.set(name, new Float32Array(slot.expAvgSq.dataSync()));
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
      const shape = slot.variable.shape;
      // Copies, so later changes to the caller's arrays cannot leak in.
      const m = s.exp_avg.get(name)!.slice(),
        v = s.exp_avg_sq.get(name)!.slice();
      slot.expAvg = newBuffer(() => tf.tensor(m, shape));
      slot.expAvgSq = newBuffer(() => tf.tensor(v, shape));
    }
  }

  /** Frees the moment buffers (the parameters are the caller's). */
  dispose(): void {
    this.#disposeMoments();
  }

  #disposeMoments(): void {
    for (const slot of this.#slots.values()) {
      slot.expAvg?.dispose();
      slot.expAvgSq?.dispose();
      slot.expAvg = slot.expAvgSq = undefined;
      slot.steps = 0;
    }
  }
}

/** A non-trainable variable holding `init()`, without leaking `init`'s tensor. */
function newBuffer(init: () => tf.Tensor): tf.Variable {
  return tf.tidy(() => tf.variable(init(), false));
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
