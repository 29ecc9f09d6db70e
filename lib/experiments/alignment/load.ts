/**
 * Reading an experiment: the YAML file deep-merged over the `defaults.yml`
 * in its own folder (as the reference project does; the experiment wins),
 * validated against the one declaration (config.ts), with every error one
 * line naming the file, the line and the field. Command-line overrides
 * (`--debug`, `--base-checkpoint`, `--seed`) apply last.
 *
 * ```ts
 * const experiment = await readExperiment("configs/dpo_rl.yml", { debug: true });
 * experiment.config.rl.algorithm; // "dpo"
 * experiment.name;                // "dpo_rl"
 * ```
 *
 * @module
 */
import { parseConfig } from "../../util/config_fields.ts";
import { configToJson } from "../../util/config_json.ts";
import { ConfigError, type Json } from "../../util/fields.ts";
import {
  deepMerge,
  parseYaml,
  readYamlFile,
  type YamlFile,
} from "../../util/yaml_file.ts";
import { stringify } from "yaml";
import {
  EXPERIMENT_CONFIG,
  EXPERIMENT_FIELDS,
  type ExperimentConfig,
} from "./config.ts";

/** Every section present: what a resolved experiment holds. */
export type ResolvedExperiment =
  & Omit<ExperimentConfig, "model" | "training" | "rl" | "reward" | "logging">
  & {
    [K in "model" | "training" | "rl" | "logging"]: NonNullable<
      ExperimentConfig[K]
    >;
  }
  & {
    reward: NonNullable<ExperimentConfig["reward"]> & {
      heuristic: NonNullable<
        NonNullable<ExperimentConfig["reward"]>["heuristic"]
      >;
      trainable: NonNullable<
        NonNullable<ExperimentConfig["reward"]>["trainable"]
      >;
    };
  };

/** An experiment read from its file. */
export interface Experiment {
  /** The file's name without folder and extension ("dpo_rl"). */
  name: string;
  path: string;
  /** The defaults file merged under it, when there was one. */
  defaultsPath: string | null;
  config: ResolvedExperiment;
}

/** What the command line may set over the files. */
export interface ExperimentOverrides {
  debug?: boolean;
  baseCheckpoint?: string;
  seed?: number;
}

/** Empty sections, so that every field gets its default. */
const SECTIONS: Json = {
  model: {},
  training: {},
  rl: {},
  reward: { heuristic: {}, trainable: {} },
  logging: {},
};

/** Reads, merges and validates the experiment at `path`. */
export async function readExperiment(
  path: string,
  overrides: ExperimentOverrides = {},
): Promise<Experiment> {
  const file = await readYamlFile(path);
  const defaultsPath = `${
    path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "."
  }/defaults.yml`;
  const isDefaults = path.endsWith("/defaults.yml") || path === "defaults.yml";
  const defaults = isDefaults ? null : await readIfPresent(defaultsPath);
  const merged = deepMerge(
    deepMerge(SECTIONS, defaults?.value ?? {}),
    file.value,
  );
  const config = parseWithLines(merged, file, defaults);
  if (overrides.debug) config.debug = true;
  if (overrides.seed !== undefined) config.seed = overrides.seed;
  if (overrides.baseCheckpoint) {
    config.model!.baseCheckpoint = overrides.baseCheckpoint;
  }
  return {
    name: path.split("/").at(-1)!.replace(/\.ya?ml$/, ""),
    path,
    defaultsPath: defaults ? defaultsPath : null,
    config: config as ResolvedExperiment,
  };
}

/** Parses an already merged experiment (e.g. a run's resolved config). */
export function parseExperimentText(
  text: string,
  path: string,
): ResolvedExperiment {
  const file = parseYaml(text, path);
  return parseWithLines(
    deepMerge(SECTIONS, file.value),
    file,
    null,
  ) as ResolvedExperiment;
}

/** The resolved experiment as YAML, under the reference project's names. */
export function experimentYaml(config: ResolvedExperiment): string {
  return stringify(configToJson(EXPERIMENT_FIELDS, config as ExperimentConfig));
}

async function readIfPresent(path: string): Promise<YamlFile | null> {
  try {
    await Deno.stat(path);
  } catch {
    return null;
  }
  return await readYamlFile(path);
}

/**
 * Validates `merged`; a field error names the file that set the field (the
 * experiment, else the defaults) and its line there.
 */
function parseWithLines(
  merged: Json,
  file: YamlFile,
  defaults: YamlFile | null,
): ExperimentConfig {
  try {
    return parseConfig(EXPERIMENT_CONFIG, merged, file.path);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const fieldPath = error.field.replace(/\[\d+\]/g, "");
    for (const candidate of [file, defaults]) {
      const line = candidate?.lineOf(fieldPath);
      if (candidate && line !== undefined) {
        throw new ConfigError(
          `${candidate.path}:${line}`,
          error.field,
          error.problem,
        );
      }
    }
    throw error;
  }
}
