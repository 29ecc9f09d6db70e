/**
 * Where the Gemini client gets its key, endpoint, default model and cache
 * folder: explicit options first, then the process environment, then the
 * project's `.env` (the same file and parser the hub settings use).
 *
 * | variable           | meaning                                              |
 * | ------------------ | ---------------------------------------------------- |
 * | `GEMINI_API_KEY`   | the API key (`GOOGLE_API_KEY` is read as a fallback)  |
 * | `GEMINI_BASE_URL`  | another endpoint: a proxy, or a local test server     |
 * | `GEMINI_MODEL`     | the default model id                                 |
 * | `GEMINI_CACHE_DIR` | the response cache folder                            |
 *
 * The key is never printed: {@link describeGeminiSettings} says only where it
 * came from.
 *
 * @module
 */
import { settingLookup } from "../util/dotenv.ts";
import { projectEnvFile } from "../hub/settings.ts";
import { GeminiUnavailableError } from "./errors.ts";

/**
 * The default model: a stable Flash model. gemma_haiku's row used
 * {@link GEMMA_HAIKU_GEMINI_MODEL}; pass it as `model` to rerun that protocol
 * while Google still serves it.
 */
export const DEFAULT_GEMINI_MODEL = "gemini-2.5-flash";

/** The model gemma_haiku (`axeld5/gemma_haiku`) compared against. */
export const GEMMA_HAIKU_GEMINI_MODEL = "gemini-2.0-flash";

/** Resolved settings of a {@link GeminiClient}. */
export interface GeminiSettings {
  /** The API key, if one is set anywhere. */
  apiKey?: string;
  /** Where the key came from ("GEMINI_API_KEY", "GEMINI_API_KEY in /x/.env"). */
  keySource?: string;
  /** Endpoint override without a trailing slash; unset means Google's. */
  baseUrl?: string;
  /** Model used when a call names none. */
  model: string;
  /** Folder of the response cache. */
  cacheDir: string;
}

/** Overrides and sources for {@link geminiSettings}. */
export interface GeminiSettingsOptions {
  apiKey?: string;
  baseUrl?: string;
  model?: string;
  cacheDir?: string;
  /** Variables to read instead of the process environment (tests). */
  env?: Record<string, string | undefined>;
  /** `.env` file consulted for unset variables; `null` for none. */
  envFile?: string | null;
}

/**
 * The default cache folder, `results/gemini-cache/` in the project root.
 * `results/*` is already git-ignored, and results are what the cache makes
 * reproducible.
 */
export function defaultGeminiCacheDir(): string {
  const url = new URL("../../results/gemini-cache", import.meta.url);
  return url.protocol === "file:"
    ? decodeURIComponent(url.pathname)
    : "results/gemini-cache";
}

/** Builds the settings from options, then the environment, then `.env`. */
export function geminiSettings(
  options: GeminiSettingsOptions = {},
): GeminiSettings {
  const envFile = options.envFile === undefined
    ? projectEnvFile()
    : options.envFile;
  const lookup = settingLookup(options.env, envFile);

  const settings: GeminiSettings = {
    model: options.model ?? lookup("GEMINI_MODEL")?.value ??
      DEFAULT_GEMINI_MODEL,
    cacheDir: options.cacheDir ?? lookup("GEMINI_CACHE_DIR")?.value ??
      defaultGeminiCacheDir(),
  };
  const baseUrl = options.baseUrl ?? lookup("GEMINI_BASE_URL")?.value;
  if (baseUrl !== undefined) settings.baseUrl = checkBaseUrl(baseUrl);
  if (options.apiKey !== undefined && options.apiKey.trim() !== "") {
    settings.apiKey = options.apiKey.trim();
    settings.keySource = "options";
  } else {
    const found = lookup("GEMINI_API_KEY") ?? lookup("GOOGLE_API_KEY");
    if (found) {
      settings.apiKey = found.value;
      settings.keySource = found.source;
    }
  }
  return settings;
}

function checkBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(
      `GEMINI_BASE_URL must be an http(s) URL such as http://127.0.0.1:8080, got ${
        JSON.stringify(value.slice(0, 80))
      }`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(
      `GEMINI_BASE_URL must use http or https, got ${url.protocol}`,
    );
  }
  return value.replace(/\/+$/, "");
}

/** One line for logs, without the key. */
export function describeGeminiSettings(settings: GeminiSettings): string {
  const key = settings.apiKey ? `key from ${settings.keySource}` : "no key";
  const endpoint = settings.baseUrl ?? "Google's endpoint";
  return `Gemini ${settings.model} at ${endpoint} (${key}; cache ${settings.cacheDir})`;
}

/**
 * The one-line message callers print when they skip Gemini work, e.g.
 * "GEMINI_API_KEY not set (environment or .env): skipping the Gemini row".
 */
export function geminiSkipMessage(purpose = "the Gemini row"): string {
  return `GEMINI_API_KEY not set (environment or .env): skipping ${purpose}`;
}

/** Whether a key is set, so Gemini work can run rather than be skipped. */
export function geminiAvailable(options: GeminiSettingsOptions = {}): boolean {
  return geminiSettings(options).apiKey !== undefined;
}

/**
 * The settings, or a {@link GeminiUnavailableError} carrying
 * {@link geminiSkipMessage} when no key is set; callers catch that error
 * class, print its message and skip rather than fail.
 */
export function requireGemini(
  options: GeminiSettingsOptions = {},
  purpose?: string,
): GeminiSettings & { apiKey: string } {
  const settings = geminiSettings(options);
  if (settings.apiKey === undefined) {
    throw new GeminiUnavailableError(geminiSkipMessage(purpose));
  }
  return settings as GeminiSettings & { apiKey: string };
}
