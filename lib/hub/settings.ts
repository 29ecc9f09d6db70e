/**
 * Hugging Face hub settings, read the way `huggingface_hub` reads them so a
 * machine set up for Python works unchanged: `HF_ENDPOINT`, `HF_TOKEN`,
 * `HF_HUB_CACHE` / `HF_HOME`, `HF_HUB_OFFLINE`. A variable missing from the
 * environment is looked up in the project's `.env` file.
 *
 * The token is never printed; {@link describeSettings} says only whether
 * one is set and where it came from.
 *
 * @module
 */
import { readDotenvFile } from "../util/dotenv.ts";

/** Resolved settings for talking to the hub and its cache. */
export interface HubSettings {
  /** Base URL, no trailing slash (default https://huggingface.co). */
  endpoint: string;
  /** Access token for gated and private repos. */
  token?: string;
  /** Where the token came from (for messages; never the token itself). */
  tokenSource?: string;
  /** The hub cache folder (holds `models--org--name/`). */
  cacheDir: string;
  /** Never touch the network, use the cache only. */
  offline: boolean;
}

/** Overrides and sources for {@link hubSettings}. */
export interface HubSettingsOptions {
  endpoint?: string;
  /** A token, or `null` to send none even if the environment has one. */
  token?: string | null;
  cacheDir?: string;
  offline?: boolean;
  /** Variables to read instead of the process environment (tests). */
  env?: Record<string, string | undefined>;
  /** `.env` file consulted for unset variables; `null` for none. */
  envFile?: string | null;
}

/** The project's `.env`, two folders above this file. */
export function projectEnvFile(): string | null {
  const url = new URL("../../.env", import.meta.url);
  return url.protocol === "file:" ? decodeURIComponent(url.pathname) : null;
}

/** Builds the settings from options, then the environment, then `.env`. */
export function hubSettings(options: HubSettingsOptions = {}): HubSettings {
  const envFile = options.envFile === undefined
    ? projectEnvFile()
    : options.envFile;
  let dotenv: Record<string, string> | undefined;
  const read = (name: string): string | undefined => {
    const direct = options.env ? options.env[name] : Deno.env.get(name);
    if (direct !== undefined && direct !== "") return direct;
    if (envFile === null) return undefined;
    dotenv ??= readDotenvFile(envFile);
    const value = dotenv[name];
    return value === "" ? undefined : value;
  };

  const endpoint =
    (options.endpoint ?? read("HF_ENDPOINT") ?? "https://huggingface.co")
      .replace(/\/+$/, "");
  const home = read("HOME") ?? read("USERPROFILE") ?? ".";
  const expand = (path: string) => path.replace(/^~(?=$|\/)/, home);
  const hfHome = expand(
    read("HF_HOME") ??
      `${read("XDG_CACHE_HOME") ?? `${home}/.cache`}/huggingface`,
  );
  const cacheDir = expand(
    options.cacheDir ?? read("HF_HUB_CACHE") ?? read("HUGGINGFACE_HUB_CACHE") ??
      `${hfHome}/hub`,
  );
  const offline = options.offline ??
    (isTrue(read("HF_HUB_OFFLINE")) || isTrue(read("TRANSFORMERS_OFFLINE")));

  const settings: HubSettings = { endpoint, cacheDir, offline };
  if (options.token === null) return settings;
  if (options.token !== undefined) {
    return { ...settings, token: options.token, tokenSource: "options" };
  }
  for (const name of ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"]) {
    const token = read(name);
    if (!token) continue;
    const direct = options.env ? options.env[name] : Deno.env.get(name);
    const source = direct ? name : `${name} in ${envFile}`;
    return { ...settings, token: token.trim(), tokenSource: source };
  }
  // `huggingface-cli login` stores the token in a file.
  const tokenFile = expand(read("HF_TOKEN_PATH") ?? `${hfHome}/token`);
  try {
    const token = Deno.readTextFileSync(tokenFile).trim();
    if (token) return { ...settings, token, tokenSource: tokenFile };
  } catch {
    // No stored login: anonymous access.
  }
  return settings;
}

/** One line for logs, without the token. */
export function describeSettings(settings: HubSettings): string {
  const token = settings.token
    ? `token from ${settings.tokenSource}`
    : "no token";
  return `${settings.endpoint} (${token}; cache ${settings.cacheDir}${
    settings.offline ? "; offline" : ""
  })`;
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined &&
    ["1", "true", "yes", "on"].includes(value.trim().toLowerCase());
}
