/**
 * Packing several short tokenised examples into one sequence (the batches
 * themselves are lib/model/batch.ts `padBatch`).
 *
 * @module
 */
import type { MaskedTokens } from "../../tokenizer/mod.ts";

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
