/**
 * `eval:haiku`'s Gemini row (gemma_haiku's `gemini_eval.py`): alone with
 * `--gemini-only` or `--stages gemini`, beside local rows with `--gemini`,
 * answered by the fake Gemini server on 127.0.0.1; cached answers are
 * reused; without a key it is one line saying GEMINI_API_KEY is needed,
 * exit 1; a failing row leaves the local rows written and exits 1.
 *
 * @module
 */
import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { FakeGemini } from "../gemini/fake_gemini.ts";
import { GEMINI_KEYS, runScriptWithout } from "../helpers/clean_env.ts";
import type { ScriptRun } from "../helpers/run_script.ts";

const ROOT = await Deno.makeTempDir({ prefix: "haiku-gemini-eval-" });
globalThis.addEventListener("unload", () => {
  Deno.removeSync(ROOT, { recursive: true });
});
const OUT = `${ROOT}/run`;
const HAIKU =
  "Snow on the tall pines\nand not one bird has sung yet\nthe sky turns pale gold";
/** Fast mode's evaluation: 4 prompts, 1 sample each. */
const ANSWERS = 4;

function evalHaiku(
  args: string[],
  env: Record<string, string> = {},
): Promise<ScriptRun> {
  return runScriptWithout(
    "lib/cli/eval_haiku.ts",
    ["--fast", "--out", OUT, "--gemini-model", "gemini-test", ...args],
    GEMINI_KEYS,
    { NO_COLOR: "1", ...env },
  );
}

function geminiEnv(fake: FakeGemini, cache: string): Record<string, string> {
  return {
    GEMINI_API_KEY: "test-key-not-real",
    GEMINI_BASE_URL: fake.url,
    GEMINI_CACHE_DIR: cache,
  };
}

function models(dir: string): string[] {
  const rows = parse(Deno.readTextFileSync(`${dir}/summary.csv`), {
    columns: true,
  }) as Record<string, string>[];
  return rows.map((r) => r.model_path);
}

Deno.test("eval:haiku --gemini-only without a key: one line saying GEMINI_API_KEY is needed, exit 1, nothing written", async () => {
  for (const args of [["--gemini-only"], ["--stages", "gemini"]]) {
    const run = await evalHaiku(args);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(
      run.stderr.trim(),
      "eval:haiku: GEMINI_API_KEY is needed for the Gemini row: set it in the environment or in the project's .env",
    );
  }
  await assert.rejects(Deno.stat(OUT), Deno.errors.NotFound);
});

Deno.test("eval:haiku --gemini-only: the Gemini row alone, scored like the local rows; a rerun and --gemini beside base reuse the cached answers", async () => {
  const fake = FakeGemini.start();
  const cache = `${ROOT}/cache`;
  for (let i = 0; i < ANSWERS; i++) {
    fake.enqueue({ kind: "text", text: `\n${HAIKU}\n` });
  }
  try {
    const only = await evalHaiku(["--gemini-only"], geminiEnv(fake, cache));
    assert.equal(only.code, 0, only.stderr);
    assert.equal(fake.requests.length, ANSWERS);
    // gemma_haiku sent Gemini the raw user text, without a chat template.
    assert.match(
      fake.requests[0].body.contents.at(-1).parts[0].text,
      /^Generate a haiku about the following topic: /,
    );
    const dir = `${OUT}/results/gemini`;
    assert.deepEqual(models(dir), ["gemini-test"]);
    const summary = Deno.readTextFileSync(`${dir}/summary.csv`);
    const row = parse(summary, { columns: true })[0] as Record<string, string>;
    assert.equal(Number(row.is_haiku_avg), 1);
    assert.equal(Number(row.total_samples), ANSWERS);

    const again = await evalHaiku(
      ["--stages", "gemini"],
      geminiEnv(fake, cache),
    );
    assert.equal(again.code, 0, again.stderr);
    assert.equal(fake.requests.length, ANSWERS, "answered from the cache");
    assert.equal(Deno.readTextFileSync(`${dir}/summary.csv`), summary);

    const beside = await evalHaiku(
      ["--stages", "base", "--gemini"],
      geminiEnv(fake, cache),
    );
    assert.equal(beside.code, 0, beside.stderr);
    assert.equal(fake.requests.length, ANSWERS, "answered from the cache");
    assert.deepEqual(models(`${OUT}/results/eval`), ["base", "gemini-test"]);
  } finally {
    await fake.close();
  }
});

Deno.test("eval:haiku --gemini with a failing row: the local rows are written, the reason is one line, exit 1", async () => {
  const fake = FakeGemini.start();
  const error = {
    kind: "error" as const,
    status: 400,
    statusName: "INVALID_ARGUMENT",
    message: "API key not valid. Please pass a valid API key.",
  };
  for (let i = 0; i < ANSWERS; i++) fake.enqueue(error);
  const results = `${ROOT}/failed`;
  let run: ScriptRun;
  try {
    run = await evalHaiku(
      ["--stages", "base", "--gemini", "--results", results],
      geminiEnv(fake, `${ROOT}/cache-failing`),
    );
  } finally {
    await fake.close();
  }
  assert.equal(run.code, 1, run.stderr);
  assert.doesNotMatch(run.stderr, /Uncaught|internal error|^\s+at /m);
  assert.match(
    run.stderr,
    /^eval:haiku: the Gemini row \(gemini-test\) failed; the other rows are written: .*API key not valid/m,
  );
  assert.deepEqual(models(results), ["base"]);
  assert.match(
    Deno.readTextFileSync(`${results}/summary.md`),
    /\*\*Gemini row \(gemini-test\) failed\*\*/,
  );
});
