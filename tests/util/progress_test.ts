import assert from "node:assert/strict";
import { Progress } from "../../lib/util/progress.ts";

Deno.test("the progress rate counts only this run's units over this run's time (a resumed run's earlier steps do not inflate it)", () => {
  const start = 1000;
  const fresh = new Progress("sft", 100, {
    unit: "step",
    since: { time: start, done: 0 },
    write: () => {},
  });
  // 10 steps in 4 s: 2.50 step/s, 90 left: ETA 36s.
  assert.equal(
    fresh.format(10, { loss: 1.5 }, start + 4000),
    "sft 10/100 (10%) 2.50 step/s ETA 36s loss=1.500",
  );
  const resumed = new Progress("sft", 100, {
    unit: "step",
    since: { time: start, done: 60 },
    write: () => {},
  });
  // Resumed at 60: 10 new steps in 4 s, still 2.50 step/s (not 70 / 4).
  assert.equal(
    resumed.format(70, {}, start + 4000),
    "sft 70/100 (70%) 2.50 step/s ETA 12s",
  );
  assert.match(resumed.format(60, {}, start + 10), / 0\.00 step\/s ETA \?$/);
});

Deno.test("a metric not measured yet (NaN) is left out of the progress line", () => {
  const bar = new Progress("dpo", 10, {
    unit: "step",
    since: { time: 0, done: 0 },
    write: () => {},
  });
  assert.equal(
    bar.format(2, { loss: NaN }, 1000),
    "dpo 2/10 (20%) 2.00 step/s ETA 4s",
  );
});
