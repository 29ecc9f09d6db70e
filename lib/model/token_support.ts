/**
 * The tokens a constrained sampler could draw at each next-token position
 * of a batch. When generation masks tokens (lib/generate/text_constraint.ts
 * keeps text valid UTF-8), a completion was drawn from the renormalised
 * distribution q(t) = p(t) / Σ_{allowed} p, not from p. Policy-gradient
 * trainers must score it under q — log q = logit_t − logsumexp over the
 * allowed tokens — or every update also moves probability into tokens the
 * sampler can never draw, unseen and uncorrected.
 *
 * A support is a few distinct vocabulary masks and, per position of the
 * [B × (L − 1)] next-token grid, which of them applies (−1: the whole
 * vocabulary), so no [B × L × V] tensor is built.
 *
 * ```ts
 * const support = completionSupport(rows, batch.length);
 * const logq = batchLogProbs(model, batch, { support });
 * ```
 *
 * @module
 */

/** Which tokens could be drawn at each next-token position. */
export interface TokenSupport {
  /** Distinct allowed-token masks over the vocabulary (1: allowed). */
  masks: readonly Uint8Array[];
  /**
   * Per position of the [B × (L − 1)] grid (entry r·(L − 1) + t − 1
   * predicts token t of row r): the index of its mask, or −1 for the whole
   * vocabulary.
   */
  index: Int32Array;
}

/** One row of a prompt + completion batch and the masks its completion was drawn under. */
export interface ConstrainedRow {
  /** Tokens before the completion. */
  promptLength: number;
  /** Per completion token: its mask, or null when drawn unconstrained. */
  masks: readonly (Uint8Array | null)[];
}

/**
 * The support of a right-padded prompt + completion batch of row length
 * `length`, or undefined when no token was drawn under a mask.
 */
export function completionSupport(
  rows: readonly ConstrainedRow[],
  length: number,
): TokenSupport | undefined {
  const masks: Uint8Array[] = [];
  const ids = new Map<Uint8Array, number>();
  const index = new Int32Array(rows.length * (length - 1)).fill(-1);
  rows.forEach((row, r) => {
    row.masks.forEach((mask, j) => {
      if (!mask) return;
      // Completion token j sits at position promptLength + j and is
      // predicted from the position before it.
      const at = row.promptLength + j - 1;
      if (at < 0 || at >= length - 1) {
        throw new Error(
          `completionSupport: row ${r} token ${j} is outside the batch of length ${length}`,
        );
      }
      let id = ids.get(mask);
      if (id === undefined) {
        id = masks.length;
        ids.set(mask, id);
        masks.push(mask);
      }
      index[r * (length - 1) + at] = id;
    });
  });
  return masks.length > 0 ? { masks, index } : undefined;
}
