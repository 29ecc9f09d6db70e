/**
 * Which files of a dataset folder or hub repository hold a given config and
 * split, following the hub's conventions so that a repository, its
 * `huggingface-cli download` copy and its cached snapshot all resolve the
 * same way:
 *
 * 1. The dataset card's `configs:` (README.md front matter), when present:
 *    the config's `data_files` globs per split (or its `data_dir`).
 * 2. Otherwise, within the config's folder when a config is named:
 *    - sharded names `data/<split>-00000-of-00001.<ext>` (any split name);
 *    - the words train/training, validation/valid/dev/val and
 *      test/testing/eval/evaluation as a folder name, or at the start of a
 *      file name (or after a separator) followed by one of `-._ 0-9`:
 *      `test.jsonl`, `eval_data.json`, `main/train-0000.parquet`;
 *    - no split named anywhere: every data file is `train`.
 *
 * When a folder mixes formats, the most common readable one is used
 * (`train.jsonl` and `train.jsonl.gz` count as different formats).
 *
 * @module
 */
import { readCardConfigs } from "./card.ts";
import { DATA_EXTENSIONS, isDataFile } from "./read.ts";

/** The files chosen for one config and split, and why. */
export interface DataFileChoice {
  /** Paths relative to the folder or repo root. */
  files: string[];
  /** The config used (undefined: the repo declares none). */
  config?: string;
  split: string;
  /** How they were found, for logs. */
  how: string;
}

/** What to choose. */
export interface ChooseOptions {
  split: string;
  config?: string;
  /** The README.md text, if the folder has one. */
  readme?: string;
  /** Names the dataset in errors. */
  source: string;
}

/** Canonical split → words that name it in file and folder names. */
export const SPLIT_KEYWORDS: Record<string, readonly string[]> = {
  train: ["train", "training"],
  validation: ["validation", "valid", "dev", "val"],
  test: ["test", "testing", "eval", "evaluation"],
};

/** Chooses the data files of `options.split` among `paths`. */
export function chooseDataFiles(
  paths: readonly string[],
  options: ChooseOptions,
): DataFileChoice {
  const { source, split } = options;
  const configs = options.readme
    ? readCardConfigs(options.readme, `${source}/README.md`)
    : [];
  const data = dominantFormat(paths.filter(isDataFile));
  if (configs.length === 0) {
    return byConvention(data, options.config, split, source);
  }
  const config = options.config === undefined
    ? configs.find((c) => c.isDefault) ??
      (configs.length === 1 ? configs[0] : undefined)
    : configs.find((c) => c.name === options.config);
  const names = configs.map((c) => c.name).join(", ");
  if (!config) {
    throw new Error(
      options.config === undefined
        ? `${source} has several configs (${names}); choose one with the config option`
        : `${source} has no config "${options.config}" (configs: ${names})`,
    );
  }
  if (config.dataFiles.size === 0) {
    const dir = config.dataDir?.replace(/\/+$/, "");
    const inside = dir ? data.filter((p) => p.startsWith(`${dir}/`)) : data;
    const choice = byConvention(
      inside.map((p) => dir ? p.slice(dir.length + 1) : p),
      undefined,
      split,
      `${source} config "${config.name}"`,
    );
    return {
      ...choice,
      config: config.name,
      files: choice.files.map((p) => dir ? `${dir}/${p}` : p),
    };
  }
  const patterns = config.dataFiles.get(split) ??
    config.dataFiles.get(canonicalSplit(split) ?? "");
  if (!patterns) {
    throw new Error(
      `${source} config "${config.name}" has no split "${split}" (splits: ${
        [...config.dataFiles.keys()].join(", ")
      })`,
    );
  }
  const matchers = patterns.map(globToRegExp);
  const files = paths.filter((p) => matchers.some((m) => m.test(p))).sort();
  if (files.length === 0) {
    throw new Error(
      `${source} config "${config.name}" split "${split}": ${
        patterns.join(", ")
      } matched no file`,
    );
  }
  return {
    files,
    config: config.name,
    split,
    how: `dataset card config "${config.name}", split "${split}" (${
      patterns.join(", ")
    })`,
  };
}

