/**
 * Learning-rate schedules at points computed by hand from transformers'
 * definitions (optimization.py: the lr_lambda of each get_*_schedule*):
 *
 * - warmup: lambda(k) = k / max(1, W) for k < W
 * - constant_with_warmup: 1 from W on
 * - linear: max(0, (T − k) / max(1, T − W)) from W on
 * - cosine: max(0, ½(1 + cos(π·2·0.5·p))) with p = (k − W) / max(1, T − W),
 *   and with min_lr_rate r: ½(1 + cos(π p))·(1 − r) + r
 *
 * and the HF Trainer's warmup from a ratio, ceil(T · ratio).
 */
import assert from "node:assert/strict";
import {
  learningRate,
  lrMultiplier,
  type ScheduleOptions,
  validateSchedule,
  warmupStepsOf,
} from "../../lib/train/schedule.ts";

function close(actual: number, expected: number, what: string) {
  assert.ok(
    Math.abs(actual - expected) <= 1e-15 + 1e-12 * Math.abs(expected),
    `${what}: got ${actual}, expected ${expected}`,
  );
}

const peak = 2e-4;

Deno.test("constant: the peak at every step", () => {
  const o: ScheduleOptions = { name: "constant", peakLr: peak, totalSteps: 10 };
  for (const k of [0, 1, 9, 10, 50]) close(learningRate(k, o), peak, `k=${k}`);
});

Deno.test("constant_with_warmup: linear ramp from 0, then the peak", () => {
  const o: ScheduleOptions = {
    name: "constant_with_warmup",
    peakLr: peak,
    totalSteps: 100,
    warmupSteps: 4,
  };
  close(learningRate(0, o), 0, "step 0 runs at 0, as in transformers");
  close(learningRate(1, o), peak / 4, "k=1");
  close(learningRate(2, o), peak / 2, "warmup midpoint");
  close(learningRate(3, o), peak * 3 / 4, "k=3");
  close(learningRate(4, o), peak, "end of warmup");
  close(learningRate(99, o), peak, "last step");
});

Deno.test("linear: warmup, then straight down to 0 at totalSteps", () => {
  const o: ScheduleOptions = {
    name: "linear",
    peakLr: peak,
    totalSteps: 100,
    warmupSteps: 10,
  };
  close(learningRate(0, o), 0, "k=0");
  close(learningRate(5, o), peak / 2, "warmup midpoint");
  close(learningRate(10, o), peak, "end of warmup");
  close(learningRate(55, o), peak / 2, "decay midpoint (100−55)/90");
  close(learningRate(99, o), peak / 90, "last step (100−99)/90");
  close(learningRate(100, o), 0, "k = totalSteps");
  close(learningRate(130, o), 0, "clamped at 0 past the end");
  const noWarmup: ScheduleOptions = { ...o, warmupSteps: 0 };
  close(learningRate(0, noWarmup), peak, "no warmup: the first step at peak");
  close(learningRate(25, noWarmup), peak * 0.75, "no warmup: (100−25)/100");
});

Deno.test("cosine: half a cosine from peak to 0, midpoint at half the peak", () => {
  const o: ScheduleOptions = {
    name: "cosine",
    peakLr: peak,
    totalSteps: 110,
    warmupSteps: 10,
  };
  close(learningRate(5, o), peak / 2, "warmup midpoint");
  close(learningRate(10, o), peak, "end of warmup: cos 0 = 1");
  close(learningRate(60, o), peak / 2, "cosine midpoint: cos(π/2) = 0");
  close(
    learningRate(35, o),
    peak * (1 + Math.SQRT1_2) / 2,
    "quarter: cos(π/4)",
  );
  close(learningRate(85, o), peak * (1 - Math.SQRT1_2) / 2, "three quarters");
  close(
    learningRate(109, o),
    peak * 0.5 * (1 + Math.cos(Math.PI * 99 / 100)),
    "last step",
  );
  close(learningRate(110, o), 0, "k = totalSteps: cos π = −1");
});

