/**
 * Reward functions by name, for configs: `{"name": "haiku_sparse", "counter":
 * "pyphen"}` → a {@link RewardFunction}. Each entry lists the settings it
 * accepts; an unknown name or setting is an error naming the config entry.
 *
 * | name                   | settings                                                   |
 * | ---------------------- | ---------------------------------------------------------- |
 * | `three_lines`          | –                                                          |
 * | `haiku`                | `counter` (cmu, pyphen)                                    |
 * | `haiku_regular`        | `counter`, `embedder`, `offset`, `topic` (fixed, legacy)   |
 * | `haiku_sparse`         | same as haiku_regular                                      |
 * | `similarity`           | `embedder`, `offset`, `reference` (topic, prompt, column)  |
 * | `length`               | `unit` (chars, words, tokens), `target`, `form`            |
 * | `soft_overlong`        | `max_length`, `cache_length`                               |
 * | `format_strict`        | `style` (think, reasoning)                                 |
 * | `format_approx`        | `style`                                                    |
 * | `ee596_match_format`   | – (ee596-fp's training format reward: 2 / 0.5 / −1)          |
 * | `ee596_format`         | – (ee596-fp's eval format reward, −2..3)                     |
 * | `finetuned_llama_format`         | – (finetuned-llama's reward_format with its missing DOTALL)         |
 * | `math_accuracy`        | `column`, `gold` (gsm8k, boxed, plain)                     |
 * | `math_partial`         | `column`, `gold`                                           |
 * | `rubric_overlap_proxy` | `column`                                                   |
 * | `rubric_judge`         | `question_column`, `rubric_column` (needs a judge)         |
 * | `rubric_embedding`     | `embedder`, `column`, `floor`, `ceil` (embedding grader)   |
 *
 * `embedder` is `"use-lite"` (offline default) or `"minilm"` /
 * `"minilm:<folder or hub id>"` (all-MiniLM-L6-v2 through transformers.js).
 *
 * @module
 */
import type { Tokenizer } from "../tokenizer/mod.ts";
import { FieldReader, type Json } from "../util/fields.ts";
import {
  approximateFormatReward,
  ee596MatchFormatReward,
  ee596TagFormatReward,
  finetunedLlamaFormatReward,
  strictFormatReward,
} from "./format.ts";
import {
  haikuRegularReward,
  haikuReward,
  haikuSparseReward,
  threeLinesReward,
} from "./haiku.ts";
import { lengthReward, softOverlongPunishment } from "./length.ts";
import { mathAccuracyReward, mathPartialAccuracyReward } from "./math.ts";
import { miniLmEmbedder } from "./minilm.ts";
import { rubricJudgeReward, rubricOverlapProxy } from "./rubric.ts";
import {
  RUBRIC_CEIL,
  RUBRIC_FLOOR,
  rubricEmbeddingReward,
} from "./rubric_embedding.ts";
import { cosineReward, type Embedder } from "./similarity.ts";
import type { RewardFunction } from "./types.ts";
import { useLiteEmbedder } from "./use_lite.ts";

/** What some rewards need from the run. */
export interface RewardContext {
  /** For token-length rewards. */
  tokenizer?: Tokenizer;
  /** For `rubric_judge`: a function from a judge prompt to the judge's reply. */
  judge?: (prompt: string) => Promise<string>;
}

type Factory = (r: FieldReader, ctx: RewardContext) => RewardFunction;

const COUNTERS = ["cmu", "pyphen"] as const;
const STYLES = ["think", "reasoning"] as const;
const GOLD = ["gsm8k", "boxed", "plain"] as const;

function embedderOf(r: FieldReader): Embedder {
  const spec = r.string("embedder", "use-lite");
  if (spec === "use-lite") return useLiteEmbedder();
  if (spec === "minilm") return miniLmEmbedder();
  if (spec.startsWith("minilm:")) return miniLmEmbedder(spec.slice(7));
  throw r.error(
    "embedder",
    `must be "use-lite", "minilm" or "minilm:<folder or hub id>", got ${
      JSON.stringify(spec)
    }`,
  );
}

function haikuOptions(r: FieldReader) {
  r.onlyKnown(["counter", "embedder", "offset", "topic"]);
  return {
    counter: r.oneOf("counter", COUNTERS, "cmu"),
    offset: r.number("offset", 0.5),
    topic: r.oneOf("topic", ["fixed", "legacy"] as const, "fixed"),
  };
}

