/**
 * Log-probabilities of chosen tokens, without materialising [B, T, V].
 *
 * log p(t | h) = h·w_t − logsumexp(h·Wᵀ). The picked logit comes from the
 * gathered rows w_t (no one-hot of vocabulary width), and the logsumexp is
 * computed over chunks of positions, so peak memory is chunk × V rather than
 * B × T × V — Gemma's vocabulary has 262 144 entries. Differentiable. The
 * head may be a heap variable or a frozen matrix in host memory.
 *
 * Every next-token log-prob of a sequence — the LM loss, GRPO's policy and
 * reference log-probs, scoring — goes through {@link batchLogProbs} (or
 * {@link sequenceLogProbs} for ids already on the heap), optionally at a
 * sampling temperature; DPO's `logits/*` metrics come from the same pass
 * ({@link batchLogProbsAndMeanLogits}).
 *
 * @module
 */
import { detach } from "../engine/detach.ts";
import { tf } from "../engine/mod.ts";
import type { TokenBatch } from "./batch.ts";
import type { CausalLM } from "./decoder.ts";
import { HostMatrix } from "./host_weights.ts";
import type { TokenSupport } from "./token_support.ts";

/** Default number of positions per logits chunk. */
export const DEFAULT_CHUNK = 256;

/**
 * Log-probs of `targets` given hidden states: hidden [..., D], targets [...]
 * (int32, same leading shape) → [...].
 */
export function tokenLogProbs(
  model: CausalLM,
  hidden: tf.Tensor,
  targets: tf.Tensor,
  chunk = DEFAULT_CHUNK,
  support?: TokenSupport,
): tf.Tensor {
  // A chunk below 1 would never advance the loop below (a hang).
  if (!(Number.isInteger(chunk) && chunk >= 1)) {
    throw new Error(
      `tokenLogProbs: chunk must be a positive integer, got ${chunk}`,
    );
  }
  return tf.tidy(() => {
    const d = model.config.hiddenSize;
    const flat = tf.reshape(hidden, [-1, d]) as tf.Tensor2D;
    const ids = tf.cast(tf.reshape(targets, [-1]), "int32") as tf.Tensor1D;
    const n = flat.shape[0];
    if (ids.shape[0] !== n) {
      throw new Error(
        `tokenLogProbs: ${n} hidden positions but ${ids.shape[0]} targets`,
      );
    }
    const head = headOps(model.head());
    if (support && support.index.length !== n) {
      throw new Error(
        `tokenLogProbs: the support covers ${support.index.length} positions, not ${n}`,
      );
    }
    const biases = support ? supportBiases(support, head.vocab) : null;
    const pieces: tf.Tensor[] = [];
    for (let start = 0; start < n; start += chunk) {
      const size = Math.min(chunk, n - start);
      const h = tf.slice(flat, [start, 0], [size, d]) as tf.Tensor2D;
      const t = tf.slice(ids, [start], [size]) as tf.Tensor1D;
      const rows = support?.index.subarray(start, start + size);
      const bias = biases && rows && rows.some((i) => i >= 0)
        ? { table: biases, rows: tf.tensor1d(rows.map((i) => i + 1), "int32") }
        : null;
      pieces.push(chunkLogProbs(h, t, head, bias));
    }
    const joined = pieces.length === 1 ? pieces[0] : tf.concat(pieces, 0);
    return tf.reshape(joined, targets.shape);
  });
}

/** The three products with the head W [V, D] that a chunk needs, wherever W lives. */
interface HeadOps {
  vocab: number;
  /** W[t]: the target tokens' rows. */
  rows(t: tf.Tensor1D): tf.Tensor2D;
  /** x·Wᵀ: logits. */
  logits(x: tf.Tensor2D): tf.Tensor2D;
  /** g·W: the gradient reaching the hidden states. */
  backward(g: tf.Tensor2D): tf.Tensor2D;
  /** The head variable, when it is trained (then dW is computed too). */
  trained?: tf.Variable;
}

/** A chunk's masks: the bias table and, per position, its row (0: no mask). */
interface ChunkBias {
  table: tf.Tensor2D;
  rows: tf.Tensor1D;
}

