/**
 * One W&B run through W&B's JavaScript SDK (`@wandb/sdk`, imported only when
 * a run reports to W&B), shaped as transformers' `WandbCallback` shapes it:
 * the run's settings as its config, and each metrics record as one history
 * row under `train/…` / `eval/…` with `train/global_step`
 * ({@link wandbHistoryRow}).
 *
 * Four things the SDK (0.5.1, its latest release) does are held in here:
 * - it sends the config as given, where the server reads each key as
 *   `{"value": …}` (its repository's unreleased "Fix config" commit adds
 *   the wrapping), so {@link wandbConfig} wraps it as the Python library does;
 * - `init` registers SIGINT, SIGTERM and beforeExit listeners that end the
 *   process (SIGINT) or swallow the signal (SIGTERM), which would take the
 *   trainer's stop-cleanly-and-checkpoint away (lib/util/interrupts.ts): they
 *   are removed as soon as `init` settles;
 * - its retry re-awaits the one failed request with waits up to 30 s for up
 *   to 50 tries, so a server answering 5xx holds `init` for many minutes:
 *   `init` is bounded by WANDB_INIT_TIMEOUT (90 s, as in the Python library);
 * - it prints each failed request as a whole error object with its stack:
 *   while the run lasts those calls print one line instead (sdk_output.ts).
 *
 * @module
 */
import process from "node:process";
import { InputError } from "../../util/errors.ts";
import type { MetricsRecord } from "../metrics_log.ts";
import type { WandbSettings } from "./settings.ts";
import { condenseSdkOutput, scrub } from "./sdk_output.ts";

/** The part of `@wandb/sdk`'s Run used here. */
interface SdkRun {
  log(data: Record<string, unknown>): void;
  finish(code?: number): Promise<void>;
  url(): string;
}

/** Process events the SDK's `init` listens to. */
const SDK_EVENTS = ["SIGINT", "SIGTERM", "beforeExit"] as const;

/** How long `finish` may take before the run is left to the server. */
const FINISH_TIMEOUT_S = 60;

/**
 * transformers' `rewrite_logs` plus the step: `eval_x` → `eval/x`, `test_x`
 * → `test/x`, everything else → `train/…`, and `train/global_step`.
 */
export function wandbHistoryRow(
  record: MetricsRecord,
): Record<string, number | string> {
  const row: Record<string, number | string> = {};
  for (const [key, value] of Object.entries(record)) {
    if (key === "step") continue;
    if (key.startsWith("eval_")) row[`eval/${key.slice(5)}`] = value;
    else if (key.startsWith("test_")) row[`test/${key.slice(5)}`] = value;
    else row[`train/${key}`] = value;
  }
  row["train/global_step"] = record.step;
  return row;
}

/** A config as the W&B server stores it: each key as `{desc, value}`. */
export function wandbConfig(
  config: Record<string, unknown>,
): Record<string, { desc: null; value: unknown }> {
  return Object.fromEntries(
    Object.entries(config).map(([k, value]) => [k, { desc: null, value }]),
  );
}

/** A started W&B run. */
export class WandbRun {
  #finished = false;

  private constructor(
    private readonly run: SdkRun,
    /** The run's page. */
    readonly url: string,
    private readonly restoreOutput: () => void,
    private readonly secret: string,
  ) {}

  /**
   * Starts a run named `runName` with `config`; `name` prefixes console
   * lines. A run the server does not start within WANDB_INIT_TIMEOUT, or
   * refuses, is an InputError of one line.
   */
  static async start(
    name: string,
    settings: WandbSettings,
    runName: string,
    config: Record<string, unknown>,
  ): Promise<WandbRun> {
    const secret = settings.apiKey ?? "";
    const restoreOutput = condenseSdkOutput(`[${name}] W&B:`, secret);
    const before = new Map(
      SDK_EVENTS.map((event) => [event, process.rawListeners(event)]),
    );
    try {
      const sdk = await importSdk();
      const run = await withTimeout(
        sdk.init({
          project: settings.project,
          entity: settings.entity,
          name: runName,
          config: wandbConfig(config),
          // The run's URL is printed by the trainer, once.
          settings: {
            apiKey: settings.apiKey,
            baseUrl: settings.baseUrl,
            silent: true,
          },
        }),
        settings.initTimeoutS,
      ).catch((error) => {
        throw new InputError(
          scrub(
            `W&B: no run started at ${settings.baseUrl} (project ${settings.project}): ${
              reasonOf(error, settings.initTimeoutS)
            }`,
            secret,
          ),
        );
      });
      return new WandbRun(run, run.url(), restoreOutput, secret);
    } catch (error) {
      restoreOutput();
      throw error;
    } finally {
      for (const event of SDK_EVENTS) {
        for (const listener of process.rawListeners(event)) {
          if (before.get(event)!.includes(listener)) continue;
          process.removeListener(event, listener as () => void);
        }
      }
    }
  }

  /** Sends one metrics record as a history row. */
  log(record: MetricsRecord): void {
    if (!this.#finished) this.run.log(wandbHistoryRow(record));
  }

  /**
   * Sends what is left and marks the run finished with `exitCode` (0:
   * finished; otherwise failed); once, and at most a minute.
   */
  async finish(exitCode: number): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    try {
      await withTimeout(this.run.finish(exitCode), FINISH_TIMEOUT_S);
    } catch (error) {
      console.error(scrub(
        `W&B: could not finish the run at ${this.url}: ${reasonOf(error)}`,
        this.secret,
      ));
    } finally {
      this.restoreOutput();
    }
  }
}

async function importSdk(): Promise<
  { init(options: Record<string, unknown>): Promise<SdkRun> }
> {
  // Its fetch polyfill loads Node's deprecated punycode module, whose
  // warning says nothing to a tunebook user.
  const quiet = process.noDeprecation;
  process.noDeprecation = true;
  try {
    return (await import("@wandb/sdk")).default;
  } finally {
    process.noDeprecation = quiet;
  }
}

class Timeout extends Error {}

function withTimeout<T>(promise: Promise<T>, seconds: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Timeout()), seconds * 1000);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function reasonOf(error: unknown, timeoutS?: number): string {
  if (error instanceof Timeout) {
    return `no answer within ${timeoutS ?? FINISH_TIMEOUT_S} s${
      timeoutS ? " (WANDB_INIT_TIMEOUT)" : ""
    }`;
  }
  const message = error instanceof Error ? error.message : String(error);
  // What the SDK says when its first request (who owns the key) failed.
  if (message === "Unable to determine default entity") {
    return "the server did not say whose WANDB_API_KEY this is (see the line above)";
  }
  return message.split("\n")[0];
}
