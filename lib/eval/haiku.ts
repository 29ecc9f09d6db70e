/**
 * The haiku evaluation: gemma_haiku's four columns (`full_eval.py`) computed
 * exactly, plus diagnostics that explain them, each with a bootstrap
 * interval over prompts.
 *
 * ```ts
 * const report = await evaluateHaikuOutputs(outputs, {
 *   model: "sft",
 *   trainHaikus: await readTrainHaikus("data/haiku/train.json"),
 *   embedder: useLiteEmbedder(),
 * });
 * report.aggregate.haiku; // { mean, low, high, groups, values }
 * ```
 *
 * Per output (the completion, stripped as gemma_haiku's `.strip()` does):
 *
 * | metric | value |
 * | --- | --- |
 * | Haiku Score | `isHaiku`: 1 for exactly three non-empty lines of 5, 7, 5 syllables |
 * | Similarity Score | cos(e(output), e(topic)) − 0.5 |
 * | Total Score | Haiku + Similarity (gemma_haiku's total has no three-lines term) |
 * | Train Overlap | 1 when the output equals a stripped train haiku exactly |
 * | three lines | 1 for exactly three non-empty lines |
 * | syllable error | outputs with exactly three lines only: mean over the lines of abs(count − 5-7-5 target) |
 * | prompt echo | share of the topic's content words repeated (echo.ts) |
 * | words, chars | whitespace words and code points |
 *
 * Aggregates are means over outputs (over prompts when k = 1, as in the
 * gemma_haiku). Differences from gemma_haiku, on purpose: k seeded samples per prompt
 * instead of one unseeded one; intervals; the topic after the first colon
 * (`topicRule: "legacy"` restores gemma_haiku's); any embedder (gemma_haiku used
 * MiniLM; its name is recorded, as cosines differ between embedders); and
 * completions decoded from the new tokens only with special tokens
 * skipped, where gemma_haiku decoded prompt + completion and kept the text
 * between the first `"model\n"` and the next `"<end_of_turn>"` (the same
 * text, except that gemma_haiku cut a completion at a `"model\n"` of its own
 * and kept other special tokens inside it).
 *
 * @module
 */
import {
  haikuLineCounts,
  isHaiku,
  legacyTopicOf,
  type SyllableCounterName,
  threeLines,
  topicOf,
} from "../rewards/haiku.ts";
import {
  cosineSimilarities,
  type Embedder,
  EmbeddingCache,
} from "../rewards/similarity.ts";
import { HAIKU_PATTERN } from "../rewards/syllables.ts";
import { pyLen, pySplit, pyStrip } from "../rewards/text.ts";
import { promptEcho } from "./echo.ts";
import {
  bootstrapCI,
  type BootstrapOptions,
  bootstrapSettings,
} from "./stats.ts";
import {
  type EvalReport,
  type GenerationSettings,
  HAIKU_METRICS,
  type HaikuMetric,
  type HaikuOutput,
  type PromptScores,
  type SampleScore,
} from "./types.ts";

/** Options of {@link evaluateHaikuOutputs}. */
export interface HaikuEvalOptions {
  /** The train haikus (assistant answers) the Train Overlap compares against. */
  trainHaikus: readonly string[];
  /** Sentence embedder of the similarity. */
  embedder: Embedder;
  /** Syllable counter (default "cmu"; "pyphen" is gemma_haiku's). */
  counter?: SyllableCounterName;
  /** Model name for tables (default "model"). */
  model?: string;
  /** How the outputs were generated, recorded in the report. */
  generation?: Partial<GenerationSettings>;
  /** Bootstrap settings (default B = 2000, seed 0, 95 %). */
  bootstrap?: BootstrapOptions;
  /** Topic rule when an output has no `topic` (default "fixed"). */
  topicRule?: "fixed" | "legacy";
  /** Texts per embedder call (default 256). */
  embedBatch?: number;
}

/** gemma_haiku's similarity offset. */
const OFFSET = 0.5;