Deno.test("cosine with minLrRatio: the floor is a fraction of the peak", () => {
  const o: ScheduleOptions = {
    name: "cosine",
    peakLr: 1,
    totalSteps: 20,
    minLrRatio: 0.1,
  };
  close(learningRate(0, o), 1, "start");
  close(learningRate(10, o), 0.55, "midpoint: 0.5·0.9 + 0.1");
  close(learningRate(20, o), 0.1, "end: the floor");
});

Deno.test("warmupRatio: ceil(totalSteps · ratio) warmup steps, as the HF Trainer", () => {
  const o: ScheduleOptions = {
    name: "linear",
    peakLr: 1,
    totalSteps: 95,
    warmupRatio: 0.1,
  };
  assert.equal(warmupStepsOf(o), 10);
  close(lrMultiplier(5, o), 0.5, "warmup midpoint");
  close(lrMultiplier(10, o), 1, "end of warmup");
  close(lrMultiplier(94, o), 1 / 85, "last step");
  assert.equal(
    warmupStepsOf({ ...o, warmupRatio: 0.03, totalSteps: 1000 }),
    30,
  );
  assert.equal(warmupStepsOf({ ...o, warmupRatio: undefined }), 0);
});

Deno.test("validateSchedule names the faulty field", () => {
  const good: ScheduleOptions = {
    name: "cosine",
    peakLr: 1e-4,
    totalSteps: 300,
    warmupRatio: 0.05,
    minLrRatio: 0.1,
  };
  assert.equal(validateSchedule(good, "schedule"), good);
  const bad: [unknown, RegExp][] = [
    [
      { name: "cosine", peakLr: 1 },
      /field "totalSteps" must be a positive integer/,
    ],
    [{ name: "exp", peakLr: 1, totalSteps: 3 }, /field "name" must be one of/],
    [{ name: "linear", peakLr: "1e-4", totalSteps: 3 }, /field "peakLr"/],
    [{ name: "linear", peakLr: 1, totalSteps: 2.5 }, /field "totalSteps"/],
    [
      { name: "linear", peakLr: 1, totalSteps: 10, warmupSteps: 11 },
      /field "warmupSteps" must be an integer in \[0, totalSteps = 10\]/,
    ],
    [
      { name: "linear", peakLr: 1, totalSteps: 10, warmupRatio: 1.5 },
      /field "warmupRatio"/,
    ],
    [
      {
        name: "linear",
        peakLr: 1,
        totalSteps: 10,
        warmupSteps: 1,
        warmupRatio: 0.1,
      },
      /not both/,
    ],
    [
      { name: "linear", peakLr: 1, totalSteps: 10, minLrRatio: 0.1 },
      /"minLrRatio" applies to the "cosine" schedule only/,
    ],
    [
      { name: "constant", peakLr: 1, totalSteps: 10, warmupSteps: 2 },
      /"constant" has no warmup/,
    ],
  ];
  for (const [options, pattern] of bad) {
    assert.throws(
      () => validateSchedule(options as ScheduleOptions, "sft: schedule"),
      (e: Error) =>
        e.message.startsWith("sft: schedule: ") && pattern.test(e.message),
      JSON.stringify(options),
    );
    // Every learning rate of an invalid schedule is refused the same way.
    assert.throws(
      () => learningRate(0, options as ScheduleOptions),
      (e: Error) =>
        e.message.startsWith("schedule: ") && pattern.test(e.message),
      JSON.stringify(options),
    );
  }
});

Deno.test("learningRate rejects a negative or fractional step", () => {
  const o: ScheduleOptions = { name: "linear", peakLr: 1, totalSteps: 10 };
  assert.throws(
    () => learningRate(-1, o),
    /step must be a non-negative integer/,
  );
  assert.throws(
    () => learningRate(0.5, o),
    /step must be a non-negative integer/,
  );
});
