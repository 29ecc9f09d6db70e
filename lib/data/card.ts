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
 * Only that section is parsed, with a YAML subset that covers how the hub
 * writes it (block lists and mappings, plain or quoted scalars, `[a, b]`
 * lists); the rest of the card (features, licenses, …) is skipped, so YAML
 * there that this parser would not understand does no harm.
 *
 * @module
 */

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
  const lines = configsSection(readme);
  if (lines.length === 0) return [];
  let parsed: unknown;
  try {
    parsed = parseBlock(lines, { i: 0 }, lines[0].indent);
  } catch (error) {
    throw new Error(
      `${source}: cannot read the "configs" section of the dataset card: ${
        (error as Error).message
      }`,
    );
  }
  if (!Array.isArray(parsed)) {
    throw new Error(`${source}: the dataset card's "configs" is not a list`);
  }
  return parsed.map((entry, i) => toConfig(entry, `${source} configs[${i}]`));
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

interface Line {
  indent: number;
  text: string;
}

/** The lines of the front matter's top-level `configs:` entry. */
function configsSection(readme: string): Line[] {
  const all = readme.replace(/^\uFEFF/, "").split(/\r?\n/);
  if (all[0]?.trim() !== "---") return [];
  const end = all.findIndex((line, i) => i > 0 && line.trim() === "---");
  const front = all.slice(1, end < 0 ? all.length : end);
  const start = front.findIndex((line) => /^configs:\s*(#.*)?$/.test(line));
  if (start < 0) return [];
  const lines: Line[] = [];
  for (const raw of front.slice(start + 1)) {
    const text = stripComment(raw).trimEnd();
    if (text.trim() === "") continue;
    const indent = text.length - text.trimStart().length;
    // A top-level key ends the section; a top-level "- " continues it.
    if (indent === 0 && !text.startsWith("-")) break;
    lines.push({ indent, text: text.trimStart() });
  }
  return lines;
}

function parseBlock(lines: Line[], at: { i: number }, indent: number): unknown {
  if (lines[at.i].text.startsWith("-")) {
    const list: unknown[] = [];
    while (
      at.i < lines.length && lines[at.i].indent === indent &&
      lines[at.i].text.startsWith("-")
    ) {
      const rest = lines[at.i].text.slice(1);
      const content = rest.trimStart();
      if (content === "") {
        at.i++;
        list.push(nestedOrNull(lines, at, indent));
      } else {
        // "- key: value" opens a mapping whose keys align with "key".
        const inner = indent + 1 + (rest.length - content.length);
        lines[at.i] = { indent: inner, text: content };
        list.push(
          isKeyLine(content)
            ? parseBlock(lines, at, inner)
            : scalarLine(lines, at),
        );
      }
    }
    return list;
  }
  const map: Record<string, unknown> = {};
  while (at.i < lines.length && lines[at.i].indent === indent) {
    const line = lines[at.i];
    const match = /^("[^"]*"|'[^']*'|[^:]+?):(\s+(.*))?$/.exec(line.text);
    if (!match) throw new Error(`expected "key: value", got "${line.text}"`);
    const key = String(scalar(match[1]));
    at.i++;
    const value = match[3]?.trim() ?? "";
    if (value !== "") {
      map[key] = scalar(value);
    } else if (
      at.i < lines.length && lines[at.i].indent === indent &&
      lines[at.i].text.startsWith("-")
    ) {
      map[key] = parseBlock(lines, at, indent); // list at the key's indent
    } else {
      map[key] = nestedOrNull(lines, at, indent);
    }
  }
  return map;
}

function nestedOrNull(lines: Line[], at: { i: number }, indent: number) {
  if (at.i < lines.length && lines[at.i].indent > indent) {
    return parseBlock(lines, at, lines[at.i].indent);
  }
  return null;
}

function scalarLine(lines: Line[], at: { i: number }): unknown {
  return scalar(lines[at.i++].text);
}

function isKeyLine(text: string): boolean {
  return /^("[^"]*"|'[^']*'|[^:"'[{]+?):(\s|$)/.test(text);
}

function scalar(text: string): unknown {
  const t = text.trim();
  if (/^".*"$/.test(t)) return JSON.parse(t);
  if (/^'.*'$/.test(t)) return t.slice(1, -1).replaceAll("''", "'");
  if (t.startsWith("[") && t.endsWith("]")) {
    const body = t.slice(1, -1).trim();
    return body === "" ? [] : splitFlow(body).map(scalar);
  }
  if (t === "true" || t === "True") return true;
  if (t === "false" || t === "False") return false;
  if (t === "null" || t === "~") return null;
  return t;
}

/** Splits `a, "b, c", d` at commas outside quotes. */
function splitFlow(body: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quote = "";
  for (const ch of body) {
    if (quote) {
      if (ch === quote) quote = "";
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === ",") {
      parts.push(current);
      current = "";
      continue;
    }
    current += ch;
  }
  parts.push(current);
  return parts;
}

function stripComment(line: string): string {
  let quote = "";
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === quote) quote = "";
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === "#" && (i === 0 || /\s/.test(line[i - 1]))) {
      return line.slice(0, i);
    }
  }
  return line;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}
