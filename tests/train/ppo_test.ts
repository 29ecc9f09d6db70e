/**
 * PPO end to end on a tiny chat model: config errors name their field; the
 * experience sits on the completion's own tokens; the value head gets
 * gradients; a learnable reward rises within a few dozen updates; a run
 * stopped and resumed ends bit-identical to an uninterrupted one; the value
 * model starts from a reward model, or refuses one that does not fit.
 */
import assert from "node:assert/strict";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import { CausalLM } from "../../lib/model/decoder.ts";
import { loadPretrained } from "../../lib/model/pretrained.ts";
import { scoreSequence } from "../../lib/model/score.ts";
import { SequenceClassifier } from "../../lib/model/sequence_classifier.ts";
import { applyLora } from "../../lib/peft/mod.ts";
import { parsePpoConfig, totalUpdates } from "../../lib/train/ppo/config.ts";
import { collectExperience } from "../../lib/train/ppo/experience.ts";
import { readPromptExamples } from "../../lib/prompt/examples.ts";
import { PolicyReference } from "../../lib/train/ppo/reference.ts";
import { runPpo } from "../../lib/train/ppo/trainer.ts";
import type { Rollout } from "../../lib/train/rollout.ts";
import { writeTinyChatModel } from "../helpers/chat_model.ts";
import { evenTokens } from "../helpers/rewards.ts";
import { tinyLlamaConfig } from "../helpers/tiny_models.ts";

await initEngine({ verbose: false });

const model = await Deno.makeTempDir({ prefix: "ppo-model-" });
await writeTinyChatModel(model, { hidden: 32, layers: 2, std: 0.4 });
const prompts = await Deno.makeTempFile({ suffix: ".json" });
await Deno.writeTextFile(
  prompts,
  JSON.stringify(
    ["rain", "snow", "moon", "sea", "wind", "fire"].map((t) => ({
      prompt: [{ role: "user", content: `Say ${t}` }],
    })),
  ),
);

function config(out: string, overrides: Record<string, unknown> = {}) {
  return parsePpoConfig({
    model,
    train_data: prompts,
    output_dir: out,
    lora: { r: 4, lora_alpha: 8 },
    rewards: [{ name: "even" }],
    learning_rate: 0.005,
    per_device_train_batch_size: 4,
    gradient_accumulation_steps: 2,
    num_mini_batches: 2,
    response_length: 10,
    temperature: 1,
    kl_coef: 0,
    max_steps: 4,
    save_steps: 2,
    seed: 3,
    ...overrides,
  }, "ppo.json");
}

async function train(c: ReturnType<typeof config>, stopAfterStep?: number) {
  return await runPpo(c, await readPromptExamples(c.trainData), {
    rewards: [evenTokens],
    progress: false,
    stopAfterStep,
  });
}

Deno.test("ppo config: TRL's defaults; bad values name their field", () => {
  const base = {
    model: "m",
    train_data: "d",
    output_dir: "o",
    rewards: [{ name: "x" }],
  };
  const c = parsePpoConfig(base, "p.json");
  assert.equal(c.learningRate, 3e-6);
  assert.equal(c.responseLength, 53);
  assert.equal(c.temperature, 0.7);
  assert.equal(c.numPpoEpochs, 4);
  assert.equal(c.klCoef, 0.05);
  assert.equal(c.klEstimator, "k1");
  assert.equal(c.cliprange, 0.2);
  assert.equal(c.vfCoef, 0.1);
  assert.equal(c.cliprangeValue, 0.2);
  assert.equal(c.gamma, 1);
  assert.equal(c.lam, 0.95);
  assert.equal(c.stopToken, null);
  assert.equal(c.missingEosPenalty, null);
  assert.equal(c.valueModelPath, null);
  // total_episodes: num_train_epochs × prompts, in updates of 8.
  assert.equal(
    totalUpdates({ ...c, batchSize: 4, gradientAccumulationSteps: 2 }, 20),
    3,
  );
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ cliprange: 0 }, /p\.json: field "cliprange".*greater than 0/],
    [{ cliprange_value: -1 }, /field "cliprange_value"/],
    [
      { gradient_accumulation_steps: 2, num_mini_batches: 3 },
      /field "num_mini_batches" \(3\) must divide gradient_accumulation_steps \(2\)/,
    ],
    [{ kl_estimator: "k2" }, /field "kl_estimator"/],
    [{ lam: 1.5 }, /field "lam"/],
    [
      { stop_token: "eos", stop_token_id: 2 },
      /field "stop_token_id".*exclusive/,
    ],
    [{ max_step: 3 }, /max_step/],
  ];
  for (const [extra, message] of bad) {
    assert.throws(
      () => parsePpoConfig({ ...base, ...extra }, "p.json"),
      message,
    );
  }
});

