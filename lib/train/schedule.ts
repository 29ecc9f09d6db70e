/**
 * Learning-rate schedules, the same functions of the step as transformers'
 * `get_constant_schedule`, `get_constant_schedule_with_warmup`,
 * `get_linear_schedule_with_warmup` and `get_cosine_schedule_with_warmup`
 * (half a cosine, i.e. `num_cycles = 0.5`; with `minLrRatio` it is
 * `get_cosine_with_min_lr_schedule_with_warmup` with `min_lr_rate`).
 *
 * transformers wraps these in torch's `LambdaLR`, which sets the rate before
 * the first optimizer step to `peak · multiplier(0)` and advances by one
 * after each optimizer step, so optimizer step k (counting from 0) runs at
 * `peak · multiplier(k)`. With warmup, step 0 therefore runs at rate 0, as
 * in transformers. {@link learningRate} takes that k.
 *
 * @module
 */

/** The schedule families tunebook implements. */
export type ScheduleName =
  | "constant"
  | "constant_with_warmup"
  | "linear"
  | "cosine";

const NAMES: readonly ScheduleName[] = [
  "constant",
  "constant_with_warmup",
  "linear",
  "cosine",
];

/** A learning-rate schedule. */
export interface ScheduleOptions {
  name: ScheduleName;
  /** The rate at the end of warmup (the optimizer's base `lr` in torch). */
  peakLr: number;
  /** Optimizer steps in the run (transformers' `num_training_steps`). */
  totalSteps: number;
  /** Warmup steps; give this or `warmupRatio`, not both (default 0). */
  warmupSteps?: number;
  /** Warmup as a fraction of `totalSteps`: ceil(totalSteps · ratio) steps, as the HF Trainer. */
  warmupRatio?: number;
  /** Cosine only: the floor as a fraction of `peakLr` (default 0). */
  minLrRatio?: number;
}

/** Warmup length in steps: `warmupSteps`, or ceil(totalSteps · warmupRatio). */
export function warmupStepsOf(o: ScheduleOptions): number {
  if (o.warmupSteps !== undefined) return o.warmupSteps;
  if (o.warmupRatio !== undefined) {
    return Math.ceil(o.totalSteps * o.warmupRatio);
  }
  return 0;
}

/**
 * The schedule's multiplier of `peakLr` at optimizer step `step` (0-based);
 * transformers' `lr_lambda(step)`.
 */
export function lrMultiplier(step: number, o: ScheduleOptions): number {
  validateSchedule(o, "schedule");
  if (!Number.isSafeInteger(step) || step < 0) {
    throw new Error(
      `schedule: step must be a non-negative integer, got ${step}`,
    );
  }
  if (o.name === "constant") return 1;
  const warmup = warmupStepsOf(o);
  if (step < warmup) return step / Math.max(1, warmup);
  if (o.name === "constant_with_warmup") return 1;
  const decaySteps = Math.max(1, o.totalSteps - warmup);
  if (o.name === "linear") {
    return Math.max(0, (o.totalSteps - step) / decaySteps);
  }
  // Past totalSteps the progress exceeds 1 and, as in transformers, the
  // cosine rises again; runs stop at totalSteps.
  const progress = (step - warmup) / decaySteps;
  const minRatio = o.minLrRatio ?? 0;
  const cosine = 0.5 * (1 + Math.cos(Math.PI * 0.5 * 2 * progress));
  return Math.max(0, cosine * (1 - minRatio) + minRatio);
}

/** The learning rate of optimizer step `step` (0-based): peakLr · multiplier. */
export function learningRate(step: number, o: ScheduleOptions): number {
  return o.peakLr * lrMultiplier(step, o);
}

/**
 * Checks a schedule's fields; errors start with `where` and name the field.
 * Returns the options unchanged.
 */
export function validateSchedule(
  o: ScheduleOptions,
  where: string,
): ScheduleOptions {
  if (!NAMES.includes(o.name)) {
    throw new Error(
      `${where}: field "name" must be one of ${
        NAMES.map((n) => `"${n}"`).join(", ")
      }, got ${JSON.stringify(o.name)}`,
    );
  }
  if (!(typeof o.peakLr === "number" && o.peakLr > 0 && isFinite(o.peakLr))) {
    throw new Error(
      `${where}: field "peakLr" must be a positive number, got ${
        JSON.stringify(o.peakLr)
      }`,
    );
  }
  if (!(Number.isSafeInteger(o.totalSteps) && o.totalSteps > 0)) {
    throw new Error(
      `${where}: field "totalSteps" must be a positive integer, got ${
        JSON.stringify(o.totalSteps)
      }`,
    );
  }
  if (o.warmupSteps !== undefined && o.warmupRatio !== undefined) {
    throw new Error(
      `${where}: give "warmupSteps" or "warmupRatio", not both`,
    );
  }
  if (
    o.warmupSteps !== undefined &&
    !(Number.isSafeInteger(o.warmupSteps) && o.warmupSteps >= 0 &&
      o.warmupSteps <= o.totalSteps)
  ) {
    throw new Error(
      `${where}: field "warmupSteps" must be an integer in [0, totalSteps = ${o.totalSteps}], got ${
        JSON.stringify(o.warmupSteps)
      }`,
    );
  }
  if (o.warmupRatio !== undefined && !inUnitInterval(o.warmupRatio)) {
    throw new Error(
      `${where}: field "warmupRatio" must be a number in [0, 1], got ${
        JSON.stringify(o.warmupRatio)
      }`,
    );
  }
  if (o.name === "constant" && warmupStepsOf(o) > 0) {
    throw new Error(
      `${where}: schedule "constant" has no warmup; use "constant_with_warmup" or drop the warmup field`,
    );
  }
  if (o.minLrRatio !== undefined) {
    if (o.name !== "cosine") {
      throw new Error(
        `${where}: field "minLrRatio" applies to the "cosine" schedule only, not "${o.name}"`,
      );
    }
    if (!inUnitInterval(o.minLrRatio)) {
      throw new Error(
        `${where}: field "minLrRatio" must be a number in [0, 1], got ${
          JSON.stringify(o.minLrRatio)
        }`,
      );
    }
  }
  return o;
}

function inUnitInterval(x: unknown): boolean {
  return typeof x === "number" && x >= 0 && x <= 1;
}