/**
 * Scores the k outputs of every prompt and aggregates them with bootstrap
 * intervals over prompts. Every prompt must have the same number k ≥ 1 of
 * samples (so that a mean over outputs is also a mean over prompts).
 */
export async function evaluateHaikuOutputs(
  outputs: readonly HaikuOutput[],
  options: HaikuEvalOptions,
): Promise<EvalReport> {
  const k = checkOutputs(outputs);
  const counter = options.counter ?? "cmu";
  const topicRule = options.topicRule ?? "fixed";
  const bootstrap = bootstrapSettings(options.bootstrap);
  const train = trainSet(options.trainHaikus);
  if (typeof options.embedder?.embed !== "function") {
    throw new Error(
      "evaluateHaikuOutputs: options.embedder is not an Embedder",
    );
  }
  const topics = outputs.map((o, i) => {
    if (o.topic !== undefined) return o.topic;
    try {
      return topicRule === "legacy"
        ? legacyTopicOf(o.prompt)
        : topicOf(o.prompt);
    } catch (error) {
      throw new Error(`output ${i}: ${(error as Error).message}`);
    }
  });
  const cosines = await cosinesOf(
    options.embedder,
    outputs,
    topics,
    options.embedBatch ?? 256,
  );

  const prompts: PromptScores[] = outputs.map((o, i) => {
    const samples = o.samples.map((text, j) =>
      scoreSample(text, topics[i], cosines[i][j], train, counter)
    );
    return {
      index: i,
      prompt: o.prompt,
      topic: topics[i],
      ...(o.reference !== undefined ? { reference: o.reference } : {}),
      samples,
      means: metricMeans(samples),
    };
  });

  const aggregate = Object.fromEntries(HAIKU_METRICS.map(({ key }) => {
    const groups = prompts.map((p) => sampleValues(p.samples, key));
    const any = groups.some((g) => g.length > 0);
    return [key, any ? bootstrapCI(groups, bootstrap) : null];
  })) as EvalReport["aggregate"];

  const duplicates = prompts.reduce(
    (n, p) => n + p.samples.filter((s) => s.trainOverlap === 1).length,
    0,
  );
  const generation = options.generation ?? {};
  return {
    model: options.model ?? "model",
    settings: {
      k,
      prompts: outputs.length,
      seed: generation.seed ?? null,
      sampling: generation.sampling ?? null,
      maxNewTokens: generation.maxNewTokens ?? null,
      embedder: options.embedder.name,
      counter,
      topicRule,
      similarityOffset: OFFSET,
      bootstrap,
    },
    aggregate,
    duplicates,
    outputs: outputs.length * k,
    prompts,
  };
}

/** The scores of one output against its topic (cosine precomputed). */
export function scoreSample(
  text: string,
  topic: string,
  cosine: number,
  train: ReadonlySet<string>,
  counter: SyllableCounterName = "cmu",
): SampleScore {
  const stripped = pyStrip(text);
  const haiku = isHaiku(stripped, counter) ? 1 : 0;
  const similarity = cosine - OFFSET;
  const lineSyllables = haikuLineCounts(stripped, counter);
  const three = threeLines(stripped) === 0;
  return {
    text,
    haiku,
    cosine,
    similarity,
    total: haiku + similarity,
    trainOverlap: train.has(stripped) ? 1 : 0,
    threeLines: three ? 1 : 0,
    lineSyllables,
    syllableError: three ? syllableError(lineSyllables) : null,
    promptEcho: promptEcho(topic, stripped),
    words: pySplit(stripped).length,
    chars: pyLen(stripped),
  };
}

/** Mean over the three lines of |count − target| for 5-7-5. */
export function syllableError(counts: readonly number[]): number {
  if (counts.length !== HAIKU_PATTERN.length) {
    throw new Error(
      `syllableError: expected ${HAIKU_PATTERN.length} line counts, got ${counts.length}`,
    );
  }
  const sum = counts.reduce((s, c, i) => s + Math.abs(c - HAIKU_PATTERN[i]), 0);
  return sum / counts.length;
}

