import assert from "node:assert/strict";
import {
  diagnoseRlRecords,
  rlDiagnosticsTable,
} from "../../lib/experiments/haiku/rl_diagnostics.ts";

Deno.test("RL diagnostics: first and last fifth of the logged GRPO steps, and the schedule's peak", () => {
  // Ten steps: the reward climbs 0.0 … 0.9, the rate peaks at step 3.
  const records = Array.from({ length: 10 }, (_, i) => ({
    step: i + 1,
    reward: i / 10,
    frac_reward_zero_std: i < 5 ? 0.5 : 0,
    entropy: 5,
    "completions/mean_length": 20 + i,
    "completions/clipped_ratio": 0,
    grad_norm: 1,
    learning_rate: i === 2 ? 1e-4 : 5e-5,
  }));
  // An evaluation record without a reward is not a GRPO step.
  const row = diagnoseRlRecords("fullrun", [...records, {
    step: 10,
    eval_loss: 1,
  }])!;
  assert.equal(row.steps, 10);
  assert.equal(row.peakLearningRate, 1e-4);
  assert.ok(Math.abs(row.first.reward - 0.05) < 1e-12, "steps 1–2");
  assert.ok(Math.abs(row.last.reward - 0.85) < 1e-12, "steps 9–10");
  assert.equal(row.first.frac_reward_zero_std, 0.5);
  assert.equal(row.last["completions/mean_length"], 28.5);
  assert.equal(diagnoseRlRecords("none", records.slice(0, 1)), null);
  const table = rlDiagnosticsTable([row]);
  assert.match(table, /^\| stage \| steps \| peak lr \| reward \|/);
  assert.match(table, /\| fullrun \| 10 \| 1\.0e-4 \| 0\.050 → 0\.850 \|/);
});
