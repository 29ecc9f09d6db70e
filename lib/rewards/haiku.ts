/**
 * gemma_haiku's haiku rewards (`axeld5/gemma_haiku`, rewards.py), per sample.
 *
 * ```ts
 * const fns = [threeLinesReward(), haikuReward()];
 * const dense = haikuRegularReward(useLiteEmbedder());   // three_lines + haiku + similarity
 * const sparse = haikuSparseReward(useLiteEmbedder());   // similarity only for valid haikus
 * ```
 *
 * Every function reads the completion as gemma_haiku did (`c.strip()`, lines
 * split on `\n`, stripped, empty lines dropped) and takes the topic from
 * the sample's own prompt (gemma_haiku used the first prompt of the batch).
 *
 * Syllables come from a selectable counter: `"cmu"` (default; pronounced
 * syllables from CMUdict, syllables.ts) or `"pyphen"` (gemma_haiku's hyphenation
 * count, hyphenation.ts, for reproducing its numbers). Rewards using the
 * pyphen counter get a `_pyphen` name suffix so both can be logged together.
 *
 * @module
 */
import { pyphenLineSyllables } from "./hyphenation.ts";
import {
  cosineSimilarities,
  type Embedder,
  EmbeddingCache,
  type EmbeddingReward,
} from "./similarity.ts";
import { countLineSyllables, HAIKU_PATTERN } from "./syllables.ts";
import { pyStrip, seedLines } from "./text.ts";
import { legacyTopicOf, topicOf } from "./topic.ts";
import {
  perSampleReward,
  type RewardFunction,
  type RewardValue,
} from "./types.ts";

export { legacyTopicOf, topicOf };

/** Which syllable counter to use. */
export type SyllableCounterName = "cmu" | "pyphen";

/** Syllables of one line under `counter`. */
export function lineSyllables(
  line: string,
  counter: SyllableCounterName = "cmu",
): number {
  if (counter === "cmu") return countLineSyllables(line);
  if (counter === "pyphen") return pyphenLineSyllables(line);
  throw new Error(
    `unknown syllable counter ${
      JSON.stringify(counter)
    } (use "cmu" or "pyphen")`,
  );
}

/** Syllables per non-empty line of `text`, read as gemma_haiku reads it. */
export function haikuLineCounts(
  text: string,
  counter: SyllableCounterName = "cmu",
): number[] {
  return seedLines(text).map((line) => lineSyllables(line, counter));
}

/** gemma_haiku's `is_haiku`: exactly three non-empty lines of 5, 7, 5 syllables. */
export function isHaiku(
  text: string,
  counter: SyllableCounterName = "cmu",
): boolean {
  const lines = seedLines(text);
  return lines.length === 3 &&
    lines.every((l, i) => lineSyllables(l, counter) === HAIKU_PATTERN[i]);
}

/** gemma_haiku's `reward_three_lines`: 0 for exactly three non-empty lines, else −1. */
export function threeLines(text: string): number {
  return seedLines(text).length === 3 ? 0 : -1;
}

/** `three_lines`: 0 if the completion has exactly 3 non-empty lines, else −1. */
export function threeLinesReward(): RewardFunction {
  return perSampleReward({
    name: "three_lines",
    range: [-1, 0],
    description:
      "0 when the completion has exactly three non-empty lines, else -1 (gemma_haiku's reward_three_lines)",
    scoreSample: (s) => threeLines(s.completion),
  });
}

/** `haiku`: 1 if the completion is a 5-7-5 haiku, else 0. */
export function haikuReward(
  options: { counter?: SyllableCounterName } = {},
): RewardFunction {
  const counter = options.counter ?? "cmu";
  return perSampleReward({
    name: counter === "cmu" ? "haiku" : `haiku_${counter}`,
    range: [0, 1],
    description:
      `1 when the completion is three lines of 5, 7 and 5 syllables (${counter} counter), else 0 (gemma_haiku's reward_haiku)`,
    scoreSample: (s) => isHaiku(s.completion, counter) ? 1 : 0,
  });
}

/** Options of the combined haiku rewards. */
export interface HaikuSimilarityOptions {
  /** Syllable counter (default "cmu"). */
  counter?: SyllableCounterName;
  /** Subtracted from the cosine (default 0.5, gemma_haiku's). */
  offset?: number;
  /** `"fixed"` (default): all text after the first colon; `"legacy"`: gemma_haiku's. */
  topic?: "fixed" | "legacy";
  /** Metric name override. */
  name?: string;
}

function shape(text: string, counter: SyllableCounterName): number {
  return threeLines(text) + (isHaiku(text, counter) ? 1 : 0);
}

function combined(
  kind: "regular" | "sparse",
  embedder: Embedder,
  options: HaikuSimilarityOptions,
): EmbeddingReward {
  const counter = options.counter ?? "cmu";
  const offset = options.offset ?? 0.5;
  const topicRule = options.topic === "legacy" ? legacyTopicOf : topicOf;
  const cache = new EmbeddingCache();
  const [lo, hi] = [-1 - offset, 1 - offset];
  const suffix = counter === "cmu" ? "" : `_${counter}`;
  return {
    name: options.name ?? `haiku_${kind}${suffix}`,
    embedder: embedder.name,
    range: kind === "regular"
      ? [-1 + lo, 1 + hi]
      : [Math.min(-1, 1 + lo), Math.max(0, 1 + hi)],
    description:
      (kind === "regular"
        ? "three_lines + haiku + similarity(topic, completion)"
        : "three_lines + haiku, plus similarity(topic, completion) only for a valid haiku") +
      ` (gemma_haiku's compute_train_rewards${
        kind === "sparse" ? "_sparse" : ""
      }); ${counter} syllables, ${embedder.name} cosine − ${offset}, ${
        options.topic === "legacy" ? "gemma_haiku's" : "full"
      } topic`,
    async score(samples) {
      const texts = samples.map((s) => pyStrip(s.completion));
      const base = texts.map((t) => shape(t, counter));
      // Sparse: only valid haikus (s == 1) need an embedding.
      const wanted = texts.map((_, i) => kind === "regular" || base[i] === 1);
      const idx = wanted.flatMap((w, i) => w ? [i] : []);
      const cos = await cosineSimilarities(
        embedder,
        idx.map((i) => texts[i]),
        idx.map((i) => topicRule(samples[i].prompt)),
        cache,
      );
      const out: RewardValue[] = [...base];
      idx.forEach((i, k) => out[i] = base[i] + cos[k] - offset);
      return out;
    },
  };
}

/**
 * gemma_haiku's dense reward: three_lines + haiku + (cos(topic, completion) −
 * offset). Range [−2.5, 1.5] at offset 0.5.
 */
export function haikuRegularReward(
  embedder: Embedder,
  options: HaikuSimilarityOptions = {},
): EmbeddingReward {
  return combined("regular", embedder, options);
}

/**
 * gemma_haiku's sparse reward: s = three_lines + haiku; a valid haiku (s = 1)
 * adds cos(topic, completion) − offset. Values: −1 (not three lines), 0
 * (three lines, wrong syllables), 1 + cos − offset (valid haiku).
 */
export function haikuSparseReward(
  embedder: Embedder,
  options: HaikuSimilarityOptions = {},
): EmbeddingReward {
  return combined("sparse", embedder, options);
}
