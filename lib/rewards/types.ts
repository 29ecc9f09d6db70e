/**
 * The reward contract: what a reward function receives, what it must return,
 * and `scoreRewards`, which runs several of them over one batch and checks
 * every value.
 *
 * ```ts
 * const scored = await scoreRewards([threeLinesReward(), haikuReward()], [
 *   { prompt: "Generate a haiku about the following topic: rain.", completion: "…", columns: {} },
 * ]);
 * scored.byName.haiku;   // [1]
 * scored.total;          // [1]: weighted sum, nulls skipped
 * ```
 *
 * Each sample carries its own prompt and dataset row, so a reward can never
 * read another prompt's topic (gemma_haiku took the topic of `prompts[0]` for the
 * whole batch), and the completion is always the completion text (finetuned-llama's
 * length rewards measured TRL's message lists instead). `null` means "this
 * reward does not apply to this sample", TRL's `None`.
 *
 * @module
 */
import type { ChatMessage } from "../util/chat_message.ts";
import { excerpt } from "./text.ts";

export type { ChatMessage };

/** One completion to score, with everything known about how it was made. */
export interface RewardSample {
  /** The prompt: a plain string, or the conversation before the completion. */
  prompt: string | ChatMessage[];
  /** The completion text only (never a message list). */
  completion: string;
  /** The full conversation including the completion, for conversational data. */
  messages?: ChatMessage[];
  /** The dataset row the prompt came from (every column, `prompt` included). */
  columns: Record<string, unknown>;
  /**
   * The generated token ids, when the trainer has them (TRL's
   * `completion_ids`); token-length rewards use them before re-encoding.
   */
  completionIds?: readonly number[];
}

/** A reward value; `null` = not applicable to this sample. */
export type RewardValue = number | null;

/** A named, range-checked reward over a batch of samples. */
export interface RewardFunction {
  /** Short stable name, used as the metric key (`rewards/<name>/mean`). */
  name: string;
  /** Every non-null value lies in `[lo, hi]`; a bound may be infinite. */
  range: readonly [number, number];
  /** One or two sentences: what is rewarded, and where the definition comes from. */
  description: string;
  /** One value per sample, in order. */
  score(
    samples: readonly RewardSample[],
  ): RewardValue[] | Promise<RewardValue[]>;
  /**
   * For a combination of rewards (`hybrid`): its values and each
   * component's, in one pass; {@link scoreRewards} uses it instead of
   * `score` and returns the components as `parts`, which trainers log
   * beside the combination (`rewards/<component>/mean`).
   */
  scoreWithParts?(samples: readonly RewardSample[]): Promise<RewardParts>;
}

/** A combination's values and its components' (names and values in order). */
export interface RewardParts {
  values: RewardValue[];
  parts: { names: string[]; values: RewardValue[][] };
}

/** An error raised while scoring one identified sample. */
export class RewardSampleError extends Error {
  /** Index of the sample in the batch. */
  readonly sampleIndex: number;
  constructor(sampleIndex: number, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "RewardSampleError";
    this.sampleIndex = sampleIndex;
  }
}

/** What {@link perSampleReward} needs: the metadata and a one-sample scorer. */
export interface PerSampleSpec {
  name: string;
  range: readonly [number, number];
  description: string;
  scoreSample(sample: RewardSample, index: number): RewardValue;
}

/**
 * A {@link RewardFunction} from a function of one sample. An exception is
 * re-thrown as a {@link RewardSampleError} carrying the sample's index.
 */
export function perSampleReward(spec: PerSampleSpec): RewardFunction {
  return {
    name: spec.name,
    range: spec.range,
    description: spec.description,
    score: (samples) =>
      samples.map((sample, i) => {
        try {
          return spec.scoreSample(sample, i);
        } catch (error) {
          throw error instanceof RewardSampleError
            ? error
            : new RewardSampleError(i, error);
        }
      }),
  };
}

/**
 * The value of dataset column `name` for `sample`. A missing column (or an
 * `undefined` value) is an error naming the reward, the column and the
 * columns the row does have: the failure finetuned-llama hit as a bare `KeyError`
 * after its loader dropped `solution`.
 */
