import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { initEngine } from "../../lib/engine/mod.ts";
import { evaluateGemini } from "../../lib/experiments/haiku/evaluate.ts";
import { haikuStudySettings } from "../../lib/experiments/haiku/settings.ts";
import { runHaikuStudy } from "../../lib/experiments/haiku/study.ts";
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

Deno.test("haiku study (fast): five stages, six evaluated models, seed columns, reruns keep finished stages", async () => {
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
  const again: string[] = [];
  await runHaikuStudy(settings, { log: (l) => again.push(l), progress: false });
  assert.equal(again.filter((l) => l.includes("already trained")).length, 5);
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
