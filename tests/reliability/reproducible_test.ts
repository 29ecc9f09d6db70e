/**
 * Results reproduce, and the Gemini row cannot cost a run (issue 14, items
 * 8 and 4).
 *
 * Two fresh processes run `train:haiku --fast` — SFT, four short GRPO
 * stages, a short DPO stage on its own preference set, the evaluation of
 * seven models and a Gemini row answered by a local fake server — into the
 * same folder one after the other, the second while another process keeps
 * a CPU busy. Every file they write must be equal byte for byte: adapters,
 * optimizer states, completions, preference sets, tables, charts, settings
 * (metrics.jsonl without its wall-clock timings).
 *
 * Then, on those trained stages, a Gemini row that fails (a bad key through
 * the task, HTTP 500s through the library) leaves the local results written
 * and complete, says why in summary.md and on the console, and the task
 * exits 0.
 *
 * @module
 */
import assert from "node:assert/strict";
import { initEngine } from "../../lib/engine/mod.ts";
import { haikuStudySettings } from "../../lib/experiments/haiku/settings.ts";
import { STAGES } from "../../lib/experiments/haiku/stages.ts";
import { runHaikuStudy } from "../../lib/experiments/haiku/study.ts";
import { FakeGemini } from "../gemini/fake_gemini.ts";
import { runScript, type ScriptRun } from "../helpers/run_script.ts";

const ROOT = await Deno.makeTempDir({ prefix: "reproducible-" });
/** Both runs write here (so the paths they record are equal too), then move aside. */
const OUT = `${ROOT}/run`;
const KEY = "test-key-not-real";

function trainHaiku(fake: FakeGemini, cache: string): Promise<ScriptRun> {
  return runScript("lib/cli/train_haiku.ts", ["--fast", "--out", OUT], {
    NO_COLOR: "1",
    GEMINI_API_KEY: KEY,
    GEMINI_BASE_URL: fake.url,
    GEMINI_CACHE_DIR: cache,
  });
}

/** Another process keeping a core busy until killed. */
function busyLoop(): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["eval", "for (;;) {}"],
    stdout: "null",
    stderr: "null",
  }).spawn();
}

/** Wall-clock fields of metrics.jsonl, the only thing allowed to differ. */
const TIMING = /^time\/|^step_time$|_per_s$/;

/** Every file under `dir` by relative path: its bytes, metrics without timings. */
async function snapshot(dir: string, at = ""): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for await (const entry of Deno.readDir(`${dir}/${at}`)) {
    const path = at ? `${at}/${entry.name}` : entry.name;
    if (entry.isDirectory) {
      for (const [p, c] of await snapshot(dir, path)) files.set(p, c);
      continue;
    }
    const bytes = await Deno.readFile(`${dir}/${path}`);
    if (!entry.name.endsWith("metrics.jsonl")) {
      files.set(path, Array.from(bytes, (b) => b.toString(16)).join(""));
      continue;
    }
    const lines = new TextDecoder().decode(bytes).trim().split("\n");
    files.set(
      path,
      lines.map((line) =>
        JSON.stringify(
          Object.fromEntries(
            Object.entries(JSON.parse(line)).filter(([k]) => !TIMING.test(k)),
          ),
        )
      ).join("\n"),
    );
  }
  return files;
}

Deno.test("train:haiku --fast twice in fresh processes, the second beside a busy CPU: every adapter, checkpoint and result file equal byte for byte", async () => {
  const fake = FakeGemini.start();
  try {
    const first = await trainHaiku(fake, `${ROOT}/cache-a`);
    assert.equal(first.code, 0, first.stderr);
    await Deno.rename(OUT, `${ROOT}/a`);
    const busy = busyLoop();
    let second: ScriptRun;
    try {
      second = await trainHaiku(fake, `${ROOT}/cache-b`);
    } finally {
      busy.kill();
      await busy.status;
    }
    assert.equal(second.code, 0, second.stderr);
    await Deno.rename(OUT, `${ROOT}/b`);
  } finally {
    await fake.close();
  }
  const a = await snapshot(`${ROOT}/a`);
  const b = await snapshot(`${ROOT}/b`);
  assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
  for (const { name: stage } of STAGES) {
    assert.ok(a.has(`checkpoints/${stage}/adapter_model.safetensors`), stage);
  }
  assert.ok(a.has("results/summary.md") && a.has("results/settings.json"));
  assert.ok(a.has("checkpoints/sft-dpo/preferences.jsonl"));
  const differ = [...a.keys()].filter((path) => a.get(path) !== b.get(path));
  assert.deepEqual(differ, [], "files that differ between the two runs");
  const summary = await Deno.readTextFile(`${ROOT}/b/results/summary.md`);
  assert.match(summary, /\| gemini-2\.5-flash \|/, "the Gemini row is there");
});

