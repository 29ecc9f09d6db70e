import assert from "node:assert/strict";
import {
  fieldTableSections,
  TRAINER_CONFIGS,
} from "../../lib/train/configs.ts";
import { parseGrpoConfig } from "../../lib/train/grpo/config.ts";
import { buildRewards } from "../../lib/rewards/from_config.ts";
import { parsePpoConfig } from "../../lib/train/ppo/config.ts";
import { parseSftConfig } from "../../lib/train/sft/config.ts";
import { parseRewardConfig } from "../../lib/train/reward/config.ts";
import type { FieldTable } from "../../lib/util/config_fields.ts";
import { replaceMarkedSections } from "../../lib/util/marked_sections.ts";
import { REPO_ROOT } from "../helpers/run_script.ts";

Deno.test("README's config field tables match the declarations (deno task docs rewrites them)", async () => {
  const readme = await Deno.readTextFile(`${REPO_ROOT}README.md`);
  const sections = fieldTableSections();
  assert.deepEqual(Object.keys(sections), [
    "fields:sft",
    "fields:grpo",
    "fields:dpo",
    "fields:reward",
    "fields:ppo",
  ]);
  assert.equal(
    replaceMarkedSections(readme, sections, "README.md"),
    readme,
    "README.md is out of date: run deno task docs",
  );
  assert.match(readme, /<!-- fields:sft -->\n\n\| field +\| type/);
});

Deno.test("trainer configs: snake_case JSON names, camelCase properties, one doc line each", () => {
  const check = (fields: FieldTable, where: string) => {
    const names = Object.values(fields).map((f) => f.json);
    assert.equal(new Set(names).size, names.length, `${where}: a name twice`);
    for (const [key, f] of Object.entries(fields)) {
      assert.match(f.json, /^[a-z][a-z0-9_]*$/, `${where}.${key}`);
      assert.match(key, /^[a-z][a-zA-Z0-9]*$/, `${where}.${key}`);
      assert.ok(f.doc.length > 0 && !f.doc.includes("\n"), `${where}.${key}`);
      if (f.fields) check(f.fields, `${where}.${f.json}`);
    }
  };
  for (const [name, spec] of Object.entries(TRAINER_CONFIGS)) {
    check(spec.fields, name);
  }
});

Deno.test("trainer configs: the shared fields keep each trainer's TRL defaults", () => {
  const base = { train_data: "t", output_dir: "o" };
  const sft = parseSftConfig(base, "s.json");
  assert.equal(sft.learningRate, 2e-5);
  assert.equal(sft.loggingSteps, 10);
  assert.equal(
    parseSftConfig({ ...base, lora: {} }, "s.json").learningRate,
    2e-4,
  );
  const grpo = parseGrpoConfig(
    { ...base, rewards: [{ name: "x" }], max_steps: 1 },
    "g.json",
  );
  assert.equal(grpo.learningRate, 1e-6);
  // RewardConfig: lr 1e-4 with or without LoRA, logging 10, max_length 1024,
  // dropout off, no centring, no eos_token override; TrainingArguments' 3 epochs.
  for (const extra of [{}, { lora: {} }]) {
    const reward = parseRewardConfig({ ...base, ...extra }, "r.json");
    assert.equal(reward.learningRate, 1e-4);
    assert.equal(reward.loggingSteps, 10);
    assert.equal(reward.maxLength, 1024);
    assert.equal(reward.disableDropout, true);
    assert.equal(reward.centerRewardsCoefficient, null);
    assert.equal(reward.eosToken, null);
    assert.equal(reward.numTrainEpochs, 3);
  }
  assert.equal(grpo.loggingSteps, 1);
  assert.equal(grpo.lora, null);
  assert.deepEqual(
    parseGrpoConfig({
      ...base,
      rewards: [{ name: "x" }],
      max_steps: 1,
      lora: { r: 4 },
    }, "g.json").lora,
    {
      r: 4,
      alpha: 4,
      dropout: 0,
      targetModules: "all-linear",
      useRslora: false,
    },
  );
  assert.throws(
    () => parseGrpoConfig({ ...base, max_steps: 1 }, "g.json"),
    /g\.json: field "rewards" must be a non-empty list of \{"name": …, "weight"\?: …, …settings\}/,
  );
  // As TRL: without max_steps, GRPO runs num_train_epochs (default 3).
  assert.equal(
    parseGrpoConfig({ ...base, rewards: [{ name: "x" }] }, "g.json")
      .numTrainEpochs,
    3,
  );
});

Deno.test("the example configs in lib/configs parse, name files that exist and rewards that build", async () => {
  const names = [...Deno.readDirSync(`${REPO_ROOT}lib/configs`)]
    .map((e) => e.name).filter((n) => n.endsWith(".json")).sort();
  assert.deepEqual(names, [
    "grpo_haiku.json",
    "ppo_haiku.json",
    "sft_haiku.json",
  ]);
  for (const name of names) {
    const path = `${REPO_ROOT}lib/configs/${name}`;
    const raw = JSON.parse(await Deno.readTextFile(path));
    const config = name.startsWith("grpo_")
      ? parseGrpoConfig(raw, path)
      : name.startsWith("ppo_")
      ? parsePpoConfig(raw, path)
      : parseSftConfig(raw, path);
    for (const file of [config.trainData, raw.eval_data].filter(Boolean)) {
      await Deno.stat(`${REPO_ROOT}${file}`);
    }
    if ("rewards" in config) {
      const rewards = await buildRewards(config, path);
      assert.equal(rewards.length, config.rewards.length);
    }
  }
});
