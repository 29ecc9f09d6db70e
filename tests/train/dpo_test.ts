/**
 * The DPO trainer on real models: its config and data, the [chosen;
 * rejected] batch, the reference at step 0 with a fresh LoRA (the policy
 * bit for bit), and a short run on the embedded default model that learns
 * its pairs. dpo_reference_test.ts covers started adapters and full
 * fine-tuning; dpo_loss_test.ts each loss type.
 */
import assert from "node:assert/strict";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import { preferencePairs } from "../../lib/data/preference.ts";
import { promptCompletionBatch, targetMask } from "../../lib/model/batch.ts";
import { batchLogProbs } from "../../lib/model/logprobs.ts";
import { loadPretrained } from "../../lib/model/pretrained.ts";
import { applyLora } from "../../lib/peft/mod.ts";
import { encodePreferencePairs } from "../../lib/prompt/mod.ts";
import {
  completionSums,
  pairBatch,
  referenceSums,
} from "../../lib/train/dpo/batch.ts";
import { parseDpoConfig } from "../../lib/train/dpo/config.ts";
import { loadDpoData } from "../../lib/train/dpo/data.ts";
import { runDpoFromConfig } from "../../lib/train/dpo/from_config.ts";
import { writeTinyChatModel } from "../helpers/chat_model.ts";
import { first, setUp, toyPairs } from "./dpo_helpers.ts";

await initEngine({ verbose: false });

Deno.test("dpo config: DPOConfig's names and defaults; errors name the field", () => {
  const c = parseDpoConfig({ train_data: "t", output_dir: "o" }, "c.json");
  assert.equal(c.beta, 0.1);
  assert.deepEqual(c.lossType, ["sigmoid"]);
  assert.equal(c.lossWeights, null);
  assert.equal(c.learningRate, 1e-6);
  assert.equal(c.maxLength, 1024);
  assert.equal(c.loggingSteps, 10);
  assert.equal(c.disableDropout, true);
  assert.equal(c.precomputeRefLogProbs, false);
  assert.deepEqual(
    parseDpoConfig({
      train_data: "t",
      output_dir: "o",
      loss_type: "ipo",
    }, "c").lossType,
    ["ipo"],
    "a single loss_type reads as a list",
  );
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ beta: 0 }, /c\.json: field "beta" must be greater than 0/],
    [{ beta: -0.5 }, /field "beta" must be greater than 0, got -0.5/],
    [
      { loss_type: ["sigmoid", "dpo"] },
      /field "loss_type" has unknown type "dpo"/,
    ],
    [
      { loss_type: ["sigmoid", "sft"], loss_weights: [1] },
      /field "loss_weights" has 1 weights for 2 loss types/,
    ],
    [
      { loss_weights: ["1"] },
      /field "loss_weights" must be a list of finite numbers/,
    ],
    [
      { loss_type: "robust", label_smoothing: 0.5 },
      /field "label_smoothing" \(0\.5\) must be below 0\.5 for robust/,
    ],
    [
      { loss_type: "exo_pair" },
      /field "label_smoothing" must be greater than 0 for exo_pair/,
    ],
    [
      { truncation_mode: "keep_end" },
      /field "truncation_mode" must be one of "keep_start"/,
    ],
    [{ rpo_alpha: 0.5 }, /field "rpo_alpha" is not a known setting/],
  ];
  for (const [fields, message] of bad) {
    assert.throws(
      () =>
        parseDpoConfig(
          { train_data: "t", output_dir: "o", ...fields },
          "c.json",
        ),
      message,
    );
  }
});

Deno.test("dpo data: a data folder with dataset_config and the two splits, sliced", async () => {
  const root = await Deno.makeTempDir({ prefix: "dpo-data-" });
  await Deno.mkdir(`${root}/harmless-base`, { recursive: true });
  const rows = toyPairs(6);
  const lines = (list: unknown[]) =>
    list.map((r) => JSON.stringify(r)).join("\n") + "\n";
  await Deno.writeTextFile(`${root}/harmless-base/train.jsonl`, lines(rows));
  await Deno.writeTextFile(
    `${root}/harmless-base/test.jsonl`,
    lines(rows.slice(4)),
  );
  const data = await loadDpoData(parseDpoConfig({
    train_data: root,
    eval_data: root,
    output_dir: "o",
    dataset_config: "harmless-base",
    dataset_train_split: "train[:5]",
  }, "c.json"));
  assert.equal(data.train.pairs.length, 5);
  assert.equal(data.eval!.pairs.length, 2);
  assert.match(data.train.source, /harmless-base\/train\.jsonl$/);
  await Deno.remove(root, { recursive: true });
});