Deno.test("experience: log-probs, values and KL on the completion's own tokens; the score on its last", async () => {
  const { model: policy, tokenizer } = await loadPretrained(model);
  const lora = applyLora(policy, {
    r: 4,
    alpha: 8,
    targetModules: "all-linear",
    dropout: 0,
    useRslora: false,
    init: "default",
  }, { seed: 1 });
  // Move B off zero so that the policy differs from its reference.
  for (const [name, v] of lora.parameters()) {
    if (name.includes("lora_B")) {
      v.assign(tf.randomNormal(v.shape, 0, 0.3, "float32", 7));
    }
  }
  const { model: backbone } = await loadPretrained(model, { head: "score" });
  const value = SequenceClassifier.create(backbone, { seed: 5, std: 0.5 });
  const c = config("/tmp/unused", { kl_coef: 0.1, temperature: 1 });
  const reference = await PolicyReference.open(c, policy, lora);
  const rollouts: Rollout[] = [
    {
      group: 0,
      promptIds: [1, 40, 41],
      completionIds: [50, 51, 2],
      text: "",
      truncated: false,
      entropies: [],
    },
    {
      group: 1,
      promptIds: [1, 42],
      completionIds: [60, 61, 62, 63, 64],
      text: "",
      truncated: true,
      entropies: [],
    },
  ];
  const exp = collectExperience(rollouts, [1.5, -0.5], {
    policy,
    reference,
    value,
    padId: tokenizer!.padId,
  }, { ...c, localRolloutForwardBatchSize: 1 });
  rollouts.forEach((r, i) => {
    const ids = [...r.promptIds, ...r.completionIds];
    const p = r.promptIds.length, n = r.completionIds.length;
    const pol = scoreSequence(policy, ids).logprobs;
    lora.disable();
    const ref = scoreSequence(policy, ids).logprobs;
    lora.enable();
    const v = value.tokenScores({
      ids: Int32Array.from(ids),
      batch: 1,
      length: ids.length,
    }).dataSync();
    const e = exp[i];
    assert.equal(e.logps.length, n);
    for (let t = 0; t < n; t++) {
      assert.ok(Math.abs(e.logps[t] - pol[p + t]!) < 1e-4, `logp ${i}/${t}`);
      assert.ok(Math.abs(e.refLogps[t] - ref[p + t]!) < 1e-4, `ref ${i}/${t}`);
      assert.ok(Math.abs(e.values[t] - v[p - 1 + t]) < 1e-4, `value ${i}/${t}`);
      const kl = e.logps[t] - e.refLogps[t];
      assert.ok(Math.abs(e.kl[t] - kl) < 1e-9);
      const score = t === n - 1 ? [1.5, -0.5][i] : 0;
      assert.ok(
        Math.abs(e.rewards[t] - (score - 0.1 * kl)) < 1e-9,
        `reward ${i}/${t}`,
      );
    }
    assert.ok(e.kl.some((k) => Math.abs(k) > 1e-3), "policy ≠ reference");
  });
  // Advantages are whitened over all tokens: mean 0.
  const all = exp.flatMap((e) => [...e.advantages]);
  assert.ok(Math.abs(all.reduce((a, b) => a + b, 0) / all.length) < 1e-9);
  value.dispose();
  backbone.dispose();
  lora.remove();
  policy.dispose();
});

Deno.test("value head: the gradient of ½(V − R)² at one position is (V − R)·h", () => {
  const cfg = {
    ...tinyLlamaConfig({ pad_token_id: 0 }),
    head: "score" as const,
  };
  const backbone = CausalLM.random(cfg, { seed: 2, std: 0.2 });
  const value = SequenceClassifier.create(backbone, { seed: 4, std: 0.5 });
  const batch = { ids: Int32Array.of(1, 5, 6, 7), batch: 1, length: 4 };
  const target = 0.3;
  // Analytic: hidden state at position 2, times (V − R).
  const hidden = backbone.forward(tf.tensor2d(batch.ids, [1, 4], "int32"));
  const h = tf.slice(hidden, [0, 2, 0], [1, 1, -1]).reshape([-1]).dataSync();
  const v = value.tokenScores(batch).dataSync()[2];
  const grad = tf.variableGrads(() => {
    const vv = tf.slice(value.tokenScores(batch), [0, 2], [1, 1]);
    return tf.mul(0.5, tf.sum(tf.square(tf.sub(vv, target)))) as tf.Scalar;
  }, [value.score]).grads[value.score.name].dataSync();
  h.forEach((x, d) =>
    assert.ok(Math.abs(grad[d] - (v - target) * x) < 1e-4, `d ${d}`)
  );
  value.dispose();
  backbone.dispose();
});

