import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { initEngine } from "../../lib/engine/mod.ts";
import { evaluateGemini } from "../../lib/experiments/haiku/evaluate.ts";
import { haikuStudySettings } from "../../lib/experiments/haiku/settings.ts";
import {
  PREFERENCE_FILE,
  runStage,
  stageDir,
  STAGES,
} from "../../lib/experiments/haiku/stages.ts";
import { runHaikuStudy } from "../../lib/experiments/haiku/study.ts";
import {
  latestCheckpoint,
  readTrainerState,
} from "../../lib/train/checkpoints.ts";
import { MetricsLog } from "../../lib/train/metrics_log.ts";
import { FakeGemini } from "../gemini/fake_gemini.ts";

await initEngine({ verbose: false });

async function tempSettings() {
  const root = await Deno.makeTempDir({ prefix: "haiku-study-" });
  const settings = haikuStudySettings({ fast: true, run: "test" });
  settings.checkpointsDir = `${root}/checkpoints`;
  settings.resultsDir = `${root}/results`;
  settings.geminiModel = null;
  return { root, settings };
}

Deno.test("haiku study (fast): six stages, seven evaluated models, seed columns, reruns keep finished stages", async () => {
  const { root, settings } = await tempSettings();
  const lines: string[] = [];
  const result = await runHaikuStudy(settings, {
    log: (l) => lines.push(l),
    progress: false,
  });
  assert.deepEqual(result.reports.map((r) => r.model), [
    "base",
    "SFT",
    "RL sparse",
    "SFT → RL regular",
    "SFT → RL sparse",
    "fullrun (SFT → RL sparse → RL regular)",
    "SFT → DPO",
  ]);
  const csv = parse(
    await Deno.readTextFile(`${settings.resultsDir}/summary.csv`),
    { columns: true },
  ) as Record<string, string>[];
  assert.deepEqual(Object.keys(csv[0]).slice(0, 8), [
    "model_path",
    "is_haiku_avg",
    "similarity_avg",
    "total_avg",
    "duplicates",
    "duplicate_percentage",
    "total_samples",
    "error",
  ]);
  assert.equal(csv.length, 7);
  for (const row of csv) {
    assert.equal(
      Number(row.total_samples),
      settings.eval.prompts * settings.eval.k,
    );
  }
  for (const file of result.files) {
    assert.ok((await Deno.stat(file)).size > 0, file);
  }
  assert.match(result.paired, /Haiku Score/);
  assert.match(result.pairedDpo, /Haiku Score/);
  assert.match(result.pairedSft, /Haiku Score/);
  // Recorded paths are relative to the repository, the same on any machine.
  const recordedPaths = JSON.parse(
    await Deno.readTextFile(`${settings.resultsDir}/settings.json`),
  );
  assert.equal(recordedPaths.model, "checkpoints/tiny-base");
  assert.equal(
    recordedPaths.checkpointsDir,
    settings.checkpointsDir,
    "a folder outside the repository stays as given",
  );
  assert.equal(recordedPaths.trainData, "data/haiku/train.json");
  assert.equal(typeof result.fullrunBeatsSft, "boolean");
  const summary = await Deno.readTextFile(`${settings.resultsDir}/summary.md`);
  assert.match(summary, /### SFT → DPO against SFT, paired by prompt/);
  assert.match(
    summary,
    /### fullrun \(SFT → RL sparse → RL regular\) against SFT, paired by prompt/,
  );
  assert.ok(
    (await Deno.readTextFile(`${settings.resultsDir}/paired_fullrun_vs_sft.md`))
      .includes("Haiku Score"),
  );

  // The preference set lives in the stage's folder, and its counts reach
  // the results: every sampled training topic gave a pair, a tie or two
  // equal texts.
  const dpoDir = stageDir(settings, "sft-dpo");
  const prefs = result.preferences!;
  assert.equal(prefs.prompts, settings.dpo.prompts);
  assert.equal(prefs.k, settings.dpo.k);
  assert.equal(prefs.pairs + prefs.ties + prefs.sameText, prefs.prompts);
  assert.ok(prefs.pairs > 0);
  const pairsFile = `${dpoDir}/${PREFERENCE_FILE}`;
  const rows = (await Deno.readTextFile(pairsFile)).trim().split("\n");
  assert.equal(rows.length, prefs.pairs);
  assert.deepEqual(
    JSON.parse(
      await Deno.readTextFile(
        `${settings.resultsDir}/preferences_sft-dpo.json`,
      ),
    ),
    prefs,
  );
  assert.match(
    summary,
    new RegExp(`SFT → DPO\\*\\* trained on .*: ${prefs.pairs} pairs from`),
  );

  // DPO continued the SFT adapter against itself as the reference: before
  // the first update policy and reference agree, so the sigmoid loss is
  // ln 2 and both implicit rewards 0 (with the base model as reference they
  // would be β × the log-ratio SFT moved, and the loss would not be ln 2).
  const first = (await MetricsLog.read(`${dpoDir}/metrics.jsonl`))[0];
  assert.ok(
    Math.abs((first.loss as number) - Math.LN2) < 1e-5,
    `${first.loss}`,
  );
  for (const side of ["chosen", "rejected"]) {
    const reward = first[`rewards/${side}`] as number;
    assert.ok(Math.abs(reward) < 1e-5, `rewards/${side} ${reward}`);
  }
  const checkpoint = (await latestCheckpoint(dpoDir))!;
  const recorded = (await readTrainerState(checkpoint.dir)).config!;
  assert.equal(recorded.init_adapter, stageDir(settings, "sft"));
  assert.equal(recorded.beta, 0.1);
  assert.deepEqual(recorded.loss_type, ["sigmoid"]);
  assert.equal(recorded.max_steps, settings.dpo.steps);

  // A rerun after the five older stages finished trains only SFT → DPO,
  // from the same (seeded) preference set.
  const pairs = await Deno.readTextFile(pairsFile);
  await Deno.remove(dpoDir, { recursive: true });
  const again: string[] = [];
  await runHaikuStudy(settings, { log: (l) => again.push(l), progress: false });
  assert.equal(again.filter((l) => l.includes("already trained")).length, 5);
  assert.ok(again.includes("stage sft-dpo: dpo, from sft"));
  assert.equal(await Deno.readTextFile(pairsFile), pairs);

  // Interrupted after its last checkpoint: the stage resumes with the
  // complete preference set kept, then counts as trained.
  await Deno.remove(`${dpoDir}/adapter_model.safetensors`);
  const resumed: string[] = [];
  const dpo = STAGES.find((s) => s.name === "sft-dpo")!;
  const hooks = { log: (l: string) => resumed.push(l), progress: false };
  assert.equal(await runStage(settings, dpo, hooks), "trained");
  assert.match(resumed.join("\n"), /preference set kept: \d+ pairs/);
  assert.equal(await runStage(settings, dpo, hooks), "skipped");
  await Deno.remove(root, { recursive: true });
});

Deno.test("haiku study: the Gemini row answers the same prompts through the API (fake server) and is scored alike", async () => {
  const { root, settings } = await tempSettings();
  settings.geminiModel = "gemini-test";
  settings.eval.prompts = 2;
  settings.eval.k = 2;
  const fake = FakeGemini.start();
  const haiku =
    "Snow on the tall pines\nand not one bird has sung yet\nthe sky turns pale gold";
  for (let i = 0; i < 4; i++) {
    fake.enqueue({ kind: "text", text: `\n${haiku}\n` });
  }
  const saved = ["GEMINI_API_KEY", "GEMINI_BASE_URL", "GEMINI_CACHE_DIR"].map((
    k,
  ) => [k, Deno.env.get(k)] as const);
  Deno.env.set("GEMINI_API_KEY", "test-key-not-real");
  Deno.env.set("GEMINI_BASE_URL", fake.url);
  Deno.env.set("GEMINI_CACHE_DIR", `${root}/gemini-cache`);
  try {
    const report = (await evaluateGemini(settings))!;
    assert.equal(report.model, "gemini-test");
    assert.equal(report.aggregate.haiku!.mean, 1);
    assert.equal(report.settings.k, 2);
    assert.equal(fake.requests.length, 4);
    // A rerun is answered from the disk cache.
    await evaluateGemini(settings);
    assert.equal(fake.requests.length, 4);
  } finally {
    for (const [k, v] of saved) {
      v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
    }
    await fake.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("haiku study: without a key the Gemini row is skipped with a message", async () => {
  const { root, settings } = await tempSettings();
  settings.geminiModel = "gemini-test";
  const saved = ["GEMINI_API_KEY", "GOOGLE_API_KEY"].map((k) =>
    [k, Deno.env.get(k)] as const
  );
  for (const [k] of saved) Deno.env.delete(k);
  const lines: string[] = [];
  try {
    const report = await evaluateGemini(settings, {
      log: (l) => lines.push(l),
    });
    assert.equal(report, null);
    assert.match(
      lines.join("\n"),
      /GEMINI_API_KEY not set .*skipping the Gemini row/,
    );
  } finally {
    for (const [k, v] of saved) if (v !== undefined) Deno.env.set(k, v);
    await Deno.remove(root, { recursive: true });
  }
});
