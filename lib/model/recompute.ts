/**
 * Activation recomputation (what HF's `gradient_checkpointing` turns on): run
 * a block without keeping its intermediate tensors for the backward pass, and
 * run it again when its gradient is needed. Memory for activations drops from
 * every tensor of every layer to one tensor per layer plus one layer's worth
 * at a time, for about one extra forward pass of compute.
 *
 * @module
 */
import { tf } from "../engine/mod.ts";

/** The block to recompute: y = fn(x, constants). */
export type Block = (x: tf.Tensor, constants: tf.Tensor[]) => tf.Tensor;

interface EngineTapeState {
  activeTape: unknown;
}

/**
 * y = block(x, constants), differentiable with respect to `x` and `params`,
 * storing only `x` and `constants` for the backward pass.
 *
 * `params` must list every trainable variable the block reads (others get no
 * gradient). `constants` are tensors the block reads that are not trained
 * (RoPE tables, masks); they are kept alive until the backward pass. The block
 * must be deterministic: it runs twice and both runs must agree (seeded
 * dropout, not fresh randomness).
 */
export function recomputed(
  block: Block,
  x: tf.Tensor,
  constants: tf.Tensor[],
  params: tf.Variable[],
): tf.Tensor {
  const op = tf.customGrad((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const input = args[0] as tf.Tensor;
    save([input, ...constants]);
    return {
      value: block(input, constants),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [savedInput, ...savedConstants] = saved;
        const wrt = [savedInput, ...params];
        const grads = nestedGradients(
          () => block(savedInput, savedConstants),
          wrt,
          dy as tf.Tensor,
        );
        return grads.map((g, i) => g ?? tf.zerosLike(wrt[i]));
      },
    };
  });
  return op(x, ...params);
}

/**
 * Gradients of f with respect to xs, computed while an outer backward pass
 * is running. tfjs's engine keeps one active tape and clears it when any
 * gradient computation ends, which would wipe the outer pass's tape; we put
 * it back afterwards.
 */
function nestedGradients(
  f: () => tf.Tensor,
  xs: tf.Tensor[],
  dy: tf.Tensor,
): (tf.Tensor | undefined)[] {
  const state = tf.engine().state as unknown as EngineTapeState;
  const outerTape = state.activeTape;
  try {
    const { value, grads } = tf.engine().gradients(f, xs, dy, true);
    value.dispose();
    return grads as (tf.Tensor | undefined)[];
  } finally {
    state.activeTape = outerTape;
  }
}
