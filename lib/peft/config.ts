/**
 * LoRA settings and the rule that turns target names into module names.
 *
 * Targets follow PEFT's matching: a name in the list selects every module
 * whose full name equals it or ends with "." + it ("q_proj" selects
 * "model.layers.3.self_attn.q_proj"); "all-linear" selects every linear
 * layer except the output head; a regular expression (PEFT's string form)
 * must match a full module name entirely.
 *
 * @module
 */
import type { ModelConfig } from "../model/config.ts";
import { linearNames } from "../model/weights.ts";
import { ConfigError, FieldReader } from "../util/fields.ts";

/** A regular-expression target (PEFT's `target_modules` given as a string). */
export interface RegexTarget {
  regex: string;
}

/** Which linear layers get adapters. */
export type TargetModules = string[] | "all-linear" | RegexTarget;

/** How LoRA is set up (PEFT's LoraConfig, in tunebook's names). */
export interface LoraConfig {
  /** Rank of the update B·A. */
  r: number;
  /** Scale numerator: the update is multiplied by alpha / r (or alpha / √r with rsLoRA). */
  alpha: number;
  /** Dropout probability on the adapter's input while training. */
  dropout: number;
  /** Short names ("q_proj"), full module names, "all-linear", or a regex. */
  targetModules: TargetModules;
  /** Rank-stabilised LoRA: scale alpha / √r instead of alpha / r. */
  useRslora: boolean;
  /** A's initialisation: PEFT's default (Kaiming-uniform) or Gaussian with std 1/r. */
  init: "default" | "gaussian";
}

/** PEFT's defaults for Llama and Gemma 3 causal LMs (r 8, alpha 8, q and v projections). */
export function defaultLoraConfig(
  overrides: Partial<LoraConfig> = {},
): LoraConfig {
  return {
    r: 8,
    alpha: 8,
    dropout: 0,
    targetModules: ["q_proj", "v_proj"],
    useRslora: false,
    init: "default",
    ...overrides,
  };
}

const FIELDS = [
  "r",
  "alpha",
  "dropout",
  "targetModules",
  "useRslora",
  "init",
] as const;

/**
 * Validates a LoRA section of a tunebook config (camelCase fields; missing
 * ones take {@link defaultLoraConfig}'s values). `where` names the place in
 * errors, e.g. "config.json: lora".
 */
export function parseLoraConfig(json: unknown, where: string): LoraConfig {
  const reader = FieldReader.of(json, where);
  reader.onlyKnown(FIELDS);
  const d = defaultLoraConfig();
  const alpha = reader.number("alpha", d.alpha);
  if (alpha <= 0) {
    throw reader.error("alpha", `must be a positive number, got ${alpha}`);
  }
  const dropout = reader.number("dropout", d.dropout);
  if (dropout < 0 || dropout >= 1) {
    throw reader.error(
      "dropout",
      `must be a probability in [0, 1), got ${dropout}`,
    );
  }
  return {
    r: reader.positiveInt("r", d.r),
    alpha,
    dropout,
    targetModules: readTargets(reader, "targetModules", d.targetModules),
    useRslora: reader.bool("useRslora", d.useRslora),
    init: reader.oneOf("init", ["default", "gaussian"] as const, d.init),
  };
}

/**
 * Reads a target list: a list of names, "all-linear", or `{ "regex": … }`.
 * `field` lets the adapter-config reader use PEFT's name for the same thing.
 */
export function readTargets(
  reader: FieldReader,
  field: string,
  fallback?: TargetModules,
): TargetModules {
  const v = reader.json[field];
  if ((v === undefined || v === null) && fallback !== undefined) {
    return fallback;
  }
  if (v === "all-linear") return "all-linear";
  if (typeof v === "object" && v !== null && !Array.isArray(v)) {
    const regex = (v as Record<string, unknown>).regex;
    if (typeof regex === "string") {
      return { regex: checkRegex(reader, field, regex) };
    }
  }
  if (
    Array.isArray(v) && v.length > 0 &&
    v.every((x) => typeof x === "string" && x !== "")
  ) {
    return [...new Set(v as string[])];
  }
  throw reader.error(
    field,
    `must be a non-empty list of module names (e.g. ["q_proj", "v_proj"]), "all-linear" or {"regex": "…"}, got ${
      JSON.stringify(v)
    }`,
  );
}

/** Compiles a PEFT regex target (anchored at both ends, as Python's fullmatch). */
export function checkRegex(
  reader: FieldReader,
  field: string,
  pattern: string,
): string {
  try {
    new RegExp(`^(?:${pattern})$`);
  } catch (error) {
    throw reader.error(
      field,
      `is not a valid regular expression: ${(error as Error).message}`,
    );
  }
  return pattern;
}

/** The factor the adapter's output is multiplied by. */
export function loraScale(config: LoraConfig): number {
  return config.useRslora
    ? config.alpha / Math.sqrt(config.r)
    : config.alpha / config.r;
}

/** Every linear module that can carry an adapter, in layer order (HF order within a layer). */
export function adaptableModules(model: ModelConfig): string[] {
  const names: string[] = [];
  for (let i = 0; i < model.numLayers; i++) names.push(...linearNames(i));
  return names;
}

/** The last dotted part of a module name ("model.layers.0.mlp.up_proj" → "up_proj"). */
export function shortName(module: string): string {
  return module.slice(module.lastIndexOf(".") + 1);
}

/** Modules tunebook's decoder computes without `CausalLM.linear`, so no adapter can attach. */
const NOT_ADAPTABLE = ["lm_head", "embed_tokens"];

/**
 * Full names of the modules `config.targetModules` selects on `model`, in
 * the model's order. A target that selects nothing is an error listing the
 * names that exist.
 */
export function resolveTargets(
  config: LoraConfig,
  model: { config: ModelConfig },
): string[] {
  const all = adaptableModules(model.config);
  const available = [...new Set(all.map(shortName))].join(", ");
  const targets = config.targetModules;
  if (targets === "all-linear") return all;
  if (!Array.isArray(targets)) {
    const re = new RegExp(`^(?:${targets.regex})$`);
    const chosen = all.filter((name) => re.test(name));
    if (chosen.length === 0) {
      throw new ConfigError(
        "LoRA config",
        // PEFT's name, as configs and adapter_config.json write it.
        "target_modules",
        `regex ${
          JSON.stringify(targets.regex)
        } matches no module (module names look like "${
          all[0]
        }"; linear layers: ${available})`,
      );
    }
    return chosen;
  }
  const chosen = new Set<string>();
  for (const target of targets) {
    const hits = all.filter((name) =>
      name === target || name.endsWith(`.${target}`)
    );
    if (hits.length === 0) {
      const why = NOT_ADAPTABLE.includes(shortName(target))
        ? `"${target}" cannot carry a LoRA adapter in tunebook (only decoder-layer linears can)`
        : `"${target}" matches no module`;
      throw new ConfigError(
        "LoRA config",
        // PEFT's name, as configs and adapter_config.json write it.
        "target_modules",
        `${why}; available: ${available}`,
      );
    }
    for (const hit of hits) chosen.add(hit);
  }
  return all.filter((name) => chosen.has(name));
}
