/**
 * Gradient accumulation over micro-batches as a weighted mean.
 *
 * For SFT, weight each micro-batch's gradient of its mean token loss by its
 * number of target tokens: Σ nᵢ·∇(Lᵢ/nᵢ) / Σ nᵢ = ∇(Σ Lᵢ / Σ nᵢ), the
 * gradient of the mean loss over every target token of the whole batch, the
 * same as one big batch (and as transformers' `num_items_in_batch`). A plain
 * mean of micro-batch gradients would instead weight a short micro-batch's
 * tokens more.
 *
 * ```ts
 * const acc = new GradientAccumulator();
 * for (const micro of microBatches) {
 *   const { value, grads } = tf.variableGrads(() => causalLmLoss(model, micro).loss, vars);
 *   acc.add(gradsByName, tokensIn(micro));
 *   tf.dispose([value, ...Object.values(grads)]);
 * }
 * const mean = acc.result(); // token-weighted mean gradient
 * acc.reset();
 * ```
 *
 * @module
 */
import { tf } from "../engine/mod.ts";

/**
 * Sums weight·gradient per parameter in one float32 buffer each and hands
 * back Σ wᵢ·gᵢ / Σ wᵢ. Memory is one gradient-sized tensor per parameter,
 * however many micro-batches are added. A single micro-batch's gradients are
 * kept as they are (no scaled copy: for a 262 144-row embedding each copy is
 * 640 MiB), and its mean is exactly the gradient.
 */
export class GradientAccumulator {
  #sums = new Map<string, tf.Tensor>();
  #totalWeight = 0;
  #count = 0;
  /** After one `add`, the sums are that micro-batch's gradients, not yet times its weight. */
  #unscaled = false;

  /**
   * Adds `weight`·`grads` (weight > 0, e.g. the micro-batch's target token
   * count). The caller keeps ownership of `grads`. A parameter missing from
   * some micro-batches counts as a zero gradient there; shapes must agree
   * across calls.
   */
  add(grads: Map<string, tf.Tensor>, weight = 1): void {
    if (!(typeof weight === "number" && weight > 0 && isFinite(weight))) {
      throw new Error(
        `GradientAccumulator.add: weight must be a positive number, got ${weight}`,
      );
    }
    for (const [name, g] of grads) {
      const sum = this.#sums.get(name);
      if (sum && sum.shape.join() !== g.shape.join()) {
        throw new Error(
          `GradientAccumulator.add: gradient "${name}" has shape [${g.shape}], earlier ones [${sum.shape}]`,
        );
      }
    }
    if (this.#count === 0) {
      // Shared, not copied: the caller's disposal leaves these alive.
      for (const [name, g] of grads) this.#sums.set(name, asFloat32(g));
      this.#unscaled = true;
    } else {
      if (this.#unscaled) {
        for (const [name, sum] of this.#sums) {
          this.#sums.set(name, scaled(sum, this.#totalWeight));
          sum.dispose();
        }
        this.#unscaled = false;
      }
      for (const [name, g] of grads) {
        const sum = this.#sums.get(name);
        const next = tf.tidy(() => {
          const term = scaled(g, weight);
          return sum ? tf.add(sum, term) : term;
        });
        sum?.dispose();
        this.#sums.set(name, next);
      }
    }
    this.#totalWeight += weight;
    this.#count++;
  }

  /** Number of `add` calls since the last reset. */
  get count(): number {
    return this.#count;
  }

  /** Sum of the weights added since the last reset. */
  get totalWeight(): number {
    return this.#totalWeight;
  }

  /**
   * The weighted mean Σ wᵢ·gᵢ / Σ wᵢ per parameter, as new tensors the
   * caller disposes. The sums stay until {@link reset}.
   */
  result(): Map<string, tf.Tensor> {
    if (this.#count === 0) {
      throw new Error(
        "GradientAccumulator.result: nothing was added since the last reset",
      );
    }
    const out = new Map<string, tf.Tensor>();
    for (const [name, sum] of this.#sums) {
      out.set(
        name,
        this.#unscaled
          ? tf.clone(sum)
          : tf.tidy(() => tf.div(sum, this.#totalWeight)),
      );
    }
    return out;
  }

  /** Frees the sums and starts over. */
  reset(): void {
    for (const sum of this.#sums.values()) sum.dispose();
    this.#sums.clear();
    this.#unscaled = false;
    this.#totalWeight = 0;
    this.#count = 0;
  }

  /** Frees the sums (the same as {@link reset}). */
  dispose(): void {
    this.reset();
  }
}

/** g as float32: the same buffer when it already is. */
function asFloat32(g: tf.Tensor): tf.Tensor {
  return g.dtype === "float32" ? tf.clone(g) : tf.cast(g, "float32");
}

/** weight·g in float32. */
function scaled(g: tf.Tensor, weight: number): tf.Tensor {
  return tf.tidy(() => tf.mul(asFloat32(g), weight));
}
