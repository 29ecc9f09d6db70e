/**
 * `--model` on the experiment tasks (finetuned-llama's SmolLM-135M and
 * Llama 3.2 1B runs): a model folder other than the default model trains
 * and evaluates in fast mode (a tiny random Llama-family model with the
 * ChatML fixture tokenizer), the prompt windows shrink to a shorter
 * context, and a hub id that is not cached fails offline before anything
 * is written, with lib/hub's instructions.
 *
 * @module
 */
import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { initEngine } from "../../lib/engine/mod.ts";
import { mathSettings } from "../../lib/experiments/math/settings.ts";
import { resolveStudyModel } from "../../lib/experiments/study_model.ts";
import { promptWindow } from "../../lib/experiments/study_model.ts";
import { tldrSettings } from "../../lib/experiments/tldr/study.ts";
import { DEFAULT_MODEL_DIR } from "../../lib/model/default_model.ts";
import { InputError } from "../../lib/util/errors.ts";
import { writeTinyChatModel } from "../helpers/chat_model.ts";
import { runScript, type ScriptRun } from "../helpers/run_script.ts";

await initEngine({ verbose: false });

const ROOT = await Deno.makeTempDir({ prefix: "study-model-" });
const TINY = await writeTinyChatModel(`${ROOT}/tiny`);
globalThis.addEventListener("unload", () => {
  Deno.removeSync(ROOT, { recursive: true });
});

function summaryModels(dir: string): string[] {
  const rows = parse(Deno.readTextFileSync(`${dir}/summary.csv`), {
    columns: true,
  }) as Record<string, string>[];
  return rows.map((r) => r.model);
}

function recorded(dir: string): Record<string, unknown> {
  return JSON.parse(Deno.readTextFileSync(`${dir}/settings.json`));
}

function assertNoStack(run: ScriptRun) {
  assert.doesNotMatch(run.stderr, /Uncaught|internal error|^\s+at /m);
}

Deno.test("the prompt window: the study's, or what a shorter context holds beside the new tokens", () => {
  assert.equal(promptWindow(200, 48, 256), 200);
  assert.equal(promptWindow(200, 48, 2048), 200);
  assert.equal(promptWindow(200, 48, 160), 112);
  assert.throws(
    () => promptWindow(128, 128, 128),
    (e) =>
      e instanceof InputError &&
      /context of 128 tokens .* no room for a prompt beside 128 new tokens/
        .test(e.message),
  );
});

Deno.test("per-model settings: SFT at the model's context, GRPO's window fitted to it; the default model's are unchanged", async () => {
  const tldr = tldrSettings({ fast: true });
  assert.deepEqual([tldr.maxPromptLength, tldr.maxLength], [200, 256]);
  assert.equal(tldr.model, DEFAULT_MODEL_DIR);
  const short = tldrSettings({ model: TINY, context: 160 });
  assert.deepEqual([short.model, short.maxPromptLength, short.maxLength], [
    TINY,
    112,
    160,
  ]);
  const math = mathSettings();
  assert.deepEqual([math.maxPromptLength, math.maxLength], [128, 256]);
  const one = mathSettings({ level: "one-step", model: TINY, context: 100 });
  // One-step answers get 64 new tokens: 36 are left for the prompt.
  assert.deepEqual([one.maxPromptLength, one.maxLength], [36, 100]);
  assert.throws(() => mathSettings({ context: 128 }), InputError);

  const model = await resolveStudyModel(TINY);
  assert.deepEqual(
    [model.dir, model.context, model.family, model.embedded],
    [TINY, 2048, "llama", false],
  );
  assert.equal((await resolveStudyModel()).context, 256);
  assert.ok((await resolveStudyModel()).embedded);
});

Deno.test("train:tldr --model: a tiny model folder trains and evaluates in fast mode; settings.json records it", async () => {
  const out = `${ROOT}/tldr`;
  const run = await runScript("lib/cli/train_tldr.ts", [
    "--fast",
    "--model",
    TINY,
    "--out",
    out,
  ], { NO_COLOR: "1" });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /model .*tiny: llama, context 2048 tokens/);
  assert.deepEqual(summaryModels(`${out}/results`), [
    "base",
    "SFT",
    "SFT → GRPO (length + similarity)",
  ]);
  const settings = recorded(`${out}/results`);
  assert.equal(settings.model, TINY);
  assert.equal(settings.maxLength, 2048);
  assert.equal(settings.maxPromptLength, 200);
  for (const stage of ["sft", "grpo"]) {
    const config = JSON.parse(
      Deno.readTextFileSync(`${out}/checkpoints/${stage}/adapter_config.json`),
    );
    assert.equal(config.base_model_name_or_path, TINY, stage);
  }
});

Deno.test("train:math --model: a tiny model folder trains and evaluates in fast mode", async () => {
  const out = `${ROOT}/math`;
  const run = await runScript("lib/cli/train_math.ts", [
    "--fast",
    "--model",
    TINY,
    "--out",
    out,
  ], { NO_COLOR: "1" });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(
    [...new Set(summaryModels(`${out}/results`))],
    ["base", "SFT", "SFT → GRPO"],
  );
  assert.equal(recorded(`${out}/results`).model, TINY);
  assert.equal(recorded(`${out}/results`).maxLength, 2048);
});

Deno.test("train:reasoning --model with a hub id not in the cache, offline: exit 1 before anything is written, saying how to provide the files", async () => {
  const cache = await Deno.makeTempDir({ dir: ROOT });
  const out = `${ROOT}/reasoning`;
  const run = await runScript("lib/cli/train_reasoning.ts", [
    "--model",
    "HuggingFaceTB/SmolLM-135M-Instruct",
    "--out",
    out,
  ], { NO_COLOR: "1", HF_HUB_OFFLINE: "1", HF_HUB_CACHE: cache });
  assert.equal(run.code, 1, run.stderr);
  assertNoStack(run);
  assert.match(
    run.stderr,
    /^train:reasoning: cannot load HuggingFaceTB\/SmolLM-135M-Instruct \(revision "main"\): HF_HUB_OFFLINE is set/,
  );
  assert.match(
    run.stderr,
    /huggingface-cli download HuggingFaceTB\/SmolLM-135M-Instruct/,
  );
  await assert.rejects(Deno.stat(out), Deno.errors.NotFound);
});

Deno.test("train:safety --model with a folder that does not exist: one line naming it, exit 1", async () => {
  const missing = `${ROOT}/no-such-model/`;
  const run = await runScript("lib/cli/train_safety.ts", [
    "--model",
    missing,
    "--out",
    `${ROOT}/safety`,
  ], { NO_COLOR: "1" });
  assert.equal(run.code, 1, run.stderr);
  assertNoStack(run);
  assert.equal(
    run.stderr.trim(),
    `train:safety: model folder not found: ${missing}`,
  );
});
