/**
 * The causal language-modelling loss: mean negative log-likelihood of each
 * next token, over the target positions a mask selects (SFT's
 * assistant-only loss, padding excluded). Differentiable.
 *
 * @module
 */
import { tf } from "../engine/mod.ts";
import type { CausalLM } from "../model/decoder.ts";
import { tokenLogProbs } from "../model/logprobs.ts";

/** A batch of token sequences with optional masks, all [B × T] row-major. */
export interface TokenBatch {
  ids: Int32Array;
  batch: number;
  length: number;
  /** 1 for real tokens (default all real). */
  attentionMask?: Uint8Array;
  /** 1 where a token counts as a target (default: every real token). */
  labelMask?: Uint8Array;
}

/**
 * Mean NLL of tokens 1…T−1 of each row given the tokens before them, over
 * positions whose label mask is 1. Returns the loss and the number of target
 * tokens it averaged over.
 */
export function causalLmLoss(
  model: CausalLM,
  b: TokenBatch,
): { loss: tf.Scalar; tokens: number } {
  const weights = new Float32Array(b.batch * (b.length - 1));
  let tokens = 0;
  for (let r = 0; r < b.batch; r++) {
    for (let t = 1; t < b.length; t++) {
      const i = r * b.length + t;
      const counts = (b.labelMask ? b.labelMask[i] : 1) &&
        (b.attentionMask ? b.attentionMask[i] : 1);
      weights[r * (b.length - 1) + t - 1] = counts ? 1 : 0;
      if (counts) tokens++;
    }
  }
  if (tokens === 0) {
    throw new Error(
      "causalLmLoss: the batch has no target tokens (all masked)",
    );
  }
  const loss = tf.tidy(() => {
    const ids = tf.tensor2d(b.ids, [b.batch, b.length], "int32");
    const hidden = model.forward(ids, { attentionMask: b.attentionMask });
    const inputs = tf.slice(hidden, [0, 0, 0], [b.batch, b.length - 1, -1]);
    const targets = tf.slice(ids, [0, 1], [b.batch, b.length - 1]);
    const logp = tokenLogProbs(model, inputs, targets);
    const w = tf.tensor2d(weights, [b.batch, b.length - 1]);
    return tf.div(tf.neg(tf.sum(tf.mul(logp, w))), tokens) as tf.Scalar;
  });
  return { loss, tokens };
}