export function requireColumn(
  sample: RewardSample,
  name: string,
  fn: string | { name: string },
): unknown {
  const columns = sample.columns ?? {};
  const value = Object.hasOwn(columns, name) ? columns[name] : undefined;
  if (value === undefined) {
    const present = Object.keys(columns);
    throw new Error(
      `reward "${typeof fn === "string" ? fn : fn.name}" needs the dataset ` +
        `column "${name}", but the row has ${
          present.length ? `only: ${present.join(", ")}` : "no columns"
        }. Keep "${name}" when preparing the dataset.`,
    );
  }
  return value;
}

/** Result of {@link scoreRewards}. */
export interface ScoredRewards {
  /** Function names, in the order given. */
  names: string[];
  /** `values[f][i]`: function `f` on sample `i`. */
  values: RewardValue[][];
  /** The same values keyed by function name. */
  byName: Record<string, RewardValue[]>;
  /** The weights used (default 1 each). */
  weights: number[];
  /**
   * Per sample: Σ weight·value over the functions that returned a number
   * (TRL's `nansum`); `null` when every function returned `null` (see
   * {@link ScoreOptions.allNull}).
   */
  total: RewardValue[];
  /** The components of combined rewards (`hybrid`), for logging: not in `total` again. */
  parts: { names: string[]; values: RewardValue[][] };
}

/** Options for {@link scoreRewards}. */
export interface ScoreOptions {
  /**
   * A sample for which every function returned `null`: `"null"` (default)
   * gives it a `null` total, so the trainer can leave it out of the
   * advantage (TRL warns and sums to 0, which silently treats "unscorable"
   * as a real reward of 0); `"error"` throws instead.
   */
  allNull?: "null" | "error";
  /**
   * When a function throws on the batch without saying which sample failed,
   * re-run it one sample at a time to find it (default true).
   */
  localizeErrors?: boolean;
}

/**
 * Runs every reward function on `samples` (async ones concurrently) and
 * checks each result: an array of the right length, every value `null` or a
 * finite number inside the function's declared range. Any violation, and any
 * throw or rejection, is an Error naming the function, the sample index and
 * the start of the completion.
 */
export async function scoreRewards(
  fns: readonly RewardFunction[],
  samples: readonly RewardSample[],
  weights?: readonly number[],
  options: ScoreOptions = {},
): Promise<ScoredRewards> {
  checkFunctions(fns);
  samples.forEach(checkSample);
  const w = weights ? [...weights] : fns.map(() => 1);
  if (w.length !== fns.length || !w.every(Number.isFinite)) {
    throw new Error(
      `scoreRewards: expected ${fns.length} finite weights (one per reward function), got [${
        w.join(", ")
      }]`,
    );
  }
  const settled = await Promise.allSettled(
    fns.map((fn) => runOne(fn, samples, options.localizeErrors ?? true)),
  );
  const results = settled.map((result) => {
    if (result.status === "rejected") throw result.reason;
    return result.value;
  });
  const values = results.map((r) => r.values);
  const parts = {
    names: results.flatMap((r) => r.parts?.names ?? []),
    values: results.flatMap((r) => r.parts?.values ?? []),
  };
  const clash = parts.names.find((n, i) =>
    fns.some((fn) => fn.name === n) || parts.names.indexOf(n) !== i
  );
  if (clash) {
    throw new Error(
      `two rewards are named "${clash}" (a combination's component and another reward); names key the logged metrics, give each its own`,
    );
  }
  const total = samples.map((sample, i) => {
    let sum = 0;
    let any = false;
    values.forEach((column, f) => {
      const v = column[i];
      if (v !== null) {
        sum += w[f] * v;
        any = true;
      }
    });
    if (!any && options.allNull === "error") {
      throw new Error(
        `every reward function returned null for sample ${i} (completion ${
          excerpt(sample.completion)
        }): no reward applies to it`,
      );
    }
    return any ? sum : null;
  });
  const names = fns.map((fn) => fn.name);
  const byName = Object.fromEntries(names.map((n, f) => [n, values[f]]));
  return { names, values, byName, weights: w, total, parts };
}

