import assert from "node:assert/strict";
import { rewardCurves, stageSteps } from "../../lib/eval/charts.ts";

Deno.test("reward curves lay training stages end to end", () => {
  const runs = [
    {
      name: "SFT → RL sparse",
      records: [1, 2, 3].map((step) => ({ step, reward: step / 10 })),
    },
    {
      name: "RL regular",
      records: [{ step: 1, reward: 0.5 }, { step: 2, reward: 0.7 }],
    },
  ];
  const { rows, boundaries } = stageSteps(runs);
  assert.deepEqual(rows.map((r) => r.step), [1, 2, 3, 4, 5]);
  assert.deepEqual(rows.map((r) => r.stage), [
    ...Array(3).fill("SFT → RL sparse"),
    ...Array(2).fill("RL regular"),
  ]);
  assert.deepEqual(boundaries, [3]);
  const svg = rewardCurves(runs, { smooth: 2 });
  assert.match(svg, /^<svg/);
  assert.match(svg, /RL regular/);
  assert.throws(
    () => stageSteps([runs[0], runs[0]]),
    /two runs are named "SFT → RL sparse"/,
  );
  assert.throws(
    () => stageSteps([{ name: "x", records: [{ step: 1, reward: NaN }] }]),
    /run "x" record 0 field "reward" is NaN/,
  );
});
