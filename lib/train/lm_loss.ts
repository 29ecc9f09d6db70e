/**
 * The causal language-modelling loss: mean negative log-likelihood of each
 * next token, over the target positions a batch's masks select (SFT's
 * assistant-only loss, padding excluded). Differentiable; the log-probs come
 * from lib/model/logprobs.ts like every other log-prob path.
 *
 * @module
 */
import { tf } from "../engine/mod.ts";
import { targetMask, type TokenBatch } from "../model/batch.ts";
import type { CausalLM } from "../model/decoder.ts";
import { batchLogProbs } from "../model/logprobs.ts";

/**
 * Mean NLL of tokens 1…L−1 of each row given the tokens before them, over
 * the real tokens whose label mask is 1. Returns the loss and the number of
 * target tokens it averaged over.
 */
export function causalLmLoss(
  model: CausalLM,
  b: TokenBatch,
): { loss: tf.Scalar; tokens: number } {
  const { weights, count: tokens } = targetMask(b);
  if (tokens === 0) {
    throw new Error(
      "causalLmLoss: the batch has no target tokens (all masked)",
    );
  }
  const loss = tf.tidy(() => {
    const logp = batchLogProbs(model, b);
    const w = tf.tensor2d(weights, [b.batch, b.length - 1]);
    return tf.div(tf.neg(tf.sum(tf.mul(logp, w))), tokens) as tf.Scalar;
  });
  return { loss, tokens };
}

/**
 * Token-weighted mean loss over `batches` (evaluation: no gradient, one
 * read per batch): Σ lossᵢ·nᵢ / Σ nᵢ, the mean NLL per target token of the
 * whole set however it is batched.
 */
export function meanLmLoss(
  model: CausalLM,
  batches: Iterable<TokenBatch>,
): { loss: number; tokens: number } {
  let sum = 0, tokens = 0;
  for (const batch of batches) {
    const r = causalLmLoss(model, batch);
    sum += r.loss.dataSync()[0] * r.tokens;
    tokens += r.tokens;
    r.loss.dispose();
  }
  return { loss: sum / tokens, tokens };
}
