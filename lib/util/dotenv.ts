/**
 * A small `.env` parser: `KEY=value` lines, optional `export `, `#`
 * comments, and single- or double-quoted values (double quotes understand
 * `\n`, `\t`, `\"` and `\\`). Enough for `HF_TOKEN=hf_…` and friends.
 *
 * @module
 */

/**
 * Parses `.env` text. `source` names the file in errors; a line that is not
 * blank, a comment or `KEY=value` is an error naming its line number.
 */
export function parseDotenv(
  text: string,
  source = ".env",
): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(
      line,
    );
    if (!match) {
      // The line may be a pasted secret, so only its key (if any) is shown.
      const eq = line.indexOf("=");
      const shown = eq < 0
        ? ""
        : `, got ${JSON.stringify(line.slice(0, eq + 1) + "…")}`;
      throw new Error(`${source}:${i + 1}: expected KEY=value${shown}`);
    }
    out[match[1]] = parseValue(match[2], `${source}:${i + 1}`);
  }
  return out;
}

function parseValue(value: string, where: string): string {
  const quote = value[0];
  if (quote === '"' || quote === "'") {
    const end = closingQuote(value, quote);
    if (end < 0) throw new Error(`${where}: unterminated ${quote} quote`);
    const rest = value.slice(end + 1).trim();
    if (rest !== "" && !rest.startsWith("#")) {
      throw new Error(`${where}: unexpected text after the closing quote`);
    }
    const inner = value.slice(1, end);
    return quote === "'" ? inner : unescape(inner);
  }
  // Unquoted: a comment starts at " #", so values may still contain "#".
  return value.replace(/\s+#.*$/, "").trim();
}

function closingQuote(value: string, quote: string): number {
  for (let i = 1; i < value.length; i++) {
    if (quote === '"' && value[i] === "\\") i++;
    else if (value[i] === quote) return i;
  }
  return -1;
}

function unescape(text: string): string {
  const map: Record<string, string> = {
    n: "\n",
    r: "\r",
    t: "\t",
    '"': '"',
    "\\": "\\",
  };
  return text.replace(/\\(.)/g, (whole, c: string) => map[c] ?? whole);
}

/**
 * Reads and parses a `.env` file; a missing file gives `{}`. Errors name
 * the file and line.
 */
export function readDotenvFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return {};
    throw new Error(`${path}: cannot read (${(error as Error).message})`);
  }
  return parseDotenv(text, path);
}

/** A setting found by {@link settingLookup}: its value and where it came from. */
export interface FoundSetting {
  value: string;
  /** `NAME` (the environment) or `NAME in FILE`. */
  source: string;
}

/**
 * Looks variables up in `env` (absent: the process environment), then in
 * `envFile` (`null`: none; read once, when first needed). Values are
 * trimmed, and a blank one counts as unset.
 */
export function settingLookup(
  env: Record<string, string | undefined> | undefined,
  envFile: string | null,
): (name: string) => FoundSetting | null {
  let dotenv: Record<string, string> | undefined;
  return (name) => {
    const direct = env ? env[name] : Deno.env.get(name);
    if (direct !== undefined && direct.trim() !== "") {
      return { value: direct.trim(), source: name };
    }
    if (envFile === null) return null;
    dotenv ??= readDotenvFile(envFile);
    const value = dotenv[name]?.trim();
    return value ? { value, source: `${name} in ${envFile}` } : null;
  };
}
