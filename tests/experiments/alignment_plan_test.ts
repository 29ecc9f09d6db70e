/** How each mode and algorithm maps onto tunebook's TRL-named trainers. */
import assert from "node:assert/strict";
import { readExperiment } from "../../lib/experiments/alignment/load.ts";
import {
  DEBUG_STEPS,
  GRPO_GENERATIONS,
  planStages,
} from "../../lib/experiments/alignment/plan.ts";
import type { TaskFiles } from "../../lib/experiments/alignment/tasks.ts";
import { parseGrpoConfig, totalSteps } from "../../lib/train/grpo/config.ts";
import { repoPath } from "../../lib/util/paths.ts";

const FILES: TaskFiles = {
  sft: "c/sft.jsonl",
  evalSft: "c/eval_sft.jsonl",
  prompts: "c/prompts.jsonl",
  trainPairs: "c/train_pairs.jsonl",
  evalPairs: "c/eval_pairs.jsonl",
  trainRows: 432,
  evalRows: 120,
};

async function plan(name: string, debug = false) {
  const { config } = await readExperiment(repoPath(`configs/${name}.yml`), {
    debug,
  });
  return planStages(config, FILES, "ck");
}

Deno.test("sft: one SFT stage with the reference's names mapped to TRL's", async () => {
  const [sft, ...rest] = await plan("sft_lora");
  assert.equal(rest.length, 0);
  assert.equal(sft.kind, "sft");
  assert.deepEqual(sft.config.lora, {
    r: 8,
    lora_alpha: 16,
    lora_dropout: 0.1,
    target_modules: ["q_proj", "k_proj", "v_proj", "o_proj"],
  });
  assert.equal(sft.config.learning_rate, 2e-3);
  assert.equal(sft.config.per_device_train_batch_size, 4);
  assert.equal(sft.config.gradient_accumulation_steps, 4);
  assert.equal(sft.config.num_train_epochs, 3);
  assert.equal(sft.config.max_length, 512);
  assert.equal(sft.config.warmup_ratio, 0.1);
  assert.equal(sft.config.lr_scheduler_type, "linear");
  assert.equal(sft.config.train_data, FILES.sft);
  assert.equal(sft.config.output_dir, "ck/sft");
  assert.equal(sft.config.report_to, "none", "logging.wandb_enabled: false");
});

Deno.test("rl: DPO from the base; PPO and GRPO after a reward model, rewarded by the hybrid", async () => {
  const [dpo] = await plan("dpo_rl");
  assert.equal(dpo.kind, "dpo");
  assert.equal(dpo.config.init_adapter, undefined, "from the base model");
  assert.equal(dpo.config.beta, 0.1);
  assert.equal(dpo.config.learning_rate, 1e-4, "rl.learning_rate");
  assert.equal(dpo.config.num_train_epochs, 1);
  assert.equal(dpo.config.train_data, FILES.trainPairs);

  const [reward, ppo] = await plan("ppo_rl");
  assert.equal(reward.kind, "reward");
  assert.equal(reward.config.learning_rate, 1e-3);
  assert.equal(ppo.kind, "ppo");
  assert.equal(ppo.config.value_model_path, "ck/reward");
  assert.equal(ppo.config.num_ppo_epochs, 4);
  assert.equal(ppo.config.cliprange, 0.2);
  assert.equal(ppo.config.kl_coef, 0.1);
  assert.equal(ppo.config.num_train_epochs, 2);
  assert.equal(ppo.config.learning_rate, 5e-5);
  assert.equal(ppo.config.train_data, "c/prompts.jsonl", "prompts only");
  assert.deepEqual(ppo.config.rewards, [{
    name: "hybrid",
    components: [
      {
        name: "gemma_alignment_heuristic",
        toxicity_threshold: 0.3,
        toxicity_weight: 0.5,
        length_penalty: 0,
        repetition_penalty: 0.1,
        weight: 0.5,
      },
      { name: "reward_model", path: "ck/reward", weight: 0.5 },
    ],
    normalize: "batch",
    clip: 10,
  }]);

  const [, grpo] = await plan("grpo_rl");
  assert.equal(grpo.kind, "grpo");
  assert.equal(grpo.config.num_generations, GRPO_GENERATIONS);
  // 4 × 4 completions a step = 4 prompts; 2 epochs of 432 prompts.
  assert.equal(
    totalSteps(parseGrpoConfig(grpo.config, "grpo_rl"), 432),
    Math.ceil(2 * 432 / 4),
  );
  assert.equal(grpo.config.learning_rate, 5e-5);
  assert.equal(
    (grpo.config.per_device_train_batch_size as number) %
      GRPO_GENERATIONS,
    0,
  );
});

Deno.test("staged: RL starts from the SFT adapter, which is its reference, for ⌊epochs / 2⌋ epochs at its own rate; --debug caps every stage", async () => {
  const [sft, dpo] = await plan("staged_sft_then_dpo");
  assert.equal(sft.kind, "sft");
  assert.equal(dpo.config.init_adapter, "ck/sft");
  assert.equal(sft.config.num_train_epochs, 3);
  assert.equal(dpo.config.num_train_epochs, 1, "max(1, ⌊3 / 2⌋)");
  assert.equal(sft.config.learning_rate, 2e-3);
  assert.equal(dpo.config.learning_rate, 1e-4);
  const stages = await plan("staged_sft_then_ppo", true);
  assert.deepEqual(stages.map((s) => s.kind), ["sft", "reward", "ppo"]);
  assert.equal(stages[2].config.init_adapter, "ck/sft");
  for (const stage of stages) {
    assert.equal(stage.config.max_steps, DEBUG_STEPS, stage.kind);
    assert.equal(stage.config.num_train_epochs, undefined, stage.kind);
  }
});

Deno.test("peft_type none trains in full (staged RL starts from the SFT weights); qlora adds NF4 with double quantization", async () => {
  const dir = Deno.makeTempDirSync();
  Deno.copyFileSync(repoPath("configs/defaults.yml"), `${dir}/defaults.yml`);
  Deno.writeTextFileSync(
    `${dir}/full.yml`,
    "model:\n  peft_type: none\ntraining:\n  mode: staged\nrl:\n  algorithm: ppo\nreward:\n  type: heuristic\nlogging:\n  wandb_enabled: true\n",
  );
  const { config } = await readExperiment(`${dir}/full.yml`);
  const stages = planStages(config, FILES, "ck");
  assert.deepEqual(
    stages.map((s) => s.kind),
    ["sft", "ppo"],
    "no reward model",
  );
  assert.equal(stages[0].config.lora, undefined);
  for (const stage of stages) {
    assert.equal(stage.config.report_to, "wandb", "logging.wandb_enabled");
  }
  assert.equal(stages[1].config.model, "ck/sft");
  assert.equal(stages[1].config.value_model_path, undefined);
  assert.equal(
    stages[1].config.learning_rate,
    5e-5,
    "without rl.learning_rate, RL runs at training.learning_rate",
  );
  const [qlora] = await plan("qlora_1b");
  assert.deepEqual(qlora.config.quantization, {
    load_in_4bit: true,
    bnb_4bit_quant_type: "nf4",
    bnb_4bit_use_double_quant: true,
  });
  assert.equal((qlora.config.lora as { r: number }).r, 16);
});
