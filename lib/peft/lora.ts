/**
 * LoRA (Hu et al., 2021) on the decoder's linear layers, as PEFT does it:
 * y = x·Wᵀ + dropout(x)·Aᵀ·Bᵀ·scale with W frozen, A [r, in] and B [out, r]
 * trainable, B starting at zero so the adapted model starts equal to the
 * base model.
 *
 * ```ts
 * const lora = applyLora(model, defaultLoraConfig({ r: 16, alpha: 32 }), { seed: 0 });
 * lora.train();
 * lora.setDropoutStep(step);
 * const { value, grads } = tf.variableGrads(() => causalLmLoss(model, batch).loss,
 *   lora.variables());
 * ```
 *
 * @module
 */
import { tf } from "../engine/mod.ts";
import type { CausalLM, LinearAdapter } from "../model/decoder.ts";
import { Rng } from "../util/random.ts";
import {
  type LoraConfig,
  loraScale,
  parseLoraConfig,
  resolveTargets,
} from "./config.ts";
import { dropoutMask, seedFrom } from "./dropout.ts";
import { linearShapes, peftKey } from "./keys.ts";

/** Options of {@link applyLora}. */
export interface ApplyLoraOptions {
  /** Seeds A's initial values and every dropout mask. */
  seed: number;
}

/** What every module's adapter reads from its owner at call time. */
interface SharedState {
  readonly scale: number;
  /** The dropout mask for module `index` and this input shape, or null when off. */
  mask(index: number, shape: number[]): tf.Tensor | null;
}

/** The adapter on one linear layer. */
class LoraLinear implements LinearAdapter {
  readonly parameters: tf.Variable[];

  constructor(
    readonly module: string,
    readonly index: number,
    readonly a: tf.Variable,
    readonly b: tf.Variable,
    private readonly shared: SharedState,
  ) {
    this.parameters = [a, b];
  }

  forward(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const mask = this.shared.mask(this.index, x.shape);
      const input = mask ? tf.mul(x, mask) as tf.Tensor2D : x;
      // Scaling the [N, r] intermediate is cheaper than scaling [N, out].
      const down = tf.mul(
        tf.matMul(input, this.a, false, true),
        this.shared.scale,
      ) as tf.Tensor2D;
      return tf.matMul(down, this.b, false, true);
    });
  }

  /** B·A·scale, the change this adapter makes to W [out, in]. */
  delta(): tf.Tensor2D {
    return tf.tidy(() =>
      tf.mul(tf.matMul(this.b, this.a), this.shared.scale) as tf.Tensor2D
    );
  }
}

/** The LoRA adapters attached to one model, and what can be done with them. */
export class LoraAdapters {
  /** Adapted module names, in model order. */
  readonly modules: readonly string[];
  /** alpha / r, or alpha / √r with rsLoRA. */
  readonly scale: number;
  #layers: LoraLinear[];
  #training = false;
  #step = 0;
  #merged = false;
  #removed = false;

  constructor(
    readonly model: CausalLM,
    readonly config: LoraConfig,
    readonly seed: number,
    layers: { module: string; a: tf.Variable; b: tf.Variable }[],
  ) {
    this.scale = loraScale(config);
    const shared: SharedState = {
      scale: this.scale,
      mask: (index, shape) =>
        this.#training && config.dropout > 0
          ? dropoutMask(
            shape,
            config.dropout,
            seedFrom(this.seed, this.#step, index),
          )
          : null,
    };
    this.#layers = layers.map((l, i) =>
      new LoraLinear(l.module, i, l.a, l.b, shared)
    );
    this.modules = this.#layers.map((l) => l.module);
  }

  /** Whether dropout is active (training mode). */
  get training(): boolean {
    return this.#training;
  }

  /** Training mode: dropout on. Call before training forwards. */
  train(): this {
    this.#training = true;
    return this;
  }

  /** Evaluation mode (the default): no dropout, for scoring and generation. */
  eval(): this {
    this.#training = false;
    return this;
  }

  /** The counter the dropout masks are keyed by. */
  get dropoutStep(): number {
    return this.#step;
  }

  /**
   * Sets the dropout counter. Masks depend only on (seed, step, module,
   * input shape): give each training forward pass (each micro-batch) its
   * own step, and keep it unchanged between a forward pass and its backward.
   */
  setDropoutStep(step: number): void {
    if (!Number.isSafeInteger(step) || step < 0) {
      throw new Error(
        `setDropoutStep: step must be a non-negative integer, got ${step}`,
      );
    }
    this.#step = step;
  }