Deno.test("ppo: a learnable reward rises within 40 updates; TRL's metrics logged", async () => {
  const out = await Deno.makeTempDir({ prefix: "ppo-learn-" });
  // lr 0.01: rollouts draw only tokens that keep the text valid UTF-8,
  // which leaves this random model's reward less room than it had.
  const r = await train(
    config(out, { max_steps: 40, save_steps: 0, learning_rate: 0.01 }),
  );
  const scores = r.history.map((h) => h["objective/scores"] as number);
  const first = scores.slice(0, 8).reduce((a, b) => a + b) / 8;
  const last = scores.slice(-8).reduce((a, b) => a + b) / 8;
  assert.ok(
    last > first + 0.1,
    `objective/scores ${first.toFixed(3)} → ${last.toFixed(3)}`,
  );
  for (
    const key of [
      "objective/kl",
      "objective/entropy",
      "objective/non_score_reward",
      "objective/rlhf_reward",
      "objective/scores",
      "policy/approxkl_avg",
      "policy/clipfrac_avg",
      "loss/policy_avg",
      "loss/value_avg",
      "val/clipfrac_avg",
      "val/ratio",
      "val/num_eos_tokens",
      "episode",
      "time/generate",
      "time/update",
    ]
  ) {
    assert.ok(key in r.history[0], `metric ${key}`);
  }
  // Dropout is off: the first step's ratio is exactly 1 (one epoch, one mini-batch).
  const one = await train(
    config(`${out}/one`, {
      max_steps: 1,
      num_ppo_epochs: 1,
      num_mini_batches: 1,
    }),
  );
  assert.equal(one.history[0]["val/ratio"], 1);
  assert.equal(one.history[0]["policy/approxkl_avg"], 0);
  await Deno.stat(`${out}/value_model/adapter_config.json`);
  await Deno.remove(out, { recursive: true });
});

Deno.test("ppo: stopped after update 2 and resumed ends bit-identical to an uninterrupted run", async () => {
  const a = await Deno.makeTempDir({ prefix: "ppo-straight-" });
  const b = await Deno.makeTempDir({ prefix: "ppo-split-" });
  const extra = {
    kl_coef: 0.05,
    kl_estimator: "k3",
    whiten_rewards: true,
    stop_token: "eos",
    missing_eos_penalty: 0.5,
  };
  await train(config(a, extra));
  await train(config(b, extra), 2);
  await Deno.stat(`${b}/checkpoint-2/value_model/adapter_model.safetensors`);
  await runPpo(
    config(b, extra),
    await readPromptExamples(config(b).trainData),
    {
      rewards: [evenTokens],
      progress: false,
      resume: true,
    },
  );
  for (
    const file of [
      "adapter_model.safetensors",
      "value_model/adapter_model.safetensors",
      "checkpoint-4/optimizer.safetensors",
    ]
  ) {
    assert.deepEqual(
      await Deno.readFile(`${b}/${file}`),
      await Deno.readFile(`${a}/${file}`),
      file,
    );
  }
  const metrics = async (dir: string) =>
    (await Deno.readTextFile(`${dir}/metrics.jsonl`)).trim().split("\n").map(
      (l) => {
        const {
          step_time: _s,
          eps: _e,
          "time/generate": _g,
          "time/rewards": _r,
          "time/update": _u,
          ...rest
        } = JSON.parse(l);
        return rest;
      },
    );
  assert.deepEqual(await metrics(b), await metrics(a));
  await Deno.remove(a, { recursive: true });
  await Deno.remove(b, { recursive: true });
});

Deno.test("ppo: missing_eos_penalty lowers the score of every reply cut off before its EOS", async () => {
  const out = await Deno.makeTempDir({ prefix: "ppo-eos-" });
  const c = config(out, {
    max_steps: 1,
    stop_token: "eos",
    missing_eos_penalty: 0.5,
    response_length: 3,
    rewards: [{ name: "zero" }],
  });
  const r = await runPpo(c, await readPromptExamples(c.trainData), {
    rewards: [{
      name: "zero",
      range: [0, 0],
      description: "nothing",
      score: (samples) => samples.map(() => 0),
    }],
    progress: false,
  });
  const h = r.history[0];
  // With stop_token "eos", a reply is cut (clipped) exactly when it has no EOS.
  assert.ok(
    Math.abs(
      (h["objective/scores"] as number) +
        0.5 * (h["completions/clipped_ratio"] as number),
    ) < 1e-6,
  );
  assert.ok((h["completions/clipped_ratio"] as number) > 0);
  await Deno.remove(out, { recursive: true });
});