Deno.test("train:haiku with a bad Gemini key: local results written and complete, the row marked failed with its reason, exit 0", async () => {
  const fake = FakeGemini.start();
  const error = {
    kind: "error" as const,
    status: 400,
    statusName: "INVALID_ARGUMENT",
    message: "API key not valid. Please pass a valid API key.",
  };
  fake.enqueue(error, error, error, error);
  await Deno.rename(`${ROOT}/b`, OUT); // the trained stages: evaluation only
  let run: ScriptRun;
  try {
    run = await trainHaiku(fake, `${ROOT}/cache-bad-key`);
  } finally {
    await fake.close();
  }
  assert.equal(run.code, 0, run.stderr);
  assert.doesNotMatch(run.stderr, /Uncaught|^\s+at /m);
  assert.match(
    run.stderr,
    /^train:haiku: warning: the Gemini row \(gemini-2\.5-flash\) failed and is not in the results: .*API key not valid/m,
  );
  assert.match(run.stdout, /already trained, kept/);
  const summary = await Deno.readTextFile(`${OUT}/results/summary.md`);
  assert.match(
    summary,
    /\*\*Gemini row \(gemini-2\.5-flash\) failed\*\*, so it is not in the table: .*API key not valid/,
  );
  assert.doesNotMatch(summary, /\| gemini-2\.5-flash \|/);
  // The local rows (base and a pipeline per stage) are the ones the full
  // run wrote, unchanged.
  const reports = JSON.parse(
    await Deno.readTextFile(`${OUT}/results/reports.json`),
  );
  const full = JSON.parse(
    await Deno.readTextFile(`${ROOT}/a/results/reports.json`),
  );
  const local = STAGES.length + 1;
  assert.equal(reports.length, local);
  assert.deepEqual(reports, full.slice(0, local));
  assert.doesNotMatch(summary + run.stdout + run.stderr, new RegExp(KEY));
});

Deno.test("the study with a Gemini API answering 500: local results first, the row failed with its one-line reason, the study returns", async () => {
  await initEngine({ verbose: false });
  const settings = haikuStudySettings({ fast: true, run: "test" });
  settings.checkpointsDir = `${OUT}/checkpoints`;
  settings.resultsDir = `${ROOT}/gemini-500`;
  const fake = FakeGemini.start();
  const error = {
    kind: "error" as const,
    status: 500,
    statusName: "INTERNAL",
    message: "An internal error has occurred.",
  };
  for (let i = 0; i < 8; i++) fake.enqueue(error); // 4 prompts × 2 attempts
  const saved = ["GEMINI_API_KEY", "GEMINI_BASE_URL"].map((k) =>
    [k, Deno.env.get(k)] as const
  );
  Deno.env.set("GEMINI_API_KEY", KEY);
  Deno.env.set("GEMINI_BASE_URL", fake.url);
  const lines: string[] = [];
  try {
    const result = await runHaikuStudy(
      settings,
      { log: (l) => lines.push(l), progress: false },
      {
        gemini: {
          cache: false,
          log: null,
          retry: { maxAttempts: 2, initialDelayMs: 1, jitter: false },
        },
      },
    );
    assert.equal(result.gemini?.status, "failed");
    const reason = result.gemini?.status === "failed"
      ? result.gemini.reason
      : "";
    assert.match(reason, /500/);
    assert.ok(!reason.includes("\n"), "one line");
    assert.equal(result.reports.length, STAGES.length + 1);
    assert.ok(
      lines.some((l) =>
        l.includes("the Gemini row (gemini-2.5-flash) failed") &&
        l.includes(reason)
      ),
      lines.join("\n"),
    );
    const summary = await Deno.readTextFile(
      `${settings.resultsDir}/summary.md`,
    );
    assert.ok(summary.includes(reason), summary);
    for (const file of result.files) {
      assert.ok((await Deno.stat(file)).size > 0, file);
    }
  } finally {
    for (const [k, v] of saved) {
      v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
    }
    await fake.close();
  }
});

Deno.test({
  name: "cleanup",
  fn: () => Deno.remove(ROOT, { recursive: true }),
});