/** [1 + K, V]: row 0 all zeros (unconstrained), row k + 1 −1e9 where mask k forbids a token. */
function supportBiases(support: TokenSupport, vocab: number): tf.Tensor2D {
  const table = new Float32Array((support.masks.length + 1) * vocab);
  support.masks.forEach((mask, k) => {
    const row = (k + 1) * vocab;
    for (let v = 0; v < vocab; v++) {
      if (!(v < mask.length && mask[v])) table[row + v] = -1e9;
    }
  });
  return tf.tensor2d(table, [support.masks.length + 1, vocab]);
}

function headOps(head: tf.Variable | HostMatrix): HeadOps {
  if (head instanceof HostMatrix) {
    return {
      vocab: head.rows,
      rows: (t) => head.gatherRows(t) as tf.Tensor2D,
      logits: (x) => head.timesTransposed(x),
      backward: (g) => head.times(g),
    };
  }
  return {
    vocab: head.shape[0],
    rows: (t) => tf.gather(head, t) as tf.Tensor2D,
    logits: (x) => tf.matMul(x, head, false, true),
    backward: (g) => tf.matMul(g, head),
    trained: head.trainable ? head : undefined,
  };
}

/**
 * log p(t | h) for one chunk, with a hand-written gradient that recomputes
 * the chunk's logits instead of storing them and their softmax: only h and t
 * are kept for the backward pass. With p = softmax(h·Wᵀ) and G = dy·(onehot(t) − p),
 * dh = G·W and dW = Gᵀ·h (the latter only when the head is trained).
 */
function chunkLogProbs(
  h: tf.Tensor2D,
  t: tf.Tensor1D,
  head: HeadOps,
  bias: ChunkBias | null,
): tf.Tensor1D {
  // Positions drawn under a mask: their disallowed logits get −1e9 (the
  // table's row per position is gathered again in the backward pass, so
  // no [chunk × V] bias outlives the forward pass).
  const logitsOf = (x: tf.Tensor2D, b: ChunkBias | null) =>
    b ? tf.add(head.logits(x), tf.gather(b.table, b.rows)) : head.logits(x);
  const op = tf.customGrad((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const x = args[0] as tf.Tensor2D;
    save(bias ? [x, t, bias.table, bias.rows] : [x, t]);
    const picked = tf.sum(tf.mul(x, head.rows(t)), -1);
    return {
      value: tf.sub(picked, tf.logSumExp(logitsOf(x, bias), -1)),
      // tfjs runs a custom gradient outside the backward pass's per-node
      // tidy, so without this one every chunk's vocabulary-wide temporaries
      // would stay on the heap until the whole backward pass ends; the
      // explicit disposals keep at most two of them alive at a time.
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [xs, ts, table, rows] = saved as [
            tf.Tensor2D,
            tf.Tensor1D,
            tf.Tensor2D?,
            tf.Tensor1D?,
          ];
          const logits = logitsOf(xs, table && rows ? { table, rows } : null);
          const probs = tf.softmax(logits);
          logits.dispose();
          const target = tf.oneHot(ts, head.vocab, 1, 0, "float32");
          const diff = tf.sub(target, probs);
          target.dispose();
          probs.dispose();
          const g = tf.mul(
            diff,
            tf.expandDims(dy as tf.Tensor1D, 1),
          ) as tf.Tensor2D;
          diff.dispose();
          const dx = head.backward(g);
          return head.trained ? [dx, tf.matMul(g, xs, true, false)] : [dx];
        }),
    };
  });
  return (head.trained ? op(h, head.trained) : op(h)) as tf.Tensor1D;
}

/** Options of the next-token log-prob functions. */
export interface LogProbOptions {
  /**
   * Sampling temperature T: log-probs of softmax(logits / T), the
   * distribution tokens sampled at T were drawn from (as TRL scores them).
   * 0 or 1 (default): the logits as they are.
   */
  temperature?: number;
  /** Positions per logits chunk (default {@link DEFAULT_CHUNK}). */
  chunk?: number;
  /**
   * The tokens a constrained sampler could draw at each position: log-probs
   * are then those of the distribution renormalised over them (./token_support.ts).
   */
  support?: TokenSupport;
}

