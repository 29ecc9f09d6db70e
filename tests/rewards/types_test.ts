import assert from "node:assert/strict";
import {
  perSampleReward,
  requireColumn,
  type RewardFunction,
  type RewardSample,
  RewardSampleError,
  scoreRewards,
} from "../../lib/rewards/types.ts";

const sample = (
  completion: string,
  columns: Record<string, unknown> = {},
): RewardSample => ({
  prompt: [{ role: "user", content: "Q?" }],
  completion,
  columns,
});
const SAMPLES = [
  sample("first answer"),
  sample("second answer"),
  sample("third answer"),
];

/** A reward returning fixed values, to exercise the checks. */
const fixed = (
  name: string,
  values: unknown[],
  range: [number, number] = [0, 1],
): RewardFunction => ({
  name,
  range,
  description: "test values",
  score: () => values as number[],
});

Deno.test("scoreRewards returns each function's values and their weighted, null-skipping sum", async () => {
  const length = perSampleReward({
    name: "length",
    range: [0, 100],
    description: "characters",
    scoreSample: (s) => s.completion.length,
  });
  const only2 = fixed("only_second", [null, 1, null]);
  const scored = await scoreRewards([length, only2], SAMPLES, [0.5, 2]);
  assert.deepEqual(scored.names, ["length", "only_second"]);
  assert.deepEqual(scored.byName.length, [12, 13, 12]);
  assert.deepEqual(scored.values[1], [null, 1, null]);
  assert.deepEqual(scored.total, [6, 8.5, 6]);
  assert.deepEqual(scored.weights, [0.5, 2]);
  const unweighted = await scoreRewards([length, only2], SAMPLES);
  assert.deepEqual(unweighted.total, [12, 14, 12]);
});

Deno.test("a sample every function skips gets a null total, or an error on request", async () => {
  const fns = [fixed("a", [null, 1, null]), fixed("b", [null, 0, 0])];
  assert.deepEqual((await scoreRewards(fns, SAMPLES)).total, [null, 1, 0]);
  await assert.rejects(
    () => scoreRewards(fns, SAMPLES, undefined, { allNull: "error" }),
    /every reward function returned null for sample 0 \(completion "first answer"\)/,
  );
});

Deno.test("wrong length, NaN, Infinity, undefined and out-of-range values name the function and sample", async () => {
  await assert.rejects(
    () => scoreRewards([fixed("short", [1, 1])], SAMPLES),
    /reward "short" returned 2 values for 3 samples/,
  );
  await assert.rejects(
    () => scoreRewards([fixed("nan", [0, NaN, 0])], SAMPLES),
    /reward "nan" sample 1 \(completion "second answer"\): returned NaN/,
  );
  await assert.rejects(
    () =>
      scoreRewards([fixed("inf", [0, 0, Infinity], [0, Infinity])], SAMPLES),
    /reward "inf" sample 2 .*returned Infinity/,
  );
  await assert.rejects(
    () => scoreRewards([fixed("undef", [0, undefined, 0])], SAMPLES),
    /reward "undef" sample 1 .*returned undefined; expected a number, or null/,
  );
  await assert.rejects(
    () => scoreRewards([fixed("range", [0.5, 1.5, 0])], SAMPLES),
    /reward "range" sample 1 \(completion "second answer"\): value 1.5 is outside the declared range \[0, 1\]/,
  );
  await assert.rejects(
    () => scoreRewards([fixed("str", ["1", 0, 0])], SAMPLES),
    /reward "str" sample 0 .*returned string/,
  );
  await assert.rejects(
    () =>
      scoreRewards(
        [{ ...fixed("obj", []), score: () => ({}) as never }],
        SAMPLES,
      ),
    /reward "obj" returned object instead of an array of 3 values/,
  );
});

