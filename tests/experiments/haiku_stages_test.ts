/**
 * The haiku study by parts (gemma_haiku's `train_models.py` flags and
 * `full_eval.py MODEL …`): `train:haiku --stages` trains a subset in
 * dependency order, refuses a stage whose input is missing in one line,
 * reuses what is trained and evaluates what exists; `eval:haiku`
 * evaluates stages and adapter folders without training, with the same
 * numbers as the study's evaluation.
 *
 * @module
 */
import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { haikuStudySettings } from "../../lib/experiments/haiku/settings.ts";
import {
  parseStageNames,
  planStages,
} from "../../lib/experiments/haiku/selection.ts";
import { STAGES } from "../../lib/experiments/haiku/stages.ts";
import { InputError } from "../../lib/util/errors.ts";
import { GEMINI_KEYS, runScriptWithout } from "../helpers/clean_env.ts";
import type { ScriptRun } from "../helpers/run_script.ts";
import { GEMMA_HAIKU_COLUMNS } from "../../lib/experiments/haiku/report.ts";

const ROOT = await Deno.makeTempDir({ prefix: "haiku-stages-" });
globalThis.addEventListener("unload", () => {
  Deno.removeSync(ROOT, { recursive: true });
});
/** The run's folder (train:haiku --out). */
const OUT = `${ROOT}/run`;

// Without a Gemini key, so a developer's key never reaches the API here
// (the Gemini row has its own tests against a fake server).
function trainHaiku(args: string[]): Promise<ScriptRun> {
  return runScriptWithout(
    "lib/cli/train_haiku.ts",
    ["--fast", "--out", OUT, ...args],
    GEMINI_KEYS,
    { NO_COLOR: "1" },
  );
}

function evalHaiku(args: string[]): Promise<ScriptRun> {
  return runScriptWithout(
    "lib/cli/eval_haiku.ts",
    ["--fast", "--out", OUT, ...args],
    GEMINI_KEYS,
    { NO_COLOR: "1" },
  );
}

type Row = Record<string, string>;
function csv(path: string): Row[] {
  return parse(Deno.readTextFileSync(path), { columns: true }) as Row[];
}

/** Each model's completions in samples.csv, in file order. */
function samplesOf(dir: string): Map<string, string[]> {
  const byModel = new Map<string, string[]>();
  for (const row of csv(`${dir}/samples.csv`)) {
    byModel.set(row.model_path, [
      ...byModel.get(row.model_path) ?? [],
      row.completion,
    ]);
  }
  return byModel;
}

/** Exit 1, one stderr line starting with `task: ` and matching `pattern`, no stack. */
function assertOneLine(run: ScriptRun, task: string, pattern: RegExp) {
  assert.equal(run.code, 1, run.stderr);
  const lines = run.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, run.stderr);
  assert.ok(lines[0].startsWith(`${task}: `), lines[0]);
  assert.match(lines[0], pattern);
}

function settings() {
  const s = haikuStudySettings({ fast: true });
  s.checkpointsDir = `${OUT}/checkpoints`;
  s.resultsDir = `${OUT}/results`;
  return s;
}

Deno.test("--stages names: the study's, comma-separated; anything else is refused by name", () => {
  assert.deepEqual(parseStageNames("sft, fullrun,sft"), ["sft", "fullrun"]);
  assert.throws(
    () => parseStageNames("sft,base"),
    /unknown stage "base"; expected .* of sft, rl-sparse, sft-rl, sft-rl-sparse, fullrun, sft-dpo/,
  );
});