/**
 * Next-token log-probs of a {@link TokenBatch}: [B, L − 1], entry t being
 * log p(ids[t + 1] | ids[≤ t]) (differentiable; padding and label masks
 * are the caller's to apply, e.g. with `targetMask`).
 */
export function batchLogProbs(
  model: CausalLM,
  b: TokenBatch,
  options: LogProbOptions = {},
): tf.Tensor2D {
  return tf.tidy(() =>
    sequenceLogProbs(
      model,
      tf.tensor2d(b.ids, [b.batch, b.length], "int32"),
      b.attentionMask,
      options,
    )
  );
}

/**
 * Next-token log-probs of a batch of sequences: for ids [B, T] returns
 * [B, T − 1], entry t being log p(ids[t + 1] | ids[≤ t]).
 */
export function sequenceLogProbs(
  model: CausalLM,
  ids: tf.Tensor2D,
  attentionMask?: ArrayLike<number>,
  options: LogProbOptions = {},
): tf.Tensor2D {
  return tf.tidy(() =>
    nextTokenOutputs(model, ids, attentionMask, options, false).logps
  );
}

/** Next-token log-probs and, per position, the vocabulary mean of the logits. */
export interface LogProbsAndMeanLogits {
  /** [B, L − 1], as {@link batchLogProbs} (differentiable). */
  logps: tf.Tensor2D;
  /**
   * [B, L − 1]: the mean over the vocabulary of the logit vector that
   * predicts token t + 1 (TRL's `logits/chosen`), without gradient.
   */
  meanLogits: tf.Tensor2D;
}

/**
 * {@link batchLogProbs} from the same forward pass as the vocabulary mean
 * of each position's logits. The mean needs no [.., V] tensor:
 * mean_v(h·w_v) = h·w̄ with w̄ the mean row of the head.
 */
export function batchLogProbsAndMeanLogits(
  model: CausalLM,
  b: TokenBatch,
  options: LogProbOptions = {},
): LogProbsAndMeanLogits {
  const [logps, meanLogits] = tf.tidy(() => {
    const out = nextTokenOutputs(
      model,
      tf.tensor2d(b.ids, [b.batch, b.length], "int32"),
      b.attentionMask,
      options,
      true,
    );
    return [out.logps, out.meanLogits!];
  });
  return { logps, meanLogits };
}

function nextTokenOutputs(
  model: CausalLM,
  ids: tf.Tensor2D,
  attentionMask: ArrayLike<number> | undefined,
  options: LogProbOptions,
  withMeanLogits: boolean,
): { logps: tf.Tensor2D; meanLogits?: tf.Tensor2D } {
  const { temperature = 1, chunk = DEFAULT_CHUNK, support } = options;
  const [b, t] = ids.shape;
  const hidden = model.forward(ids, { attentionMask });
  let inputs: tf.Tensor = tf.slice(hidden, [0, 0, 0], [b, t - 1, -1]);
  // logits / T = (h / T)·Wᵀ: scale the hidden states, never the vocabulary.
  if (temperature > 0 && temperature !== 1) {
    inputs = tf.div(inputs, temperature);
  }
  const targets = tf.slice(ids, [0, 1], [b, t - 1]);
  const logps = tokenLogProbs(
    model,
    inputs,
    targets,
    chunk,
    support,
  ) as tf.Tensor2D;
  if (!withMeanLogits) return { logps };
  return { logps, meanLogits: vocabularyMeanLogits(model, detach(inputs)) };
}

/** h·w̄ for hidden states [..., D] → [...], w̄ the head's mean row. */
function vocabularyMeanLogits(model: CausalLM, x: tf.Tensor): tf.Tensor2D {
  const head = model.head();
  const d = model.config.hiddenSize;
  const meanRow = head instanceof HostMatrix
    ? head.times(tf.fill([1, head.rows], 1 / head.rows) as tf.Tensor2D)
    : tf.mean(detach(head as tf.Tensor2D), 0, true) as tf.Tensor2D;
  const flat = tf.reshape(x, [-1, d]) as tf.Tensor2D;
  return tf.reshape(
    tf.matMul(flat, meanRow, false, true),
    x.shape.slice(0, -1) as [number, number],
  ) as tf.Tensor2D;
}
