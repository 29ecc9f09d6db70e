/**
 * `detach(x)`: the value of x with no gradient flowing back through it
 * (PyTorch's `.detach()`; tfjs has no stop-gradient op).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

const detachOp = tf.customGrad((...args: unknown[]) => {
  const x = args[0] as tf.Tensor;
  return {
    value: tf.clone(x),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.zerosLike(dy as tf.Tensor),
  };
});

/** x's value, treated as a constant by gradients. */
export function detach<T extends tf.Tensor>(x: T): T {
  return detachOp(x) as T;
}