Deno.test("train:haiku --stages: a subset trains in order, a missing input is one line, trained stages are reused and everything trained is evaluated", async () => {
  // Nothing trained: fullrun needs sft-rl-sparse, which needs sft.
  const refused = await trainHaiku(["--stages", "fullrun"]);
  assertOneLine(
    refused,
    "train:haiku",
    /stage fullrun starts from sft-rl-sparse, which is neither in --stages nor trained .*; use --stages sft,sft-rl-sparse,fullrun$/,
  );
  assert.doesNotMatch(refused.stdout, /haiku study/, "refused before it ran");
  await assert.rejects(Deno.stat(`${OUT}/checkpoints`), Deno.errors.NotFound);
  // A bad RL override is one line naming the file and field, before anything trains.
  const badFile = `${ROOT}/bad-rl.json`;
  Deno.writeTextFileSync(badFile, JSON.stringify({ los_type: "grpo" }));
  assertOneLine(
    await trainHaiku(["--rl-config", badFile]),
    "train:haiku",
    /bad-rl\.json: field "los_type" is not a known setting here.*did you mean "loss_type"\?$/,
  );
  await assert.rejects(Deno.stat(`${OUT}/checkpoints`), Deno.errors.NotFound);
  const selectedTwo = planStages(settings(), ["sft", "fullrun"]);
  await assert.rejects(
    selectedTwo,
    (e) =>
      e instanceof InputError &&
      /starts from sft-rl-sparse.*use --stages sft,sft-rl-sparse,fullrun$/
        .test(e.message),
  );
  assert.deepEqual(
    (await planStages(settings())).map((s) => s.name),
    STAGES.map((s) => s.name),
  );

  const first = await trainHaiku(["--stages", "sft"]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /stage fullrun: not in --stages, not trained/);
  assert.match(first.stdout, /not compared: fullrun was not trained/);
  assert.deepEqual(
    csv(`${OUT}/results/summary.csv`).map((r) => r.model_path),
    ["base", "SFT"],
  );
  assert.deepEqual(
    [...Deno.readDirSync(`${OUT}/checkpoints`)].filter((e) => e.isDirectory)
      .map((e) => e.name),
    ["sft"],
  );
  const sftWeights = Deno.readFileSync(
    `${OUT}/checkpoints/sft/adapter_model.safetensors`,
  );

  // sft is trained now, so only sft-rl-sparse is missing for fullrun.
  await assert.rejects(
    planStages(settings(), ["fullrun"]),
    /starts from sft-rl-sparse.*use --stages sft-rl-sparse,fullrun$/,
  );
  // --rl-config: GRPO fields under TRL's names replace the study's values.
  const overrides = `${ROOT}/rl.json`;
  Deno.writeTextFileSync(
    overrides,
    JSON.stringify({ learning_rate: 7e-4, loss_type: "grpo" }),
  );
  const second = await trainHaiku([
    "--stages",
    "sft-rl",
    "--rl-config",
    overrides,
  ]);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /stage sft-rl: grpo \(haiku_regular\), from sft/);
  assert.match(
    second.stdout,
    /stage sft: not in --stages, trained earlier: evaluated/,
  );
  assert.deepEqual(
    Deno.readFileSync(`${OUT}/checkpoints/sft/adapter_model.safetensors`),
    sftWeights,
    "the SFT adapter was reused, not trained again",
  );
  const rows = csv(`${OUT}/results/summary.csv`);
  assert.deepEqual(rows.map((r) => r.model_path), [
    "base",
    "SFT",
    "SFT → RL regular",
  ]);
  const state = JSON.parse(
    Deno.readTextFileSync(
      `${OUT}/checkpoints/sft-rl/checkpoint-2/trainer_state.json`,
    ),
  );
  assert.equal(state.config.init_adapter, `${OUT}/checkpoints/sft`);
  assert.equal(state.config.learning_rate, 7e-4);
  assert.equal(state.config.loss_type, "grpo");
});

Deno.test("eval:haiku: stages and adapter folders without training, the study's numbers, the study's report files", async () => {
  const all = await evalHaiku([]);
  assert.equal(all.code, 0, all.stderr);
  const evalDir = `${OUT}/results/eval`;
  const study = csv(`${OUT}/results/summary.csv`);
  const evaluated = csv(`${evalDir}/summary.csv`);
  // gemma_haiku's columns first, as the study writes them.
  assert.deepEqual(
    Object.keys(evaluated[0]).slice(0, 8),
    [...GEMMA_HAIKU_COLUMNS],
  );
  // The same seeds and prompts as the study's evaluation: the same numbers.
  const lead = (r: Row) =>
    ["model_path", "is_haiku_avg", "similarity_avg", "total_avg"].map((k) =>
      r[k]
    );
  assert.deepEqual(evaluated.map(lead), study.map(lead));
  for (
    const file of ["summary.md", "per_prompt.csv", "reports.json", "scores.svg"]
  ) {
    assert.ok(Deno.statSync(`${evalDir}/${file}`).size > 0, file);
  }

  // Adapter folders by name (or by path), beside a stage, into --results.
  const to = `${ROOT}/by-name`;
  const named = await evalHaiku([
    "--stages",
    "sft",
    "--adapter",
    `mine=${OUT}/checkpoints/sft-rl`,
    "--adapter",
    `${OUT}/checkpoints/sft`,
    "--results",
    to,
  ]);
  assert.equal(named.code, 0, named.stderr);
  const before = samplesOf(evalDir), after = samplesOf(to);
  assert.deepEqual([...after.keys()], [
    "SFT",
    "mine",
    `${OUT}/checkpoints/sft`,
  ]);
  assert.deepEqual(after.get("mine"), before.get("SFT → RL regular"));
  assert.deepEqual(after.get(`${OUT}/checkpoints/sft`), before.get("SFT"));
});

Deno.test("eval:haiku: a missing folder or untrained stage is one line naming it, exit 1, nothing written; bad flags exit 2", async () => {
  const results = `${ROOT}/not-written`;
  const missing = `${ROOT}/no-such-adapter`;
  assertOneLine(
    await evalHaiku(["--adapter", `x=${missing}`, "--results", results]),
    "eval:haiku",
    new RegExp(`adapter folder not found: ${missing}$`),
  );
  assertOneLine(
    await evalHaiku(["--adapter", `${OUT}/results`, "--results", results]),
    "eval:haiku",
    /results is not a PEFT adapter folder: no adapter_config\.json/,
  );
  assertOneLine(
    await evalHaiku(["--stages", "base,fullrun", "--results", results]),
    "eval:haiku",
    new RegExp(
      `stage fullrun is not trained: .* in ${OUT}/checkpoints/fullrun`,
    ),
  );
  await assert.rejects(Deno.stat(results), Deno.errors.NotFound);
  for (
    const [args, mention] of [
      [["--gemini-only", "--stages", "sft"], "--gemini-only"],
      [["--adapter", "=dir"], "--adapter"],
      [["--stages", "sft,gpt"], "--stages"],
    ] as const
  ) {
    const run = await evalHaiku([...args]);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr.trimEnd().split("\n").length, 1, run.stderr);
    assert.ok(run.stderr.includes(mention), run.stderr);
  }
});
