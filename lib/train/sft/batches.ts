/**
 * From tokenised examples to model batches: right padding to the longest
 * sequence of a batch, and optional packing of several short examples into
 * one sequence.
 *
 * @module
 */
import type { MaskedTokens } from "../../tokenizer/mod.ts";
import type { TokenBatch } from "../lm_loss.ts";

/** Right-pads sequences to the longest one; padding is neither attended nor trained. */
export function padBatch(
  sequences: readonly Pick<MaskedTokens, "ids" | "mask">[],
  padId: number,
): TokenBatch {
  if (sequences.length === 0) throw new Error("padBatch: no sequences");
  const length = Math.max(...sequences.map((s) => s.ids.length));
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

/**
 * Packs examples into sequences of at most `maxLength` tokens by best-fit
 * decreasing (TRL's "bfd" strategy), never splitting an example. Order is
 * deterministic. As in TRL's packing without padding-free attention, tokens of
 * one example can attend to earlier examples in the same sequence; each
 * example starts with its own BOS/template, and its loss mask is kept.
 */
export function packExamples(
  examples: readonly Pick<MaskedTokens, "ids" | "mask">[],
  maxLength: number,
): { ids: number[]; mask: number[] }[] {
  const order = examples
    .map((e, i) => ({ i, n: e.ids.length }))
    .sort((a, b) => b.n - a.n || a.i - b.i);
  const bins: { free: number; members: number[] }[] = [];
  for (const { i, n } of order) {
    if (n > maxLength) {
      throw new Error(
        `packExamples: example ${i} has ${n} tokens, more than maxLength ${maxLength} (truncate first)`,
      );
    }
    let best = -1;
    for (let b = 0; b < bins.length; b++) {
      if (bins[b].free >= n && (best < 0 || bins[b].free < bins[best].free)) {
        best = b;
      }
    }
    if (best < 0) {
      bins.push({ free: maxLength, members: [] });
      best = bins.length - 1;
    }
    bins[best].free -= n;
    bins[best].members.push(i);
  }
  return bins.map((bin) => {
    const members = [...bin.members].sort((a, b) => a - b);
    return {
      ids: members.flatMap((i) => examples[i].ids),
      mask: members.flatMap((i) => examples[i].mask),
    };
  });
}
