/**
 * A request as the batcher sees it: the rows it adds to a batch (one per
 * choice: prompt, token budget, sampling, stop tokens, seed), the
 * {@link Choice}s their tokens build, and how the request learns of
 * progress — a promise for the whole answer, and a listener a stream pulls
 * deltas from.
 *
 * @module
 */
import type { SamplingOptions } from "../generate/presets.ts";
import type { Tokenizer } from "../tokenizer/mod.ts";
import { ApiError } from "./api_error.ts";
import { Choice, type ChoiceSettings } from "./choice.ts";
import type { Lease } from "./models.ts";

/** One row of a job: a choice to generate. */
export interface JobRow {
  prompt: number[];
  maxNewTokens: number;
  sampling: SamplingOptions;
  settings: ChoiceSettings;
  /** Seed of the row's own sampling stream. */
  seed: number;
}

/** One request's rows, choices and outcome. */
export class GenerationJob {
  readonly choices: Choice[];
  /** Resolves when every choice has finished; rejects with an {@link ApiError}. */
  readonly done: Promise<void>;
  /** Called after every change (a token, the end, an error): streams pull deltas here. */
  listener?: () => void;
  /** The client went away: the rows end at the next step. */
  cancelled = false;
  #error: ApiError | null = null;
  #resolve!: () => void;
  #reject!: (error: ApiError) => void;

  constructor(
    tokenizer: Tokenizer,
    readonly lease: Lease,
    readonly rows: readonly JobRow[],
  ) {
    this.choices = rows.map((r) => new Choice(tokenizer, r.settings));
    this.done = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // A stream reads `error` instead; nobody may be awaiting `done`.
    this.done.catch(() => {});
  }

  /** The error that ended the job, if one did. */
  get error(): ApiError | null {
    return this.#error;
  }

  /** Whether every choice has finished (or the job failed). */
  get settled(): boolean {
    return this.#error !== null || this.choices.every((c) => c.finished);
  }

  /**
   * A token for row `row`; `ended`: the decoder ended the row with it.
   * Returns true when a stop string ended the choice (the row must stop).
   */
  token(
    row: number,
    token: number,
    logits: Float32Array,
    ended: "stop" | "length" | null,
  ): boolean {
    const cut = this.choices[row].push(token, logits, ended);
    this.#changed();
    return cut;
  }

  /** Ends the job with `error` (once). */
  fail(error: ApiError): void {
    if (this.settled) return;
    this.#error = error;
    this.#reject(error);
    this.listener?.();
  }

  #changed(): void {
    if (this.choices.every((c) => c.finished)) this.#resolve();
    this.listener?.();
  }
}
