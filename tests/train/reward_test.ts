/**
 * Reward-model training on the embedded default model (tiny-base, where
 * pad = eos = bos): a short LoRA run learns the preference (train accuracy
 * rises, eval loss falls), TRL's metric names are logged, long pairs are
 * dropped and said, and the saved adapter — and a full fine-tuning run's
 * folder — load back as reward models scoring as the trainer last did.
 */
import assert from "node:assert/strict";
import { initEngine } from "../../lib/engine/mod.ts";
import { DEFAULT_MODEL_DIR } from "../../lib/model/default_model.ts";
import { loadSequenceClassifier } from "../../lib/peft/mod.ts";
import { encodeSplit, loadPairSplit } from "../../lib/train/reward/data.ts";
import { evaluatePairs } from "../../lib/train/reward/evaluate.ts";
import { runRewardFromConfig } from "../../lib/train/reward/from_config.ts";
import { readSafetensors } from "../../lib/safetensors/safetensors.ts";

await initEngine({ verbose: false });

const TOPICS = ["sea", "farm", "winter", "ship", "rain", "moon"];

/**
 * Pairs where the topic word repeated beats a calm sentence: a preference
 * the untrained model (a fresh head on tiny-base) mostly gets wrong.
 */
function echoPairs(topics = TOPICS) {
  return topics.map((t) => ({
    prompt: `Write about the ${t}.`,
    chosen: ` ${t} ${t} ${t} ${t} ${t} ${t}`,
    rejected: ` The ${t} is quiet and calm today.`,
  }));
}

async function setUp(rows: unknown[]) {
  const root = await Deno.makeTempDir({ prefix: "reward-" });
  const data = `${root}/pairs.jsonl`;
  await Deno.writeTextFile(
    data,
    rows.map((r) => JSON.stringify(r)).join("\n") + "\n",
  );
  return { root, data };
}

Deno.test("a short LoRA reward-model run on tiny-base learns the preference, under TRL's metric names", async () => {
  const { root, data } = await setUp(echoPairs());
  try {
    const { history, outputDir, trainReport } = await runRewardFromConfig(
      {
        model: DEFAULT_MODEL_DIR,
        train_data: data,
        eval_data: data,
        output_dir: `${root}/out`,
        lora: { r: 8, lora_alpha: 16 },
        learning_rate: 2e-3,
        per_device_train_batch_size: 6,
        max_steps: 8,
        logging_steps: 1,
        save_steps: 0,
        seed: 1,
      },
      "test",
      { progress: false },
    );
    assert.equal(trainReport.kept, 6);
    const train = history.filter((r) => "loss" in r);
    const evals = history.filter((r) => "eval_loss" in r);
    assert.deepEqual(Object.keys(train[0]), [
      "step",
      "epoch",
      "loss",
      "accuracy",
      "margin",
      "min_reward",
      "mean_reward",
      "max_reward",
      "num_tokens",
      "learning_rate",
      "grad_norm",
      "step_time",
    ]);
    assert.deepEqual(Object.keys(evals[0]), [
      "step",
      "eval_loss",
      "eval_accuracy",
      "eval_margin",
      "eval_min_reward",
      "eval_mean_reward",
      "eval_max_reward",
      "eval_num_tokens",
    ]);
    // Step 1 sees every pair once, before its update: the untrained accuracy.
    const before = train[0].accuracy as number;
    const after = evals.at(-1)!;
    assert.ok(
      (after.eval_accuracy as number) === 1 && before < 0.5,
      `accuracy ${before} → ${after.eval_accuracy}`,
    );
    assert.ok(
      (after.eval_loss as number) < (train[0].loss as number) / 2,
      `loss ${train[0].loss} → ${after.eval_loss}`,
    );
    assert.ok((after.eval_margin as number) > 1, `margin ${after.eval_margin}`);
    // num_tokens counts the attended tokens of both sides, cumulatively.
    assert.equal(
      train.at(-1)!.num_tokens,
      8 * (train[0].num_tokens as number),
    );

    // The saved SEQ_CLS adapter scores the pairs as the final evaluation did.
    const rm = await loadSequenceClassifier(outputDir);
    const split = encodeSplit("test", rm.tokenizer, await loadPairSplit(data), {
      maxLength: 1024,
      contextLength: 256,
    });
    const again = evaluatePairs(rm.classifier, split.pairs, {
      batchSize: 8,
      padId: rm.tokenizer.padId,
      centerCoefficient: null,
    });
    assert.ok(
      Math.abs(again.metrics.loss - (after.eval_loss as number)) < 1e-5,
      `${again.metrics.loss} vs ${after.eval_loss}`,
    );
    rm.dispose();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("full fine-tuning saves a sequence-classifier folder with the tokenizer; long pairs are dropped, not cut", async () => {
  const long = {
    prompt: "Write about the sea.",
    chosen: " calm".repeat(300),
    rejected: " sea",
  };
  const { root, data } = await setUp([...echoPairs(), long]);
  try {
    const { outputDir, trainReport, history } = await runRewardFromConfig(
      {
        model: DEFAULT_MODEL_DIR,
        train_data: data,
        output_dir: `${root}/out`,
        per_device_train_batch_size: 3,
        max_steps: 2,
        learning_rate: 1e-4,
        center_rewards_coefficient: 0.01,
        save_steps: 0,
      },
      "test",
      { progress: false },
    );
    assert.equal(trainReport.pairs, 7);
    assert.equal(trainReport.dropped, 1);
    assert.equal(trainReport.maxLength, 256, "held to tiny-base's context");
    assert.equal(history.at(-1)!.step, 2);
    const files = [...Deno.readDirSync(outputDir)].map((e) => e.name);
    for (
      const f of [
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
      ]
    ) {
      assert.ok(files.includes(f), `${f} in ${files}`);
    }
    const json = JSON.parse(
      await Deno.readTextFile(`${outputDir}/config.json`),
    );
    assert.deepEqual(json.architectures, ["LlamaForSequenceClassification"]);
    assert.equal(json.pad_token_id, 0);
    const rm = await loadSequenceClassifier(outputDir);
    assert.equal(rm.lora, null);
    rm.dispose();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("full fine-tuning stopped after a checkpoint resumes bit-identical (decoder, head, optimizer)", async () => {
  const { root, data } = await setUp(echoPairs());
  const config = (out: string) => ({
    model: DEFAULT_MODEL_DIR,
    train_data: data,
    output_dir: `${root}/${out}`,
    per_device_train_batch_size: 2,
    max_steps: 4,
    learning_rate: 1e-4,
    weight_decay: 0.01,
    logging_steps: 3,
    save_steps: 2,
    seed: 2,
  });
  const quiet = { progress: false };
  try {
    const a = await runRewardFromConfig(config("a"), "a", quiet);
    await runRewardFromConfig(config("b"), "b", {
      ...quiet,
      stopAfterStep: 2,
    });
    const b = await runRewardFromConfig(config("b"), "b", {
      ...quiet,
      resume: true,
    });
    const strip = (h: typeof a.history) => h.map(({ step_time: _, ...r }) => r);
    // Both records (steps 3 and 4) come after the stop, the window sums carried.
    assert.deepEqual(strip(b.history), strip(a.history));
    const [wa, wb] = await Promise.all(
      [a, b].map(async (r) =>
        (await readSafetensors(`${r.outputDir}/model.safetensors`)).tensors
      ),
    );
    assert.ok(wa.has("score.weight") && !wa.has("lm_head.weight"));
    for (const [key, t] of wa) {
      assert.deepEqual(wb.get(key)!.data, t.data, key);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