/** The stripped train haikus, as gemma_haiku's duplicate check compares them. */
export function trainSet(trainHaikus: readonly string[]): Set<string> {
  if (!Array.isArray(trainHaikus)) {
    throw new Error(
      "evaluateHaikuOutputs: trainHaikus must be a list of strings",
    );
  }
  return new Set(trainHaikus.map((h, i) => {
    if (typeof h !== "string") {
      throw new Error(`trainHaikus[${i}] is ${typeof h}, not a string`);
    }
    return pyStrip(h);
  }));
}

/** The non-null values of `metric` over `samples`. */
export function sampleValues(
  samples: readonly SampleScore[],
  metric: HaikuMetric,
): number[] {
  return samples.map((s) => s[metric] as number | null).filter(
    (v): v is number => v !== null,
  );
}

function metricMeans(
  samples: readonly SampleScore[],
): Record<HaikuMetric, number | null> {
  return Object.fromEntries(HAIKU_METRICS.map(({ key }) => {
    const values = sampleValues(samples, key);
    return [
      key,
      values.length ? values.reduce((a, b) => a + b, 0) / values.length : null,
    ];
  })) as Record<HaikuMetric, number | null>;
}

function checkOutputs(outputs: readonly HaikuOutput[]): number {
  if (!Array.isArray(outputs) || outputs.length === 0) {
    throw new Error("evaluateHaikuOutputs: no outputs to evaluate");
  }
  let k = -1;
  outputs.forEach((o, i) => {
    const p = o?.prompt;
    if (typeof p !== "string" && !Array.isArray(p)) {
      throw new Error(
        `output ${i}: prompt must be a string or a message list, got ${typeof p}`,
      );
    }
    if (o.topic !== undefined && typeof o.topic !== "string") {
      throw new Error(
        `output ${i}: topic must be a string, got ${typeof o.topic}`,
      );
    }
    if (!Array.isArray(o.samples) || o.samples.length === 0) {
      throw new Error(
        `output ${i}: samples must be a non-empty list of completions`,
      );
    }
    (o.samples as unknown[]).forEach((s: unknown, j: number) => {
      if (typeof s !== "string") {
        throw new Error(
          `output ${i} sample ${j}: expected the completion text, got ${typeof s}`,
        );
      }
    });
    if (k < 0) k = o.samples.length;
    if (o.samples.length !== k) {
      throw new Error(
        `output ${i} has ${o.samples.length} samples but output 0 has ${k}; every prompt needs the same k`,
      );
    }
  });
  return k;
}

async function cosinesOf(
  embedder: Embedder,
  outputs: readonly HaikuOutput[],
  topics: readonly string[],
  batch: number,
): Promise<number[][]> {
  if (!Number.isInteger(batch) || batch < 1) {
    throw new Error(`embedBatch must be a positive integer, got ${batch}`);
  }
  const texts: string[] = [];
  const refs: string[] = [];
  outputs.forEach((o, i) =>
    o.samples.forEach((s) => {
      texts.push(pyStrip(s));
      refs.push(topics[i]);
    })
  );
  const cache = new EmbeddingCache();
  const flat: number[] = [];
  for (let at = 0; at < texts.length; at += batch) {
    const part = await cosineSimilarities(
      embedder,
      texts.slice(at, at + batch),
      refs.slice(at, at + batch),
      cache,
    );
    part.forEach((c, j) => {
      if (!Number.isFinite(c)) {
        const k = outputs[0].samples.length;
        throw new Error(
          `embedder "${embedder.name}" gave a cosine of ${c} for output ${
            Math.floor((at + j) / k)
          } sample ${(at + j) % k}`,
        );
      }
    });
    flat.push(...part);
  }
  let at = 0;
  return outputs.map((o) => o.samples.map(() => flat[at++]));
}