const FACTORIES: Record<string, Factory> = {
  three_lines: (r) => (r.onlyKnown([]), threeLinesReward()),
  haiku: (r) => {
    r.onlyKnown(["counter"]);
    return haikuReward({ counter: r.oneOf("counter", COUNTERS, "cmu") });
  },
  haiku_regular: (r) => {
    const o = haikuOptions(r);
    return haikuRegularReward(embedderOf(r), o);
  },
  haiku_sparse: (r) => {
    const o = haikuOptions(r);
    return haikuSparseReward(embedderOf(r), o);
  },
  similarity: (r) => {
    r.onlyKnown(["embedder", "offset", "reference"]);
    const reference = r.string("reference", "topic");
    return cosineReward(embedderOf(r), {
      offset: r.number("offset", 0.5),
      reference: reference === "topic" || reference === "prompt"
        ? reference
        : { column: reference },
    });
  },
  length: (r, ctx) => {
    r.onlyKnown(["unit", "target", "form"]);
    const unit = r.oneOf(
      "unit",
      ["chars", "words", "tokens"] as const,
      "chars",
    );
    if (unit === "tokens" && !ctx.tokenizer) {
      throw r.error("unit", '"tokens" needs the run\'s tokenizer');
    }
    return lengthReward({
      unit,
      target: r.positiveInt("target"),
      form: r.oneOf(
        "form",
        ["absolute", "asymmetric", "normalized"] as const,
        "absolute",
      ),
      tokenizer: ctx.tokenizer,
    });
  },
  soft_overlong: (r, ctx) => {
    r.onlyKnown(["max_length", "cache_length"]);
    return softOverlongPunishment({
      maxLength: r.positiveInt("max_length"),
      cacheLength: r.positiveInt("cache_length"),
      tokenizer: ctx.tokenizer,
    });
  },
  format_strict: (r) => {
    r.onlyKnown(["style"]);
    return strictFormatReward(r.oneOf("style", STYLES, "think"));
  },
  format_approx: (r) => {
    r.onlyKnown(["style"]);
    return approximateFormatReward(r.oneOf("style", STYLES, "think"));
  },
  ee596_match_format: (r) => (r.onlyKnown([]), ee596MatchFormatReward()),
  ee596_format: (r) => (r.onlyKnown([]), ee596TagFormatReward()),
  finetuned_llama_format: (
    r,
  ) => (r.onlyKnown([]), finetunedLlamaFormatReward()),
  math_accuracy: (r) => {
    r.onlyKnown(["column", "gold"]);
    return mathAccuracyReward({
      column: r.string("column", "answer"),
      gold: r.oneOf("gold", GOLD, "gsm8k"),
    });
  },
  math_partial: (r) => {
    r.onlyKnown(["column", "gold"]);
    return mathPartialAccuracyReward({
      column: r.string("column", "answer"),
      gold: r.oneOf("gold", GOLD, "gsm8k"),
    });
  },
  rubric_overlap_proxy: (r) => {
    r.onlyKnown(["column"]);
    return rubricOverlapProxy({ column: r.string("column", "rubric") });
  },
  rubric_judge: (r, ctx) => {
    r.onlyKnown(["question_column", "rubric_column"]);
    if (!ctx.judge) {
      throw r.error(
        "name",
        '"rubric_judge" needs a judge model (set GEMINI_API_KEY in the environment or .env)',
      );
    }
    return rubricJudgeReward(ctx.judge, {
      questionColumn: r.string("question_column", "question"),
      rubricColumn: r.string("rubric_column", "rubric"),
    });
  },
  rubric_embedding: (r) => {
    r.onlyKnown(["embedder", "column", "floor", "ceil"]);
    return rubricEmbeddingReward(embedderOf(r), {
      column: r.string("column", "rubric"),
      floor: r.number("floor", RUBRIC_FLOOR),
      ceil: r.number("ceil", RUBRIC_CEIL),
    });
  },
};

/** The registered reward names. */
export function rewardNames(): string[] {
  return Object.keys(FACTORIES);
}

/**
 * Builds the reward function of one config entry (`settings` without name
 * and weight). `source` is the config file and `path` the entry, e.g.
 * "rewards[0]", for errors such as `grpo.json: field "rewards[0].unit" …`.
 */
export function rewardFromConfig(
  name: string,
  settings: Json,
  source: string,
  path: string,
  ctx: RewardContext = {},
): RewardFunction {
  const r = new FieldReader(settings, source, `${path}.`);
  const factory = FACTORIES[name];
  if (!factory) {
    throw r.error(
      "name",
      `is "${name}", not a known reward; known: ${rewardNames().join(", ")}`,
    );
  }
  return factory(r, ctx);
}
