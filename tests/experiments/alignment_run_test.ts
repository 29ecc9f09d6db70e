/**
 * Every experiment in configs/ runs end to end with `--debug` (8 rows, two
 * steps a stage) through `deno task run`, writes its resolved config, its
 * results and the evaluation report of the base model and its final policy,
 * and continues rather than retrains when run again. The Gemma
 * configs run on the embedded default model here (`--base-checkpoint`: no
 * download), which still takes their PEFT path (QLoRA for qlora_1b).
 */
import assert from "node:assert/strict";
import { parseExperimentText } from "../../lib/experiments/alignment/load.ts";
import type { ExperimentResult } from "../../lib/experiments/alignment/results.ts";
import { pool, REPO_ROOT, runTask } from "../helpers/run_script.ts";
import { PARADIGMS } from "../../lib/experiments/alignment/study.ts";
import { experimentFiles } from "./alignment_files.ts";

/** Configs whose base model needs a download. */
const NEEDS_DOWNLOAD = new Set(["qlora_1b.yml", "sft_lora_gemma270m.yml"]);

/**
 * What each config's debug run must train, in order: the configs the study
 * does not run (alignment_study_test.ts runs the six paradigms' with
 * --debug through the same pipeline), and one of the study's, to check a
 * rerun continues.
 */
const EXPECTED_STAGES: Record<string, string[]> = {
  "ppo_rl_conala.yml": ["ppo"],
  "qlora_1b.yml": ["sft"],
  "sft_lora_clinical.yml": ["sft"],
  "sft_lora_gemma270m.yml": ["sft"],
  "staged_sft_then_dpo.yml": ["sft", "dpo"],
};

/** The six paradigms' configs, run by the study test. */
const STUDY_CONFIGS = PARADIGMS.map((p) => `${p.config}.yml`);

Deno.test("every config in configs/ runs with --debug (here or in the study test): resolved config, results, evaluation, one weights folder per stage", async () => {
  const all = experimentFiles();
  assert.deepEqual(
    [...new Set([...Object.keys(EXPECTED_STAGES), ...STUDY_CONFIGS])].sort(),
    all,
    "every config is run by one of the two tests",
  );
  const names = Object.keys(EXPECTED_STAGES).sort();
  const out = Deno.makeTempDirSync({ prefix: "alignment-run-" });
  const runs = await pool(names, (name) =>
    runTask("run", [
      "--config",
      `configs/${name}`,
      "--debug",
      "--output-dir",
      `${out}/${name}`,
      ...(NEEDS_DOWNLOAD.has(name)
        ? ["--base-checkpoint", `${REPO_ROOT}checkpoints/tiny-base`]
        : []),
    ]), 2);
  for (const [i, name] of names.entries()) {
    const run = runs[i];
    assert.equal(run.code, 0, `${name}: ${run.stderr.slice(-2000)}`);
    const experiment = name.replace(/\.yml$/, "");
    const results = `${out}/${name}/results/${experiment}_debug`;
    const result = JSON.parse(
      Deno.readTextFileSync(`${results}/results.json`),
    ) as ExperimentResult;
    assert.deepEqual(
      result.stages.map((s) => s.kind),
      EXPECTED_STAGES[name],
      name,
    );
    assert.ok(result.stages.every((s) => s.status === "trained"), name);
    assert.equal(result.debug, true);
    // The base model and the final policy, evaluated on the held-out prompts.
    assert.equal(result.eval?.models[0], "base", name);
    assert.equal(result.eval?.models.length, 2, name);
    assert.equal(result.eval?.prompts, 4, name);
    const summary = Deno.readTextFileSync(`${result.eval!.dir}/summary.md`);
    assert.match(summary, /\| base \|/, name);
    for (const stage of result.stages) {
      const files = [...Deno.readDirSync(stage.output_dir)].map((e) => e.name);
      assert.ok(
        files.includes("adapter_model.safetensors") ||
          files.includes("model.safetensors"),
        `${name} ${stage.kind}: ${files}`,
      );
      assert.ok(stage.last_train, `${name} ${stage.kind}: no metrics`);
    }
    const resolved = parseExperimentText(
      Deno.readTextFileSync(`${results}/config.yml`),
      "config.yml",
    );
    assert.equal(resolved.debug, true);
    assert.match(run.stdout, /wrote .*config\.yml and results\.json/);
  }
  // The same command again keeps every finished stage.
  const again = await runTask("run", [
    "--config",
    "configs/staged_sft_then_dpo.yml",
    "--debug",
    "--output-dir",
    `${out}/staged_sft_then_dpo.yml`,
  ]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^sft: skipped/m);
  assert.match(again.stdout, /^dpo: skipped/m);
});

Deno.test("deno task run: a bad experiment file is one line and exit 1; --help lists the fields", async () => {
  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(`${dir}/x.yml`, "training:\n  mode: online\n");
  const bad = await runTask("run", ["--config", `${dir}/x.yml`]);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr.trim().split("\n").length, 1, bad.stderr);
  assert.match(
    bad.stderr,
    /x\.yml:2: field "training\.mode" must be one of "sft", "rl", "staged"/,
  );
  const missing = await runTask("run", []);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--config is required/);
  const help = await runTask("run", ["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /rl\.algorithm/);
});