async function runOne(
  fn: RewardFunction,
  samples: readonly RewardSample[],
  localize: boolean,
): Promise<{ values: RewardValue[]; parts?: RewardParts["parts"] }> {
  let out: unknown;
  let parts: RewardParts["parts"] | undefined;
  try {
    if (fn.scoreWithParts) {
      const both = await fn.scoreWithParts(samples);
      out = both.values;
      parts = both.parts;
    } else out = await fn.score(samples);
  } catch (error) {
    throw await failure(fn, samples, error, localize);
  }
  if (!Array.isArray(out)) {
    throw new Error(
      `reward "${fn.name}" returned ${typeof out} instead of an array of ${samples.length} values`,
    );
  }
  if (out.length !== samples.length) {
    throw new Error(
      `reward "${fn.name}" returned ${out.length} values for ${samples.length} samples`,
    );
  }
  const [lo, hi] = fn.range;
  out.forEach((v, i) => {
    const where = () =>
      `reward "${fn.name}" sample ${i} (completion ${
        excerpt(samples[i].completion)
      })`;
    if (v === null) return;
    if (typeof v !== "number") {
      throw new Error(
        `${where()}: returned ${
          v === undefined ? "undefined" : typeof v
        }; expected a number, or null for "not applicable"`,
      );
    }
    if (!Number.isFinite(v)) throw new Error(`${where()}: returned ${v}`);
    if (v < lo || v > hi) {
      throw new Error(
        `${where()}: value ${v} is outside the declared range [${lo}, ${hi}]`,
      );
    }
  });
  return { values: out as RewardValue[], parts };
}

async function failure(
  fn: RewardFunction,
  samples: readonly RewardSample[],
  error: unknown,
  localize: boolean,
): Promise<Error> {
  const message = error instanceof Error ? error.message : String(error);
  let index = error instanceof RewardSampleError ? error.sampleIndex : -1;
  if (index < 0 && localize && samples.length > 1) {
    for (let i = 0; i < samples.length && index < 0; i++) {
      try {
        await fn.score([samples[i]]);
      } catch {
        index = i;
      }
    }
  }
  if (index >= 0 && index < samples.length) {
    return new Error(
      `reward "${fn.name}" failed on sample ${index} (completion ${
        excerpt(samples[index].completion)
      }): ${message}`,
      { cause: error },
    );
  }
  return new Error(
    `reward "${fn.name}" failed on the batch of ${samples.length} samples${
      samples.length > 1 && localize ? " (each sample alone succeeded)" : ""
    }: ${message}`,
    { cause: error },
  );
}

function checkFunctions(fns: readonly RewardFunction[]): void {
  if (fns.length === 0) throw new Error("scoreRewards: no reward functions");
  const seen = new Set<string>();
  fns.forEach((fn, f) => {
    if (typeof fn?.name !== "string" || fn.name.length === 0) {
      throw new Error(`reward function ${f} has no name`);
    }
    if (seen.has(fn.name)) {
      throw new Error(
        `two reward functions are named "${fn.name}"; names key the results, give each its own`,
      );
    }
    seen.add(fn.name);
    const [lo, hi] = fn.range ?? [];
    if (
      typeof lo !== "number" || typeof hi !== "number" || Number.isNaN(lo) ||
      Number.isNaN(hi) || lo > hi
    ) {
      throw new Error(
        `reward "${fn.name}" declares an invalid range [${lo}, ${hi}]`,
      );
    }
  });
}

function checkSample(sample: RewardSample, i: number): void {
  if (typeof sample !== "object" || sample === null) {
    throw new Error(`sample ${i} is not an object`);
  }
  if (typeof sample.completion !== "string") {
    throw new Error(
      `sample ${i}: completion must be the completion text (a string), got ${
        Array.isArray(sample.completion) ? "an array" : typeof sample.completion
      }; put a conversation in "messages" and its last assistant text in "completion"`,
    );
  }
  const p = sample.prompt;
  if (typeof p !== "string" && !Array.isArray(p)) {
    throw new Error(
      `sample ${i}: prompt must be a string or a message list, got ${typeof p}`,
    );
  }
  if (
    typeof sample.columns !== "object" || sample.columns === null ||
    Array.isArray(sample.columns)
  ) {
    throw new Error(
      `sample ${i}: columns must be the dataset row (an object), got ${
        sample.columns === null ? "null" : typeof sample.columns
      }`,
    );
  }
}
