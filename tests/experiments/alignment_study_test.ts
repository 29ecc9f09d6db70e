/**
 * `deno task train:alignment --fast`: the six paradigms' configs run with
 * --debug through the one pipeline, one table of the base model and every
 * final policy, paired comparisons against SFT, and the blinded manifest.
 */
import assert from "node:assert/strict";
import { PARADIGMS } from "../../lib/experiments/alignment/study.ts";
import { repoPath } from "../../lib/util/paths.ts";
import { runTask } from "../helpers/run_script.ts";

Deno.test("train:alignment --fast: six paradigms trained, evaluated together, paired against SFT, manifest blinded", async () => {
  // The fast run's own folders, from scratch; they are left for
  // notebooks/alignment_paradigms.ipynb's fast execution (tests/
  // notebooks_test.ts, later in the suite), which keeps finished stages.
  const run = "fast";
  const results = repoPath(`results/alignment/${run}`);
  const checkpoints = repoPath(`checkpoints/alignment/${run}`);
  for (const dir of [results, checkpoints]) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  {
    const out = await runTask("train:alignment", ["--fast", "--run", run]);
    assert.equal(out.code, 0, out.stderr.slice(-2000));
    const names = ["base", ...PARADIGMS.map((p) => p.name)];
    const summary = Deno.readTextFileSync(`${results}/summary.md`);
    for (const name of names) {
      assert.match(summary, new RegExp(`\\| ${name} \\|`), name);
    }
    assert.match(out.stdout, /\| sft→ppo \|/);
    const paired = Deno.readTextFileSync(`${results}/paired_vs_sft.md`);
    for (const name of names.filter((n) => n !== "sft")) {
      assert.match(paired, new RegExp(`^## ${name} − sft$`, "m"), name);
    }
    // What reproducing needs: each paradigm's file, its resolved copy, the
    // one reward model and the evaluation settings.
    const recorded = JSON.parse(
      Deno.readTextFileSync(`${results}/settings.json`),
    );
    assert.deepEqual(
      recorded.paradigms.map((p: { config: string }) => p.config),
      PARADIGMS.map((p) => `configs/${p.config}.yml`),
    );
    assert.ok(
      Deno.statSync(repoPath(recorded.paradigms[0].resolved)).isFile,
    );
    assert.equal(
      recorded.rewardModel,
      `checkpoints/alignment/${run}/ppo_rl_debug/reward`,
    );
    assert.equal(recorded.evaluation.k, 1);
    // One reward model scores every policy, so every pair compares.
    assert.match(paired, /\| Reward-model score \|/);
    const key = Deno.readTextFileSync(`${results}/human_eval/key.csv`);
    const manifest = Deno.readTextFileSync(
      `${results}/human_eval/manifest.csv`,
    );
    assert.equal(key.trim().split("\n").length, 1 + 4);
    for (const p of PARADIGMS) {
      assert.ok(key.includes(p.name), p.name);
      assert.ok(!manifest.includes(p.name), `${p.name} is not in the manifest`);
    }
  }
});
