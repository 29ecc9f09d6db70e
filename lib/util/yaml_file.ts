/**
 * YAML config files (npm `yaml`, YAML 1.2 core schema): parsed with the
 * line of every value kept, so a config error can say `file:line`, and
 * deep-merged over defaults the way Gemma-Alignment-Paradigms layers an
 * experiment over its `defaults.yml` (mappings merge key by key; lists and
 * scalars replace).
 *
 * YAML 1.2 reads `5e-5` as a number; PyYAML (YAML 1.1) reads it as the
 * string "5e-5", which broke the reference project's learning rate.
 *
 * @module
 */
import { isMap, isScalar, LineCounter, type Node, parseDocument } from "yaml";
import { InputError } from "./errors.ts";
import type { Json } from "./fields.ts";

/** A parsed YAML file: its mapping and the line of any field path in it. */
export interface YamlFile {
  path: string;
  value: Json;
  /** The 1-based line of a dotted field path ("training.learning_rate"), if the file has it. */
  lineOf(fieldPath: string): number | undefined;
}

/** Parses YAML text whose top level must be a mapping (an empty file is `{}`). */
export function parseYaml(text: string, path: string): YamlFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const { line, col } = lineCounter.linePos(problem.pos[0]);
    throw new InputError(
      `${path}:${line}:${col}: ${problem.message.split("\n")[0]}`,
    );
  }
  const value = doc.toJS({ maxAliasCount: 100 }) ?? {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new InputError(
      `${path}:1: the top level must be a mapping of fields, got ${
        Array.isArray(value) ? "a list" : JSON.stringify(value)
      }`,
    );
  }
  return {
    path,
    value: value as Json,
    lineOf(fieldPath) {
      let node: unknown = doc.contents;
      for (const key of fieldPath.split(".")) {
        if (!isMap(node)) return undefined;
        const pair = node.items.find((p) =>
          (isScalar(p.key) ? p.key.value : p.key) === key
        );
        if (!pair) return undefined;
        node = pair.value ?? pair.key;
      }
      const range = (node as Node | null)?.range;
      return range ? lineCounter.linePos(range[0]).line : undefined;
    },
  };
}

/** Reads and parses a YAML file; a missing file is an input error naming it. */
export async function readYamlFile(path: string): Promise<YamlFile> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new InputError(`${path}: no such file`);
    }
    throw error;
  }
  return parseYaml(text, path);
}

/**
 * `over` merged onto `under`: mappings key by key (recursively), anything
 * else from `over` when it has the key. Neither input is changed.
 */
export function deepMerge(under: Json, over: Json): Json {
  const out: Json = { ...under };
  for (const [key, value] of Object.entries(over)) {
    const base = out[key];
    out[key] = isPlainObject(base) && isPlainObject(value)
      ? deepMerge(base, value)
      : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
