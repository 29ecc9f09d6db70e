/**
 * The real USE-lite embedder, recording the texts it is asked to embed, so
 * tests can check how many embedding calls a reward makes and with what.
 *
 * @module
 */
import type { Embedder } from "../../lib/rewards/similarity.ts";
import { useLiteEmbedder } from "../../lib/rewards/use_lite.ts";

/** USE-lite with a log of every `embed` call's texts. */
export function recordingEmbedder(): Embedder & { calls: string[][] } {
  const use = useLiteEmbedder();
  const calls: string[][] = [];
  return {
    name: use.name,
    calls,
    embed(texts) {
      calls.push([...texts]);
      return use.embed(texts);
    },
  };
}
