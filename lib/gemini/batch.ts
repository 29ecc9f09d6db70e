/**
 * Many prompts through one {@link GeminiClient}: a fixed number of workers,
 * results in prompt order, and a progress line with the cache hits and
 * failures so far. Cached prompts finish at once, so a rerun is instant.
 *
 * @module
 */
import { Progress, type ProgressOptions } from "../util/progress.ts";
import type { ChatMessage } from "../util/chat_message.ts";
import type {
  GeminiClient,
  GeminiResult,
  GenerateCallOptions,
} from "./client.ts";
import type { GenerateOptions } from "./request.ts";

/** Options of {@link generateBatch}. */
export interface GeminiBatchOptions extends GenerateCallOptions {
  /** Prompts in flight at once (default 4; the client's own limit also applies). */
  concurrency?: number;
  /**
   * `"throw"` (default): the first failure stops the batch (no new prompts
   * start) and is thrown once the running ones end. `"record"`: failures
   * become `{ ok: false }` entries and the batch goes on.
   */
  onError?: "throw" | "record";
  /** Extra options per prompt, e.g. `(i) => ({ sample: i % 4 })`. */
  optionsFor?: (index: number) => GenerateOptions;
  /** The progress line: a label and options, or `false` for none (default label "gemini"). */
  progress?: false | { label?: string; options?: ProgressOptions };
}

/** The outcome for one prompt of a batch. */
export type GeminiBatchItem =
  | { ok: true; index: number; result: GeminiResult }
  | { ok: false; index: number; error: Error };

/**
 * Generates an answer for every prompt, in order. See
 * {@link GeminiBatchOptions} for concurrency, failures and progress.
 */
export async function generateBatch(
  client: GeminiClient,
  prompts: readonly (string | ChatMessage[])[],
  options: GeminiBatchOptions = {},
): Promise<GeminiBatchItem[]> {
  const {
    concurrency = 4,
    onError = "throw",
    optionsFor,
    progress,
    ...generation
  } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(
      `generateBatch: concurrency must be an integer >= 1, got ${concurrency}`,
    );
  }
  const items: GeminiBatchItem[] = new Array(prompts.length);
  const bar = progress === false ? undefined : new Progress(
    progress?.label ?? "gemini",
    prompts.length,
    { unit: "prompt", ...progress?.options },
  );
  let next = 0;
  let done = 0;
  let cached = 0;
  let failed = 0;
  let firstError: { index: number; error: Error } | undefined;

  const worker = async () => {
    while (next < prompts.length && firstError === undefined) {
      const index = next++;
      try {
        const result = await client.generate(prompts[index], {
          ...generation,
          ...optionsFor?.(index),
        });
        if (result.cached) cached++;
        items[index] = { ok: true, index, result };
      } catch (error) {
        failed++;
        const err = error instanceof Error ? error : new Error(String(error));
        if (onError === "throw") firstError ??= { index, error: err };
        items[index] = { ok: false, index, error: err };
      }
      done++;
      // Strings, so counts print as integers ("10", not "10.00").
      bar?.update(done, { cached: `${cached}`, failed: `${failed}` });
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(concurrency, prompts.length) }, worker),
  );
  if (firstError) {
    // Keep the error's class and fields (GeminiError status, failure); say which prompt.
    firstError.error.message =
      `prompt ${firstError.index}: ${firstError.error.message}`;
    throw firstError.error;
  }
  return items;
}
