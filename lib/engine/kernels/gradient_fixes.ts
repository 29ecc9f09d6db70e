/**
 * Gradients that tfjs 4.22 gets wrong, replaced for every backend (found by
 * tests/engine/matmul_test.ts and gradients_test.ts):
 *
 * - `BatchMatMul` returns dA and dB with the broadcast output batch, so
 *   `tf.grad` through `[B,T,K] × [K,N]` (a linear layer on a batch) or
 *   `[1,H,T,D] × [B,H,D,T]` fails with "The gradient of input 'b' has shape
 *   '4,5,3', which does not match the shape of the input '5,3'".
 * - `Maximum` and `Minimum` likewise never sum over broadcast axes.
 * - `Cumsum` transposes its (already correct) result whenever the axis is not
 *   written as the last index, so the gradient of `tf.cumsum(x, -1)` throws
 *   "rank of input 3 must match length of perm 0,1,2,-1" and other axes give
 *   the wrong shape.
 *
 * Each replacement is TensorFlow's rule: the stock products, then a sum over
 * the axes the operand was broadcast along; for cumsum, a cumsum of dy in the
 * opposite direction along the same axis.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

type MatMulAttrs = { transposeA: boolean; transposeB: boolean };
type CumsumAttrs = { axis: number; exclusive: boolean; reverse: boolean };

/**
 * Sums `grad` over the axes that an operand of `shape` was broadcast along
 * and gives it that shape. The last `trailingKept` axes take no part in
 * broadcasting (2 for the matrix axes of a matmul, 0 for element-wise ops).
 */
function reduceToShape(
  grad: tf.Tensor,
  shape: number[],
  trailingKept = 0,
): tf.Tensor {
  if (tf.util.arraysEqual(grad.shape, shape)) return grad;
  const axes = tf.backend_util.getReductionAxes(
    shape.slice(0, shape.length - trailingKept),
    grad.shape.slice(0, grad.rank - trailingKept),
  );
  return tf.reshape(axes.length > 0 ? tf.sum(grad, axes) : grad, shape);
}

/** d(A·B) for each transpose combination, before any batch reduction. */
function matMulProducts(
  dy: tf.Tensor,
  a: tf.Tensor,
  b: tf.Tensor,
  { transposeA, transposeB }: MatMulAttrs,
): [() => tf.Tensor, () => tf.Tensor] {
  if (!transposeA && !transposeB) {
    return [() => tf.matMul(dy, b, false, true), () => tf.matMul(a, dy, true)];
  }
  if (!transposeA && transposeB) {
    return [() => tf.matMul(dy, b), () => tf.matMul(dy, a, true)];
  }
  if (transposeA && !transposeB) {
    return [() => tf.matMul(b, dy, false, true), () => tf.matMul(a, dy)];
  }
  return [
    () => tf.matMul(b, dy, true, true),
    () => tf.matMul(dy, a, true, true),
  ];
}

const batchMatMulGradient: tf.GradConfig = {
  kernelName: "BatchMatMul",
  inputsToSave: ["a", "b"],
  gradFunc: (dy, [a, b], attrs) => {
    const [da, db] = matMulProducts(
      dy as tf.Tensor,
      a,
      b,
      attrs as unknown as MatMulAttrs,
    );
    return {
      a: () => reduceToShape(da(), a.shape, 2),
      b: () => reduceToShape(db(), b.shape, 2),
    };
  },
};

/**
 * Maximum/Minimum: dy flows to the input that won (ties to `a`, NaN to
 * neither, as in tfjs), then reduces to that input's shape.
 */
function extremumGradient(
  kernelName: "Maximum" | "Minimum",
  aWins: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
  bWins: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ["a", "b"],
    gradFunc: (dy, [a, b]) => {
      const routed = (wins: tf.Tensor, shape: number[]) =>
        reduceToShape(tf.mul(dy as tf.Tensor, tf.cast(wins, "float32")), shape);
      return {
        a: () => routed(aWins(a, b), a.shape),
        b: () => routed(bWins(a, b), b.shape),
      };
    },
  };
}

const cumsumGradient: tf.GradConfig = {
  kernelName: "Cumsum",
  inputsToSave: ["x"],
  gradFunc: (dy, _saved, attrs) => {
    const { axis, exclusive, reverse } = attrs as unknown as CumsumAttrs;
    return { x: () => tf.cumsum(dy as tf.Tensor, axis, exclusive, !reverse) };
  },
};

let registered = false;

/** Replaces tfjs's gradients listed above (idempotent). */
export function registerGradientFixes(): void {
  if (registered) return;
  tf.registerGradient(batchMatMulGradient);
  tf.registerGradient(
    extremumGradient("Maximum", tf.greaterEqual, tf.less),
  );
  tf.registerGradient(
    extremumGradient("Minimum", tf.lessEqual, tf.greater),
  );
  tf.registerGradient(cumsumGradient);
  registered = true;
}
