/**
 * The `configs:` section of a dataset card (the YAML front matter of a hub
 * dataset's README.md), which says which files make up each config and
 * split:
 *
 * ```yaml
 * configs:
 * - config_name: main
 *   data_files:
 *   - split: train
 *     path: main/train-*
 * ```
 *
 * The front matter is parsed with the npm `yaml` package (the one YAML
 * parser, lib/util/yaml_file.ts); only `configs` is read from it.
 *
 * @module
 */
import { parseYaml } from "../util/yaml_file.ts";

/** One config of a dataset card. */
export interface CardConfig {
  name: string;
  /** Marked `default: true`. */
  isDefault: boolean;
  /** Split → glob patterns (relative to the repo root); empty if unset. */
  dataFiles: Map<string, string[]>;
  /** `data_dir`, when the config names a folder instead of files. */
  dataDir?: string;
}

/** The configs declared in a README's front matter (empty if none). */
export function readCardConfigs(readme: string, source: string): CardConfig[] {
  const lines = readme.replace(/^\uFEFF/, "").split(/\r?\n/);
  if (lines[0]?.trim() !== "---") return [];
  const end = lines.findIndex((line, i) => i > 0 && line.trim() === "---");
  // The opening "---" becomes an empty line, so YAML's line numbers are the
  // README's.
  const front = ["", ...lines.slice(1, end < 0 ? lines.length : end)];
  const card = parseYaml(front.join("\n"), `${source} (dataset card)`).value;
  const configs = (card as Record<string, unknown>).configs;
  if (configs === undefined || configs === null) return [];
  if (!Array.isArray(configs)) {
    throw new Error(`${source}: the dataset card's "configs" is not a list`);
  }
  return configs.map((entry, i) => toConfig(entry, `${source} configs[${i}]`));
}

function toConfig(entry: unknown, where: string): CardConfig {
  if (!isMap(entry)) throw new Error(`${where}: expected a mapping`);
  const name = typeof entry.config_name === "string"
    ? entry.config_name
    : "default";
  const dataFiles = new Map<string, string[]>();
  const files = entry.data_files;
  const asList = (value: unknown): string[] =>
    (Array.isArray(value) ? value : [value]).map(String);
  if (typeof files === "string" || isStringList(files)) {
    dataFiles.set("train", asList(files));
  } else if (Array.isArray(files)) {
    for (const item of files) {
      if (!isMap(item) || typeof item.split !== "string" || !item.path) {
        throw new Error(`${where}: data_files entries need "split" and "path"`);
      }
      dataFiles.set(item.split, [
        ...dataFiles.get(item.split) ?? [],
        ...asList(item.path),
      ]);
    }
  } else if (isMap(files)) {
    for (const [split, path] of Object.entries(files)) {
      dataFiles.set(split, asList(path));
    }
  }
  return {
    name,
    isDefault: entry.default === true,
    dataFiles,
    dataDir: typeof entry.data_dir === "string" ? entry.data_dir : undefined,
  };
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}
