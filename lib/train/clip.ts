/**
 * Gradient clipping by global L2 norm, as `torch.nn.utils.clip_grad_norm_`
 * (the HF Trainer's `max_grad_norm`): the norm of all gradients taken as one
 * vector, and every gradient scaled by min(1, maxNorm / (norm + 1e-6)).
 *
 * @module
 */
import { tf } from "../engine/mod.ts";

/** What to do when the gradient norm is NaN or infinite. */
export type NonFiniteAction = "error" | "skip";

/** Options of {@link clipGradNorm}. */
export interface ClipOptions {
  /**
   * "error" (default): throw, naming the parameters whose gradients are not
   * finite. "skip": return `skipped: true` and no gradients, so the caller
   * drops this optimizer step (torch instead scales by NaN and ruins the
   * weights).
   */
  nonFinite?: NonFiniteAction;
  /**
   * Dispose each input gradient as soon as its clipped copy exists, so at
   * most one extra gradient is alive at a time (default false: the inputs
   * stay the caller's).
   */
  disposeInputs?: boolean;
}

/** The result of {@link clipGradNorm}. */
export interface ClipResult {
  /** The scaled gradients: new tensors the caller disposes (empty when skipped). */
  grads: Map<string, tf.Tensor>;
  /** The global L2 norm before clipping (what the HF Trainer logs as grad_norm). */
  norm: number;
  /** True when the norm was not finite and `nonFinite` is "skip". */
  skipped: boolean;
}

/**
 * Scales `grads` so their global L2 norm is at most `maxNorm` and returns
 * them with the norm before clipping. Like torch, the factor is
 * maxNorm / (norm + 1e-6) clamped to at most 1, and it is applied even when
 * it is 1 (the values are then unchanged). `maxNorm` Infinity measures the
 * norm without clipping (HF's `max_grad_norm` 0).
 */
export function clipGradNorm(
  grads: Map<string, tf.Tensor>,
  maxNorm: number,
  options: ClipOptions = {},
): ClipResult {
  if (!(typeof maxNorm === "number" && maxNorm > 0)) {
    throw new Error(
      `clipGradNorm: maxNorm must be a positive number (Infinity: measure only), got ${maxNorm}`,
    );
  }
  const nonFinite = options.nonFinite ?? "error";
  const names = [...grads.keys()];
  // One read-back for all the sums, not one per tensor.
  const sums = names.length === 0
    ? new Float32Array()
    : tf.tidy(() =>
      tf.stack(names.map((n) => sumOfSquares(grads.get(n)!)))
        .dataSync() as Float32Array
    );
  const squares = new Map(names.map((n, i) => [n, sums[i]]));
  // Summed in double precision: the per-tensor sums are float32 like torch's
  // per-tensor norms, and the total of a few hundred of them needs no more.
  let total = 0;
  for (const s of squares.values()) total += s;
  const norm = Math.sqrt(total);
  if (!isFinite(norm)) {
    if (nonFinite === "error") {
      const bad = [...squares].filter(([, s]) => !isFinite(s)).map(([n]) =>
        `"${n}"`
      );
      throw new Error(
        `clipGradNorm: the gradient norm is ${norm}; non-finite gradients in ${
          bad.length > 0 ? bad.join(", ") : "none alone (their sum overflows)"
        }. Lower the learning rate or check the loss for inf/NaN`,
      );
    }
    if (options.disposeInputs) { for (const g of grads.values()) g.dispose(); }
    return { grads: new Map(), norm, skipped: true };
  }
  const coef = Math.min(1, maxNorm / (norm + 1e-6));
  const out = new Map<string, tf.Tensor>();
  for (const [name, g] of grads) {
    // g·1 is g bit for bit: share the buffer rather than copy it.
    out.set(name, coef === 1 ? tf.clone(g) : tf.tidy(() => tf.mul(g, coef)));
    if (options.disposeInputs) g.dispose();
  }
  return { grads: out, norm, skipped: false };
}

/** Tensors above this many values have their sum of squares taken in pieces. */
const WHOLE_LIMIT = 2 ** 26;
/** Values per piece. */
const PIECE = 2 ** 24;

/**
 * Σ g² in float32 (torch's per-tensor norm). Squaring a whole tensor needs
 * a second tensor its size: past `wholeLimit` values (a 262 144-row
 * embedding's gradient is 640 MiB) it goes `piece` values at a time, the
 * pieces' sums added in order.
 */
export function sumOfSquares(
  g: tf.Tensor,
  wholeLimit = WHOLE_LIMIT,
  piece = PIECE,
): tf.Scalar {
  return tf.tidy(() => {
    const x = tf.cast(g, "float32"); // shares the buffer when already float32
    if (x.size <= wholeLimit) return tf.sum(tf.square(x));
    const flat = tf.reshape(x, [-1]);
    let total: tf.Scalar | undefined;
    for (let start = 0; start < x.size; start += piece) {
      const part = tf.tidy(() =>
        tf.sum(
          tf.square(tf.slice(flat, start, Math.min(piece, x.size - start))),
        )
      );
      const next = (total ? tf.add(total, part) : part) as tf.Scalar;
      if (total) tf.dispose([total, part]);
      total = next;
    }
    return total!;
  });
}