function byConvention(
  dataFiles: readonly string[],
  config: string | undefined,
  split: string,
  source: string,
): DataFileChoice {
  let files = [...dataFiles];
  let prefix = "";
  if (config !== undefined && config !== "default") {
    prefix = `${config.replace(/\/+$/, "")}/`;
    files = files.filter((p) => p.startsWith(prefix))
      .map((p) => p.slice(prefix.length));
    if (files.length === 0) {
      const folders = [
        ...new Set(
          dataFiles.filter((p) => p.includes("/")).map((p) => p.split("/")[0]),
        ),
      ];
      throw new Error(
        `${source} has no config "${config}": no data files under ${prefix}` +
          (folders.length ? ` (folders with data: ${folders.join(", ")})` : ""),
      );
    }
  }
  if (files.length === 0) {
    throw new Error(
      `${source} has no data files (readable: ${DATA_EXTENSIONS.join(", ")})`,
    );
  }
  const splits = inferSplits(files);
  const found = splits.get(split) ?? splits.get(canonicalSplit(split) ?? "");
  if (!found) {
    throw new Error(
      `${source}${
        config ? ` config "${config}"` : ""
      } has no split "${split}" (splits found: ${
        [...splits.keys()].join(", ")
      }; from ${files.length} data file(s) such as ${files[0]})`,
    );
  }
  return {
    files: found.map((p) => prefix + p).sort(),
    config,
    split,
    how: `file names${prefix ? ` under ${prefix}` : ""} (split "${split}")`,
  };
}

/** The split names found in `paths` and their files (see the module doc). */
export function inferSplits(paths: readonly string[]): Map<string, string[]> {
  const sharded = new Map<string, string[]>();
  for (const path of paths) {
    const m = /^data\/(\w+?)-\d{5}-of-\d{5}[^/]*$/.exec(path);
    if (m) sharded.set(m[1], [...sharded.get(m[1]) ?? [], path]);
  }
  if (sharded.size) return sharded;
  const named = new Map<string, string[]>();
  for (const path of paths) {
    const split = splitOfPath(path);
    if (split) named.set(split, [...named.get(split) ?? [], path]);
  }
  if (named.size) return named;
  return new Map([["train", [...paths]]]);
}

const SEPARATORS = "-._ 0-9";

function splitOfPath(path: string): string | undefined {
  const parts = path.toLowerCase().split("/");
  const base = parts.pop()!;
  for (const [split, words] of Object.entries(SPLIT_KEYWORDS)) {
    for (const word of words) {
      const inName = new RegExp(`(^|[${SEPARATORS}])${word}[${SEPARATORS}]`);
      if (parts.includes(word) || inName.test(base)) return split;
    }
  }
  return undefined;
}

/** "dev" → "validation", "eval" → "test"; undefined when not a keyword. */
export function canonicalSplit(name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.entries(SPLIT_KEYWORDS).find(([, words]) =>
    words.includes(lower)
  )?.[0];
}

/** Only the files of the most common readable format (parquet wins ties). */
function dominantFormat(paths: readonly string[]): string[] {
  const extensionOf = (p: string) =>
    [...DATA_EXTENSIONS].sort((a, b) => b.length - a.length)
      .find((ext) => p.toLowerCase().endsWith(ext))!;
  const counts = new Map<string, number>();
  for (const p of paths) {
    const ext = extensionOf(p);
    counts.set(ext, (counts.get(ext) ?? 0) + 1);
  }
  const preference = [
    ".parquet",
    ".jsonl",
    ".ndjson",
    ".json",
    ".csv",
    ".jsonl.gz",
    ".ndjson.gz",
    ".json.gz",
    ".csv.gz",
  ];
  const best = [...counts.entries()].sort((a, b) =>
    b[1] - a[1] || preference.indexOf(a[0]) - preference.indexOf(b[0])
  )[0]?.[0];
  return paths.filter((p) => extensionOf(p) === best);
}

/**
 * A hub data_files glob as a RegExp over repo paths: `*` and `?` stay
 * within a folder, `**` crosses folders, `[...]` is a character class.
 */
export function globToRegExp(pattern: string): RegExp {
  let out = "";
  const p = pattern.replace(/^\.?\//, "");
  for (let i = 0; i < p.length; i++) {
    const ch = p[i];
    if (ch === "*" && p[i + 1] === "*") {
      // "**/" also matches no folder at all.
      if (p[i + 2] === "/") {
        out += "(?:.*/)?";
        i += 2;
      } else {
        out += ".*";
        i++;
      }
    } else if (ch === "*") {
      out += "[^/]*";
    } else if (ch === "?") {
      out += "[^/]";
    } else if (ch === "[") {
      const close = p.indexOf("]", i + 1);
      if (close < 0) {
        out += "\\[";
      } else {
        out += `[${
          p.slice(i + 1, close).replace(/^!/, "^").replace(/\\/g, "\\\\")
        }]`;
        i = close;
      }
    } else {
      out += ch.replace(/[.+^${}()|\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${out}$`);
}
