import assert from "node:assert/strict";
import { initEngine } from "../../lib/engine/mod.ts";
import {
  tldrPrompt,
  tldrSettings,
  trainTldr,
} from "../../lib/experiments/tldr/study.ts";
import { evaluateTldr } from "../../lib/experiments/tldr/evaluate.ts";
import {
  tldrTable,
  writeTldrResults,
} from "../../lib/experiments/tldr/report.ts";

await initEngine({ verbose: false });

Deno.test("tldr prompt: the instruction comes after the passage (left truncation keeps it)", () => {
  const [m] = tldrPrompt("A long passage.");
  assert.equal(m.role, "user");
  assert.match(m.content, /^A long passage\.\n\nSummarize the passage above/);
});

Deno.test("tldr (fast): trains an adapter, scores base and trained on the same passages, writes a table", async () => {
  const root = await Deno.makeTempDir({ prefix: "tldr-" });
  const settings = tldrSettings({ fast: true });
  settings.checkpointsDir = `${root}/checkpoints`;
  settings.resultsDir = `${root}/results`;
  const adapters = await trainTldr(settings, () => {});
  const reports = await evaluateTldr(settings, adapters);
  assert.deepEqual(reports.map((r) => r.model), [
    "base",
    "SFT",
    "SFT → GRPO (length + similarity)",
  ]);
  for (const r of reports) {
    assert.equal(r.prompts.length, settings.evalPassages);
    r.prompts.forEach((p) => {
      p.samples.forEach(({ text, values }) => {
        assert.equal(values.chars, [...text].length);
        assert.equal(
          values.reward,
          -Math.abs(settings.target - values.chars!),
          "reward_len on the completion text",
        );
      });
    });
  }
  const table = tldrTable(reports, settings.target);
  assert.match(table, /Δ SFT → GRPO \(length \+ similarity\) − base \[/);
  assert.match(
    table,
    /\| Reward −\\\|50 − chars\\\| \| -?\d+\.\d \| -?\d+\.\d \| /,
  );
  const files = await writeTldrResults(settings, reports);
  for (const name of ["summary.md", "reports.json", "lengths.svg"]) {
    const path = files.find((f) => f.endsWith(`/${name}`))!;
    assert.ok((await Deno.stat(path)).size > 0, name);
  }
  // A second call reuses the trained adapters.
  assert.deepEqual(await trainTldr(settings), adapters);
  await Deno.remove(root, { recursive: true });
});
