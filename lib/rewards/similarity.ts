/**
 * Sentence-embedding similarity rewards: `cos(e(completion), e(reference)) −
 * offset`, gemma_haiku's `reward_similarity` (offset 0.5) with any embedder.
 *
 * ```ts
 * const sim = cosineReward(useLiteEmbedder(), { offset: 0.5 });
 * sim.embedder; // "use-lite": name it next to every number it produces
 * ```
 *
 * Cosines depend on the embedder: USE-lite gives ≈ 0.85 for a close
 * paraphrase and ≈ 0 for unrelated text, MiniLM (gemma_haiku's) is on another
 * scale, so scores from different embedders are not comparable.
 *
 * @module
 */
import { pyStrip } from "./text.ts";
import { topicOf } from "./topic.ts";
import {
  requireColumn,
  type RewardFunction,
  type RewardSample,
} from "./types.ts";
import { promptText } from "../prompt/prompt.ts";

/** Something that turns texts into vectors. */
export interface Embedder {
  /** Short name for tables and logs, e.g. "use-lite" or "minilm:<source>". */
  readonly name: string;
  /** One vector per text, in order. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  /** Releases workers or sessions; the embedder reloads if used again. */
  close?(): void | Promise<void>;
}

/** Cosine similarity, clamped to [−1, 1]; 0 when either vector is zero. */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) {
    throw new Error(
      `cosine: vectors have different sizes (${a.length} and ${b.length})`,
    );
  }
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  if (na === 0 || nb === 0) return 0;
  return Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb)));
}

/**
 * Remembers the embeddings of reference texts (topics, source passages),
 * which repeat across the completions of a group and across epochs.
 */
export class EmbeddingCache {
  readonly #map = new Map<string, Float32Array>();
  readonly maxEntries: number;
  constructor(maxEntries = 10_000) {
    this.maxEntries = maxEntries;
  }
  /** The cached vector of `text`, if any. */
  get(text: string): Float32Array | undefined {
    return this.#map.get(text);
  }
  /** Stores a vector, dropping the oldest entry when full. */
  set(text: string, vector: Float32Array): void {
    if (this.#map.size >= this.maxEntries && !this.#map.has(text)) {
      this.#map.delete(this.#map.keys().next().value!);
    }
    this.#map.set(text, vector);
  }
  /** Number of cached texts. */
  get size(): number {
    return this.#map.size;
  }
}

/**
 * `cos(e(texts[i]), e(references[i]))` for every i, in one embedding call:
 * the texts plus the distinct references not yet in `cache`.
 */
export async function cosineSimilarities(
  embedder: Embedder,
  texts: readonly string[],
  references: readonly string[],
  cache: EmbeddingCache = new EmbeddingCache(),
): Promise<number[]> {
  if (texts.length !== references.length) {
    throw new Error(
      `cosineSimilarities: ${texts.length} texts but ${references.length} references`,
    );
  }
  if (texts.length === 0) return [];
  const missing = [...new Set(references.filter((r) => !cache.get(r)))];
  const vectors = await embedder.embed([...texts, ...missing]);
  if (vectors.length !== texts.length + missing.length) {
    throw new Error(
      `embedder "${embedder.name}" returned ${vectors.length} vectors for ${
        texts.length + missing.length
      } texts`,
    );
  }
  const fresh = new Map<string, Float32Array>();
  missing.forEach((r, k) => {
    fresh.set(r, vectors[texts.length + k]);
    cache.set(r, vectors[texts.length + k]);
  });
  return texts.map((_, i) =>
    cosine(vectors[i], fresh.get(references[i]) ?? cache.get(references[i])!)
  );
}

/** Where the reference text of a sample comes from. */
export type ReferenceSource =
  | "topic"
  | "prompt"
  | { column: string }
  | ((sample: RewardSample) => string);

/** Options for {@link cosineReward}. */
export interface CosineRewardOptions {
  /** Subtracted from the cosine (default 0.5, gemma_haiku's). */
  offset?: number;
  /**
   * The reference: `"topic"` (default: {@link topicOf} the prompt),
   * `"prompt"` (the prompt's last user text), a dataset column, or a function.
   */
  reference?: ReferenceSource;
  /** Metric name (default "similarity"). */
  name?: string;
  /** Reference embeddings kept (default 10 000). */
  cacheSize?: number;
}

/** A reward that also says which embedder produced it. */
export type EmbeddingReward = RewardFunction & {
  /** The embedder's name, for evaluation tables. */
  readonly embedder: string;
};

/** Resolves a {@link ReferenceSource} for one sample. */
export function referenceText(
  source: ReferenceSource,
  sample: RewardSample,
  rewardName: string,
): string {
  if (source === "topic") return topicOf(sample.prompt);
  if (source === "prompt") return promptText(sample.prompt);
  if (typeof source === "function") return source(sample);
  const value = requireColumn(sample, source.column, rewardName);
  if (typeof value !== "string") {
    throw new Error(
      `reward "${rewardName}": column "${source.column}" must be text, got ${typeof value}`,
    );
  }
  return value;
}

/**
 * `cos(e(completion.strip()), e(reference)) − offset`, range
 * `[−1 − offset, 1 − offset]`. Completions of a batch are embedded together;
 * reference embeddings are cached.
 */
export function cosineReward(
  embedder: Embedder,
  options: CosineRewardOptions = {},
): EmbeddingReward {
  const offset = options.offset ?? 0.5;
  const source = options.reference ?? "topic";
  const name = options.name ?? "similarity";
  const cache = new EmbeddingCache(options.cacheSize);
  return {
    name,
    embedder: embedder.name,
    range: [-1 - offset, 1 - offset],
    description: `cosine similarity of the completion and the ${
      typeof source === "string"
        ? source
        : typeof source === "function"
        ? "reference"
        : `"${source.column}" column`
    } under the ${embedder.name} embedder, minus ${offset} (gemma_haiku's reward_similarity form)`,
    async score(samples) {
      const refs = samples.map((s) => referenceText(source, s, name));
      const cos = await cosineSimilarities(
        embedder,
        samples.map((s) => pyStrip(s.completion)),
        refs,
        cache,
      );
      return cos.map((c) => c - offset);
    },
  };
}