Deno.test("a throw or a rejection names the function and the failing sample", async () => {
  const perSample = perSampleReward({
    name: "picky",
    range: [0, 1],
    description: "throws on the third sample",
    scoreSample: (s) => {
      if (s.completion.startsWith("third")) {
        throw new Error("cannot score this");
      }
      return 1;
    },
  });
  await assert.rejects(
    () => scoreRewards([perSample], SAMPLES),
    /reward "picky" failed on sample 2 \(completion "third answer"\): cannot score this/,
  );
  // A batch function that throws without saying where: found by re-running alone.
  const batch: RewardFunction = {
    name: "batchy",
    range: [0, 1],
    description: "rejects when the batch holds the second sample",
    score: (samples) =>
      samples.some((s) => s.completion.startsWith("second"))
        ? Promise.reject(new Error("bad input"))
        : Promise.resolve(samples.map(() => 1)),
  };
  await assert.rejects(
    () => scoreRewards([batch], SAMPLES),
    /reward "batchy" failed on sample 1 \(completion "second answer"\): bad input/,
  );
  const flaky: RewardFunction = {
    name: "batch_only",
    range: [0, 1],
    description: "fails only on batches",
    score: (samples) => {
      if (samples.length > 1) throw new Error("batch too big");
      return [1];
    },
  };
  await assert.rejects(
    () => scoreRewards([flaky], SAMPLES),
    /reward "batch_only" failed on the batch of 3 samples \(each sample alone succeeded\): batch too big/,
  );
  const tagged: RewardFunction = {
    name: "tagged",
    range: [0, 1],
    description: "reports its own index",
    score: () => {
      throw new RewardSampleError(0, new Error("judge said no"));
    },
  };
  await assert.rejects(
    () => scoreRewards([tagged], SAMPLES),
    /reward "tagged" failed on sample 0 .*judge said no/,
  );
});

Deno.test("async functions run concurrently", async () => {
  let running = 0;
  let peak = 0;
  const slow = (name: string): RewardFunction => ({
    name,
    range: [0, 1],
    description: "waits",
    async score(samples) {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 30));
      running--;
      return samples.map(() => 1);
    },
  });
  await scoreRewards([slow("a"), slow("b"), slow("c")], SAMPLES);
  assert.equal(peak, 3, "all three were in flight at once");
});

Deno.test("bad samples, functions and weights are rejected before scoring", async () => {
  const ok = fixed("ok", [1, 1, 1]);
  const asList = {
    prompt: "Q?",
    completion: [{ role: "assistant", content: "hi" }],
    columns: {},
  } as unknown as RewardSample;
  await assert.rejects(
    () => scoreRewards([ok], [SAMPLES[0], asList]),
    /sample 1: completion must be the completion text \(a string\), got an array/,
  );
  await assert.rejects(
    () => scoreRewards([ok, fixed("ok", [1, 1, 1])], SAMPLES),
    /two reward functions are named "ok"/,
  );
  await assert.rejects(
    () => scoreRewards([fixed("bad", [1, 1, 1], [1, 0])], SAMPLES),
    /reward "bad" declares an invalid range \[1, 0\]/,
  );
  await assert.rejects(
    () => scoreRewards([ok], SAMPLES, [1, 2]),
    /expected 1 finite weights/,
  );
  await assert.rejects(() => scoreRewards([], SAMPLES), /no reward functions/);
  assert.deepEqual((await scoreRewards([fixed("none", [])], [])).total, []);
});

Deno.test("requireColumn names the missing column and the columns present", () => {
  const row = sample("x", { problem: "2+2", messages: [] });
  assert.equal(
    requireColumn(sample("x", { solution: "4" }), "solution", "acc"),
    "4",
  );
  assert.throws(
    () => requireColumn(row, "solution", { name: "math_accuracy" }),
    /reward "math_accuracy" needs the dataset column "solution", but the row has only: problem, messages/,
  );
  assert.throws(
    () => requireColumn(sample("x"), "answer", "acc"),
    /the row has no columns/,
  );
});