  /** Every LoRA matrix under its PEFT key, in module order (A then B). */
  parameters(): [string, tf.Variable][] {
    this.requireAttached("parameters");
    return this.#layers.flatMap((l): [string, tf.Variable][] => [
      [peftKey(l.module, "lora_A"), l.a],
      [peftKey(l.module, "lora_B"), l.b],
    ]);
  }

  /** The trainable variables, in {@link parameters} order (for tf.variableGrads and optimisers). */
  variables(): tf.Variable[] {
    return this.parameters().map(([, v]) => v);
  }

  /** Number of trainable LoRA values. */
  trainableCount(): number {
    return this.variables().reduce((n, v) => n + (v.trainable ? v.size : 0), 0);
  }

  /** PEFT's print_trainable_parameters line: "trainable params: X || all params: Y || trainable%: Z". */
  summary(): string {
    // Offloaded (host) weights are frozen and not in namedWeights().
    let base = 0, baseTrainable = 0;
    for (const [, w] of this.model.hostWeights) base += w.size;
    for (const [, w] of this.model.namedWeights()) {
      base += w.size;
      if (w.trainable) baseTrainable += w.size;
    }
    const lora = this.variables().reduce((n, v) => n + v.size, 0);
    const trainable = this.trainableCount() + baseTrainable;
    const all = base + lora;
    const format = (n: number) => n.toLocaleString("en-US");
    return `trainable params: ${format(trainable)} || all params: ${
      format(all)
    } || trainable%: ${(100 * trainable / all).toFixed(4)}`;
  }

  /** Whether the adapters are currently applied (the model's switch). */
  get enabled(): boolean {
    return this.model.adaptersEnabled;
  }

  /** Bypasses the adapters: the model computes the base model (the reference policy), sharing its weights. */
  disable(): void {
    this.requireAttached("disable");
    if (this.#merged) {
      throw new Error(
        "disable: the adapters are merged into the base weights; unmerge() first",
      );
    }
    this.model.adaptersEnabled = false;
  }

  /** Applies the adapters again after {@link disable}. */
  enable(): void {
    this.requireAttached("enable");
    this.model.adaptersEnabled = true;
  }

  /** Whether B·A·scale is currently added into the base weights. */
  get merged(): boolean {
    return this.#merged;
  }

  /**
   * W ← W + B·A·scale for every adapted layer, and stop applying the
   * adapters separately (so nothing counts twice). Faster inference; undo
   * with {@link unmerge}.
   */
  merge(): void {
    this.requireAttached("merge");
    if (this.#merged) throw new Error("merge: the adapters are already merged");
    if (!this.model.adaptersEnabled) {
      throw new Error("merge: the adapters are disabled; enable() first");
    }
    for (const layer of this.#layers) {
      const delta = layer.delta();
      this.model.addToWeight(`${layer.module}.weight`, delta);
      delta.dispose();
      this.model.adapters.delete(layer.module);
    }
    this.#merged = true;
  }

  /** W ← W − B·A·scale and apply the adapters separately again. */
  unmerge(): void {
    this.requireAttached("unmerge");
    if (!this.#merged) throw new Error("unmerge: the adapters are not merged");
    for (const layer of this.#layers) {
      const negated = tf.tidy(() => tf.neg(layer.delta()));
      this.model.addToWeight(`${layer.module}.weight`, negated);
      negated.dispose();
      this.model.adapters.set(layer.module, layer);
    }
    this.#merged = false;
  }

  /**
   * Detaches the adapters and frees their variables. If merged, the base
   * weights keep the merged update (PEFT's merge_and_unload); otherwise the
   * model is the base model again. Leaves `model.adaptersEnabled` true.
   */
  remove(): void {
    this.requireAttached("remove");
    for (const layer of this.#layers) {
      if (this.model.adapters.get(layer.module) === layer) {
        this.model.adapters.delete(layer.module);
      }
      layer.a.dispose();
      layer.b.dispose();
    }
    this.model.adaptersEnabled = true;
    this.#removed = true;
  }

  private requireAttached(what: string): void {
    if (this.#removed) {
      throw new Error(`${what}: these adapters were removed from the model`);
    }
  }

  /** @internal Registers every adapter on the model (used by {@link applyLora}). */
  attach(): void {
    for (const layer of this.#layers) {
      if (this.model.adapters.has(layer.module)) {
        throw new Error(
          `applyLora: module "${layer.module}" already has an adapter; remove() the existing one first`,
        );
      }
    }
    for (const layer of this.#layers) {
      this.model.adapters.set(layer.module, layer);
    }
  }
}

/**
 * Attaches LoRA adapters to the linear layers `config` selects. A is drawn
 * in JS from `options.seed` (same values on every backend): PEFT's default
 * Kaiming-uniform with a = √5, i.e. U(−1/√in, 1/√in), or N(0, (1/r)²) for
 * init "gaussian"; B is zero. Starts in eval mode (no dropout).
 */
export function applyLora(
  model: CausalLM,
  config: LoraConfig,
  options: ApplyLoraOptions,
): LoraAdapters {
  const checked = parseLoraConfig(config, "applyLora: config");
  if (!Number.isSafeInteger(options.seed) || options.seed < 0) {
    throw new Error(
      `applyLora: seed must be a non-negative integer, got ${options.seed}`,
    );
  }
  const modules = resolveTargets(checked, model);
  const shapes = linearShapes(model.config);
  const rng = new Rng(options.seed);
  const r = checked.r;
  const layers = modules.map((module) => {
    const [outFeatures, inFeatures] = shapes.get(module)!;
    const a = new Float32Array(r * inFeatures);
    if (checked.init === "gaussian") {
      for (let i = 0; i < a.length; i++) a[i] = rng.normal() / r;
    } else {
      const bound = 1 / Math.sqrt(inFeatures);
      for (let i = 0; i < a.length; i++) a[i] = (2 * rng.uniform() - 1) * bound;
    }
    return {
      module,
      // Unnamed: tfjs variable names are process-global.
      a: tf.tidy(() => tf.variable(tf.tensor2d(a, [r, inFeatures]), true)),
      b: tf.tidy(() => tf.variable(tf.zeros([outFeatures, r]), true)),
    };
  });
  const lora = new LoraAdapters(model, checked, options.seed, layers);
  lora.attach();
  return lora;
}
