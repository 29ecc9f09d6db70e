/**
 * The one batch type every log-prob path reads (the LM loss, GRPO's policy
 * log-probs, scoring): token ids [B × L] right-padded, which tokens are real,
 * and which tokens count as targets. Position t of a row predicts token
 * t + 1, so the counted next-token positions are the tokens 1…L−1 that are
 * both real and labelled; {@link targetMask} lays them out on the
 * [B × (L − 1)] grid the log-probs come on.
 *
 * ```ts
 * const sft = padBatch(examples, tok.padId); // label mask: assistant tokens
 * const grpo = promptCompletionBatch(rollouts, tok.padId); // label mask: completions
 * const { weights, count } = targetMask(sft);
 * ```
 *
 * @module
 */

/** Token sequences with optional masks, all [B × L] row-major. */
export interface TokenBatch {
  ids: Int32Array;
  batch: number;
  length: number;
  /** 1 for real tokens, 0 for padding (default: all real). */
  attentionMask?: Uint8Array;
  /** 1 where a token counts as a target (default: every real token). */
  labelMask?: Uint8Array;
}

/** Token ids with a per-token label mask (1: trained / counted). */
export interface MaskedSequence {
  ids: ArrayLike<number>;
  mask: ArrayLike<number>;
}

/**
 * Right-pads sequences to the longest one (at least `minLength`); padding
 * is neither attended nor counted, and each sequence's mask becomes its
 * label mask.
 */
export function padBatch(
  sequences: readonly MaskedSequence[],
  padId: number,
  minLength = 1,
): TokenBatch {
  if (sequences.length === 0) throw new Error("padBatch: no sequences");
  const length = Math.max(minLength, ...sequences.map((s) => s.ids.length));
  const batch = sequences.length;
  const ids = new Int32Array(batch * length).fill(padId);
  const attentionMask = new Uint8Array(batch * length);
  const labelMask = new Uint8Array(batch * length);
  sequences.forEach((s, r) => {
    ids.set(s.ids, r * length);
    attentionMask.fill(1, r * length, r * length + s.ids.length);
    labelMask.set(s.mask, r * length);
  });
  return { ids, batch, length, attentionMask, labelMask };
}

/** Token ids of a prompt and of its sampled completion. */
export interface PromptCompletion {
  promptIds: readonly number[];
  completionIds: readonly number[];
}

/**
 * Prompt + completion per row, right-padded to a common length (at least
 * 2, so there is one next-token position); the completion tokens are the
 * targets.
 */
export function promptCompletionBatch(
  sequences: readonly PromptCompletion[],
  padId: number,
): TokenBatch {
  return padBatch(
    sequences.map((s) => {
      const p = s.promptIds.length, c = s.completionIds.length;
      const mask = new Uint8Array(p + c).fill(1, p);
      return { ids: [...s.promptIds, ...s.completionIds], mask };
    }),
    padId,
    2,
  );
}

/**
 * The counted next-token positions on the [B × (L − 1)] grid: entry
 * r·(L − 1) + t − 1 is 1 when token t of row r is real and labelled (it
 * is predicted from position t − 1), with their number.
 */
export function targetMask(
  b: TokenBatch,
): { weights: Float32Array; count: number } {
  const weights = new Float32Array(b.batch * (b.length - 1));
  let count = 0;
  for (let r = 0; r < b.batch; r++) {
    for (let t = 1; t < b.length; t++) {
      const i = r * b.length + t;
      const counts = (b.labelMask ? b.labelMask[i] : 1) &&
        (b.attentionMask ? b.attentionMask[i] : 1);
      weights[r * (b.length - 1) + t - 1] = counts ? 1 : 0;
      if (counts) count++;
    }
  }
  return { weights, count };
}

/** Real (attended) tokens of a batch. */
export function attendedTokens(b: TokenBatch): number {
  return b.attentionMask
    ? b.attentionMask.reduce((a, v) => a + v, 0)
    : b.batch * b.length;
}
