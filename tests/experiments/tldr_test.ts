import assert from "node:assert/strict";
import { initEngine } from "../../lib/engine/mod.ts";
import {
  evaluateTldr,
  tldrPrompt,
  tldrSettings,
  tldrTable,
  trainTldr,
} from "../../lib/experiments/tldr/study.ts";

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
    assert.equal(r.perPassage.length, settings.evalPassages);
    r.perPassage.forEach((p, i) => {
      p.chars.forEach((c, j) => {
        assert.equal(c, [...r.samples[i][j]].length);
        assert.equal(
          p.reward[j],
          -Math.abs(settings.target - c),
          "reward_len on the completion text",
        );
      });
    });
  }
  assert.match(tldrTable(reports, settings.target), /Paired reward difference/);
  // A second call reuses the trained adapters.
  assert.deepEqual(await trainTldr(settings), adapters);
  await Deno.remove(root, { recursive: true });
});