Deno.test("dpo batch: [chosen; rejected] in one pass gives the numbers of separate passes", async () => {
  const root = await Deno.makeTempDir({ prefix: "dpo-batch-" });
  const { model, tokenizer } = await loadPretrained(
    await writeTinyChatModel(`${root}/model`, { hidden: 48, layers: 2 }),
  );
  const { pairs } = encodePreferencePairs(
    tokenizer!,
    preferencePairs(toyPairs(3), "t").pairs,
    { trainer: "dpo", maxLength: null },
  );
  const batch = pairBatch(pairs, [0, 1, 2], tokenizer!.padId);
  assert.equal(batch.tokens.batch, 6);
  const joint = completionSums(model, batch);
  const together = Array.from(joint.logps.dataSync());
  tf.dispose([joint.logps, joint.meanLogits]);
  // Chosen rows alone, then rejected rows alone, each padded to its own length.
  const separate = (side: "chosenIds" | "rejectedIds") => {
    const b = promptCompletionBatch(
      pairs.map((p) => ({ promptIds: p.promptIds, completionIds: p[side] })),
      tokenizer!.padId,
    );
    const { weights } = targetMask(b);
    const lp = batchLogProbs(model, b);
    const values = lp.dataSync();
    lp.dispose();
    return pairs.map((_, r) => {
      let s = 0;
      for (let t = 0; t < b.length - 1; t++) {
        s += values[r * (b.length - 1) + t] * weights[r * (b.length - 1) + t];
      }
      return s;
    });
  };
  const apart = [...separate("chosenIds"), ...separate("rejectedIds")];
  apart.forEach((v, i) =>
    assert.ok(
      Math.abs(v - together[i]) < 1e-4,
      `row ${i}: ${v} vs ${together[i]}`,
    )
  );
  assert.deepEqual(
    Array.from(batch.lengths),
    [
      ...pairs.map((p) => p.chosenIds.length),
      ...pairs.map((p) => p.rejectedIds.length),
    ],
  );
  model.dispose();
  await Deno.remove(root, { recursive: true });
});

Deno.test("dpo step 0 with a fresh LoRA: the reference is the policy bit for bit (loss ln 2, rewards 0)", async () => {
  const { root, raw } = await setUp("step0", { max_steps: 1 });
  // In process: adapters on (B = 0) and adapters off give identical sums.
  const { model, tokenizer } = await loadPretrained(raw.model as string);
  const lora = applyLora(model, {
    r: 4,
    alpha: 8,
    dropout: 0,
    targetModules: "all-linear",
    useRslora: false,
    init: "default",
  }, { seed: 5 });
  const { pairs } = encodePreferencePairs(
    tokenizer!,
    preferencePairs(toyPairs(4), "t").pairs,
    { trainer: "dpo", maxLength: null },
  );
  const batch = pairBatch(pairs, [3, 0, 2], tokenizer!.padId);
  const policy = referenceSums(model, batch);
  lora.disable();
  const reference = referenceSums(model, batch);
  lora.enable();
  assert.deepEqual(policy, reference);
  lora.remove();
  model.dispose();
  // Through the trainer: its first step measures exactly that.
  const { history } = await runDpoFromConfig(raw, "test", { progress: false });
  const r = first(history);
  assert.equal(r.loss, Math.round(Math.LN2 * 1e6) / 1e6);
  for (const k of ["chosen", "rejected", "margins", "accuracies"]) {
    assert.equal(r[`rewards/${k}`], 0, `rewards/${k}`);
  }
  assert.ok(r.grad_norm > 0, "ln 2 still has a gradient");
  await Deno.remove(root, { recursive: true });
});

Deno.test("dpo on the embedded default model learns its pairs: margins and accuracy grow", async () => {
  const root = await Deno.makeTempDir({ prefix: "dpo-learn-" });
  await Deno.writeTextFile(`${root}/pairs.json`, JSON.stringify(toyPairs()));
  const { history } = await runDpoFromConfig(
    {
      train_data: `${root}/pairs.json`,
      eval_data: `${root}/pairs.json`,
      output_dir: `${root}/out`,
      lora: { r: 8, lora_alpha: 16 },
      learning_rate: 1e-3,
      per_device_train_batch_size: 4,
      max_steps: 12,
      eval_steps: 6,
      logging_steps: 1,
      save_steps: 0,
    },
    "test",
    { progress: false },
  );
  const train = history.filter((h) => "loss" in h) as Record<string, number>[];
  const evals = history.filter((h) => "eval_loss" in h) as Record<
    string,
    number
  >[];
  assert.equal(train[0]["rewards/margins"], 0);
  assert.equal(evals.length, 2);
  const [mid, end] = evals;
  assert.ok(
    end["eval_rewards/margins"] > mid["eval_rewards/margins"] &&
      mid["eval_rewards/margins"] > 0.3,
    `margins ${mid["eval_rewards/margins"]} → ${end["eval_rewards/margins"]}`,
  );
  assert.equal(end["eval_rewards/accuracies"], 1);
  assert.ok(end.eval_loss < 0.3, `eval_loss ${end.eval_loss}`);
  assert.ok(
    end["eval_logps/rejected"] < train[0]["logps/rejected"],
    "the rejected answers became less likely",
  );
  for (
    const key of [
      "logits/chosen",
      "logits/rejected",
      "num_tokens",
      "grad_norm",
      "learning_rate",
    ]
  ) {
    assert.ok(Number.isFinite(train[0][key]), key);
  }
  await Deno.remove(root, { recursive: true });
});
