/**
 * The alignment experiment files: every config in configs/ resolves and
 * round-trips through its written config.yml, and every validation error is
 * one line naming the file, the line and the field.
 */
import assert from "node:assert/strict";
import {
  experimentYaml,
  parseExperimentText,
  readExperiment,
} from "../../lib/experiments/alignment/load.ts";
import { EXPERIMENT_CONFIG } from "../../lib/experiments/alignment/config.ts";
import { fieldsMarkdown } from "../../lib/util/config_docs.ts";
import { ConfigError } from "../../lib/util/fields.ts";
import { replaceMarkedSections } from "../../lib/util/marked_sections.ts";
import { InputError } from "../../lib/util/errors.ts";
import { repoPath } from "../../lib/util/paths.ts";
import { CONFIGS, experimentFiles } from "./alignment_files.ts";

Deno.test("every experiment in configs/ resolves over defaults.yml, and its written config.yml reads back the same", async () => {
  const names = experimentFiles();
  assert.ok(names.length >= 8, names.join());
  for (const name of names) {
    const { config, defaultsPath } = await readExperiment(
      `${CONFIGS}/${name}`,
    );
    assert.equal(defaultsPath, `${CONFIGS}/defaults.yml`);
    assert.equal(typeof config.training.learningRate, "number", name);
    const text = experimentYaml(config);
    assert.deepEqual(parseExperimentText(text, "config.yml"), config, name);
  }
  const staged = await readExperiment(`${CONFIGS}/staged_sft_then_ppo.yml`);
  assert.equal(staged.config.training.mode, "staged");
  assert.equal(staged.config.rl.numPpoEpochs, 2, "the experiment wins");
  assert.equal(staged.config.training.epochs, 3, "the defaults fill in");
  const qlora = await readExperiment(`${CONFIGS}/qlora_1b.yml`, {
    debug: true,
    baseCheckpoint: "/models/gemma-3-1b-it",
    seed: 7,
  });
  assert.equal(qlora.config.model.baseCheckpoint, "/models/gemma-3-1b-it");
  assert.equal(qlora.config.debug, true);
  assert.equal(qlora.config.seed, 7);
  assert.equal(qlora.config.training.learningRate, 2e-4);
});

/** Writes `files` into a fresh folder and returns it. */
function folderWith(files: Record<string, string>): string {
  const dir = Deno.makeTempDirSync({ prefix: "alignment-config-" });
  for (const [name, text] of Object.entries(files)) {
    Deno.writeTextFileSync(`${dir}/${name}`, text);
  }
  return dir;
}

Deno.test("validation errors name the file, the line and the field, in one line", async () => {
  const cases: [string, string, RegExp][] = [
    [
      "training:\n  mode: sft\n  epoch: 2\n",
      "x.yml",
      /x\.yml:3: field "training\.epoch" is not a known setting here; .*did you mean "training\.epochs"\?$/,
    ],
    [
      "training:\n  learning_rate: fast\n",
      "x.yml",
      /x\.yml:2: field "training\.learning_rate" .*number/,
    ],
    [
      "task: legal\n",
      "x.yml",
      /x\.yml:1: field "task" must be one of "safety", "clinical", "conala"/,
    ],
    [
      "task: clinical\ntraining:\n  mode: rl\nrl:\n  algorithm: dpo\n",
      "x.yml",
      /x\.yml:5: field "rl\.algorithm" is dpo, which needs preference pairs, and task "clinical" has none/,
    ],
    [
      "task: conala\ntraining:\n  mode: staged\nrl:\n  algorithm: ppo\nreward:\n  type: hybrid\n",
      "x.yml",
      /x\.yml:7: field "reward\.type" is hybrid, which trains a reward model on preference pairs, and task "conala" has none: use heuristic/,
    ],
    [
      "model:\n  peft_type: adalora\n",
      "x.yml",
      /x\.yml:2: field "model\.peft_type" must be one of "lora", "qlora", "none"/,
    ],
    [
      "model:\n  peft_type: qlora\n",
      "x.yml",
      /x\.yml: field "model\.load_in_4bit" is false but peft_type is "qlora"/,
    ],
    [
      "model:\n  load_in_8bit: true\n",
      "x.yml",
      /x\.yml:2: field "model\.load_in_8bit" is not supported .*qlora/,
    ],
    [
      "training:\n  fp16: true\n",
      "x.yml",
      /x\.yml:2: field "training\.fp16" is not supported: tunebook computes in float32/,
    ],
    [
      "rl:\n  entropy_coeff: 0.01\n",
      "x.yml",
      /x\.yml:2: field "rl\.entropy_coeff" is 0\.01, but TRL's PPO and GRPO add no entropy bonus: set 0$/,
    ],
    [
      "rl:\n  target_kl: 0.02\n",
      "x.yml",
      /x\.yml:2: field "rl\.target_kl" is not supported/,
    ],
    [
      "training: [1, 2]\n",
      "x.yml",
      /x\.yml:1: field "training" must be a JSON object/,
    ],
  ];
  for (const [text, name, pattern] of cases) {
    const dir = folderWith({ [name]: text });
    await assert.rejects(
      () => readExperiment(`${dir}/${name}`),
      (e: Error) =>
        e instanceof InputError && pattern.test(e.message) &&
        !e.message.includes("\n"),
      text,
    );
  }
});

Deno.test("a bad value in defaults.yml names defaults.yml and its line; the experiment's own value wins over it", async () => {
  const dir = folderWith({
    "defaults.yml": "seed: 1\ntraining:\n  batch_size: zero\n",
    "x.yml": "training:\n  mode: sft\n",
    "y.yml": "training:\n  batch_size: 2\n",
  });
  await assert.rejects(
    () => readExperiment(`${dir}/x.yml`),
    (e: Error) =>
      e instanceof ConfigError &&
      e.message.startsWith(
        `${dir}/defaults.yml:3: field "training.batch_size"`,
      ),
  );
  const y = await readExperiment(`${dir}/y.yml`);
  assert.equal(y.config.training.batchSize, 2);
  assert.equal(y.config.seed, 1);
  await assert.rejects(
    () => readExperiment(`${dir}/missing.yml`),
    /missing\.yml: no such file/,
  );
});

Deno.test("README's experiment-file table matches the declaration (deno task docs rewrites it)", async () => {
  const readme = await Deno.readTextFile(repoPath("README.md"));
  const table = fieldsMarkdown(EXPERIMENT_CONFIG);
  assert.equal(
    replaceMarkedSections(readme, { "fields:alignment": table }, "README.md"),
    readme,
    "README.md is out of date: run deno task docs",
  );
  assert.match(table, /\| `training\.learning_rate` +\| number in \(0, 1\]/);
});
