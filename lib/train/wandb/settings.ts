/**
 * Where a W&B run goes and with which key, read from the variables the
 * Python `wandb` library and transformers' `WandbCallback` read, so a machine
 * set up for TRL works unchanged: the process environment first, then the
 * project's `.env` (the file and parser the hub settings use).
 *
 * | variable             | meaning                                              |
 * | -------------------- | ---------------------------------------------------- |
 * | `WANDB_API_KEY`      | the API key (needed unless WANDB_MODE is offline or disabled) |
 * | `WANDB_PROJECT`      | the project (default "huggingface", as transformers) |
 * | `WANDB_ENTITY`       | the user or team (default: the key's own)            |
 * | `WANDB_MODE`         | online (default), offline or disabled                |
 * | `WANDB_BASE_URL`     | a self-hosted server (default https://api.wandb.ai)  |
 * | `WANDB_INIT_TIMEOUT` | seconds to wait for the run to start (default 90)    |
 *
 * The key is never printed: messages say only where it came from.
 *
 * @module
 */
import { projectEnvFile } from "../../hub/settings.ts";
import { settingLookup } from "../../util/dotenv.ts";
import { InputError } from "../../util/errors.ts";

/** How a run reports: to the server, nowhere (offline), or not at all. */
export type WandbMode = "online" | "offline" | "disabled";

/** Resolved W&B settings. */
export interface WandbSettings {
  mode: WandbMode;
  apiKey?: string;
  /** Where the key came from ("WANDB_API_KEY in /x/.env"), never the key. */
  keySource?: string;
  /** The API server, without a trailing slash. */
  baseUrl: string;
  project: string;
  /** Empty: the key's default entity. */
  entity: string;
  /** Seconds to wait for the server to start the run. */
  initTimeoutS: number;
}

/** Variables to read instead of the process environment and `.env` (tests). */
export interface WandbEnv {
  env?: Record<string, string | undefined>;
  /** `.env` file consulted for unset variables; `null` for none. */
  envFile?: string | null;
}

/** The Python library's default API server. */
export const DEFAULT_WANDB_BASE_URL = "https://api.wandb.ai";

/** Reads the settings from the environment, then `.env`. */
export function wandbSettings(options: WandbEnv = {}): WandbSettings {
  const envFile = options.envFile === undefined
    ? projectEnvFile()
    : options.envFile;
  const lookup = settingLookup(options.env, envFile);
  const key = lookup("WANDB_API_KEY");
  return {
    mode: modeOf(lookup("WANDB_MODE"), lookup("WANDB_DISABLED")),
    ...(key ? { apiKey: key.value, keySource: key.source } : {}),
    baseUrl: baseUrlOf(lookup("WANDB_BASE_URL")),
    project: lookup("WANDB_PROJECT")?.value ?? "huggingface",
    entity: lookup("WANDB_ENTITY")?.value ?? "",
    initTimeoutS: timeoutOf(lookup("WANDB_INIT_TIMEOUT")),
  };
}

/**
 * The settings, checked to have a key when the run goes online: the one
 * line names the variable and the ways around it.
 */
export function requireWandbKey(settings: WandbSettings): WandbSettings {
  if (settings.mode === "online" && settings.apiKey === undefined) {
    throw new InputError(
      'report_to "wandb" needs WANDB_API_KEY (environment or .env); set it, or WANDB_MODE=offline or disabled to train without W&B',
    );
  }
  return settings;
}

type Found = { value: string; source: string } | null;

function modeOf(mode: Found, disabled: Found): WandbMode {
  // transformers' older switch, still honoured by its WandbCallback.
  if (disabled && ["1", "true", "yes", "on"].includes(disabled.value)) {
    return "disabled";
  }
  if (!mode) return "online";
  const value = mode.value.toLowerCase();
  // "run" and "dryrun" are the Python library's older names.
  if (value === "online" || value === "run") return "online";
  if (value === "offline" || value === "dryrun") return "offline";
  if (value === "disabled") return "disabled";
  throw new InputError(
    `${mode.source} must be online, offline or disabled, got ${
      JSON.stringify(mode.value.slice(0, 40))
    }`,
  );
}

function baseUrlOf(found: Found): string {
  if (!found) return DEFAULT_WANDB_BASE_URL;
  let url: URL | null = null;
  try {
    url = new URL(found.value);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new InputError(
      `${found.source} must be an http(s) URL such as https://api.wandb.ai, got ${
        JSON.stringify(found.value.slice(0, 80))
      }`,
    );
  }
  return found.value.replace(/\/+$/, "");
}

function timeoutOf(found: Found): number {
  if (!found) return 90;
  const seconds = Number(found.value);
  if (!(seconds > 0) || !Number.isFinite(seconds)) {
    throw new InputError(
      `${found.source} must be a number of seconds above 0, got ${
        JSON.stringify(found.value.slice(0, 40))
      }`,
    );
  }
  return seconds;
}
