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
 * | `reward_model`         | `path`, `base_model`, `batch_size`, `normalize` (none, batch), `max_length`, `eos_token` |
 * | `gemma_alignment_heuristic` | `toxicity_threshold`, `toxicity_weight`, `length_penalty`, `repetition_penalty` |
 * | `hybrid`               | `components` (entries as here, with `weight`), `normalize`, `clip` |
 *
 * A `reward_model` entry needs its model loaded first ({@link loadRewardModels},
 * which GRPO's from_config does): loading is asynchronous, building is not.
 *
 * `embedder` is `"use-lite"` (offline default) or `"minilm"` /
 * `"minilm:<folder or hub id>"` (all-MiniLM-L6-v2 through transformers.js).
 *
 * @module
 */
import type { LoadedClassifier } from "../peft/mod.ts";
import type { Tokenizer } from "../tokenizer/mod.ts";
import { FieldReader, type Json } from "../util/fields.ts";
import {
  GAP_HEURISTIC_DEFAULTS,
  gapHeuristicReward,
} from "./gemma_alignment.ts";
import { hybridReward } from "./hybrid.ts";
import {
  rewardModelKey,
  rewardModelReward,
  tokenizerDifference,
} from "./reward_model.ts";

export { loadRewardModels, rewardModelKey } from "./reward_model.ts";
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
  /** The policy's tokenizer: for token-length rewards, and to check a reward model's. */
  tokenizer?: Tokenizer;
  /** For `rubric_judge`: a function from a judge prompt to the judge's reply. */
  judge?: (prompt: string) => Promise<string>;
  /** For `reward_model`: the models {@link loadRewardModels} loaded, by {@link rewardModelKey}. */
  rewardModels?: ReadonlyMap<string, LoadedClassifier>;
}

type Factory = (r: FieldReader, ctx: RewardContext) => RewardFunction;

const NORMALIZE = ["none", "batch"] as const;

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
  reward_model: (r, ctx) => {
    r.onlyKnown([
      "path",
      "base_model",
      "batch_size",
      "normalize",
      "max_length",
      "eos_token",
    ]);
    const key = rewardModelKey(r.json);
    const rm = ctx.rewardModels?.get(key);
    if (!rm) {
      throw r.error(
        "path",
        `(${
          JSON.stringify(r.json.path)
        }) is not loaded: load reward models with loadRewardModels before building the rewards`,
      );
    }
    const policy = ctx.tokenizer;
    const difference = policy && tokenizerDifference(rm.tokenizer, policy);
    if (difference) {
      throw r.error(
        "path",
        `is a reward model whose tokenizer (${rm.tokenizer.folder}) differs from the policy's (${policy.folder}) in its ${difference}: train the reward model on the policy's base model`,
      );
    }
    return rewardModelReward(rm, {
      batchSize: r.positiveInt("batch_size", 8),
      normalize: r.oneOf("normalize", NORMALIZE, "none"),
      maxLength: r.has("max_length") ? r.positiveInt("max_length") : null,
      eosToken: r.has("eos_token") ? r.string("eos_token") : undefined,
    });
  },
  gemma_alignment_heuristic: (r) => {
    const fields = {
      toxicityThreshold: "toxicity_threshold",
      toxicityWeight: "toxicity_weight",
      lengthPenalty: "length_penalty",
      repetitionPenalty: "repetition_penalty",
    } as const;
    r.onlyKnown(Object.values(fields));
    const options = { ...GAP_HEURISTIC_DEFAULTS };
    for (const [key, json] of Object.entries(fields)) {
      // Non-negative penalties keep the value in [0, 1].
      options[key as keyof typeof fields] = r.numberIn(
        json,
        0,
        Infinity,
        GAP_HEURISTIC_DEFAULTS[key as keyof typeof fields],
      );
    }
    return gapHeuristicReward(options);
  },
  hybrid: (r, ctx) => {
    r.onlyKnown(["components", "normalize", "clip"]);
    const entries = hybridComponents(r);
    const components = entries.map(({ name, settings }, i) =>
      rewardFromConfig(
        name,
        settings,
        r.source,
        `${r.prefix}components[${i}]`,
        ctx,
      )
    );
    return hybridReward({
      components,
      weights: entries.map((e) => e.weight),
      normalize: r.oneOf("normalize", NORMALIZE, "none"),
      clip: r.has("clip") ? r.numberIn("clip", 0, Infinity) : null,
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

/** A hybrid's `components`: each a registry entry with a weight. */
function hybridComponents(
  r: FieldReader,
): { name: string; weight: number; settings: Json }[] {
  const list = r.json.components;
  if (!Array.isArray(list) || list.length === 0) {
    throw r.error(
      "components",
      'must be a non-empty list of rewards ({"name": …, "weight"?: …, …settings})',
    );
  }
  return list.map((item, i) => {
    const c = FieldReader.of(item, r.source, `${r.prefix}components[${i}].`);
    const name = c.string("name");
    if (name === "hybrid") {
      throw c.error(
        "name",
        "is hybrid: a hybrid's components are plain rewards",
      );
    }
    if (c.has("normalize")) {
      throw c.error(
        "normalize",
        'is set on a component, but a hybrid has one normalisation: set "normalize" on the hybrid',
      );
    }
    const { name: _n, weight: _w, ...settings } = c.json;
    return { name, weight: c.number("weight", 1), settings };
  });
}

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
