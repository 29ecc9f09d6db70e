/**
 * DPO's reference model beyond a fresh LoRA: a started adapter (staged
 * SFT → DPO) is the reference, frozen and precomputed, not "adapters off";
 * its log-probs live in every checkpoint and a resume reuses them bit for
 * bit; full fine-tuning precomputes with the initial weights.
 */
import assert from "node:assert/strict";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import { preferencePairs } from "../../lib/data/preference.ts";
import { loadPretrained } from "../../lib/model/pretrained.ts";
import { applyLora, loadAdapter, saveAdapter } from "../../lib/peft/mod.ts";
import { encodePreferencePairs } from "../../lib/prompt/mod.ts";
import { readSafetensors } from "../../lib/safetensors/safetensors.ts";
import { pairBatch, referenceSums } from "../../lib/train/dpo/batch.ts";
import { runDpoFromConfig } from "../../lib/train/dpo/from_config.ts";
import { REFERENCE_FILE } from "../../lib/train/dpo/reference.ts";
import { MetricsLog } from "../../lib/train/metrics_log.ts";
import { first, setUp, toyPairs } from "./dpo_helpers.ts";

await initEngine({ verbose: false });

/** A started adapter whose B is not zero (as after SFT), saved in PEFT form. */
async function startedAdapter(root: string, modelDir: string) {
  const { model } = await loadPretrained(modelDir);
  const lora = applyLora(model, {
    r: 4,
    alpha: 8,
    dropout: 0.1,
    targetModules: "all-linear",
    useRslora: false,
    init: "default",
  }, { seed: 9 });
  let k = 0;
  for (const [name, v] of lora.parameters()) {
    if (name.includes("lora_B")) {
      v.assign(tf.randomNormal(v.shape, 0, 0.3, "float32", 100 + k++));
    }
  }
  await saveAdapter(`${root}/sft`, lora, { baseModel: modelDir });
  lora.remove();
  model.dispose();
  return `${root}/sft`;
}

Deno.test("dpo from a started adapter: the reference is that adapter, precomputed, kept in checkpoints, resumed bit for bit", async () => {
  const { root, raw } = await setUp("staged");
  const adapter = await startedAdapter(root, raw.model as string);
  const config = {
    ...raw,
    init_adapter: adapter,
    eval_data: raw.train_data,
  };
  const straight = await runDpoFromConfig(config, "test", { progress: false });
  assert.match(
    straight.reference,
    /starting adapter .*sft, frozen, precomputed/,
  );
  const r = first(straight.history);
  // Adapters off would differ from the started policy: rewards far from 0.
  assert.ok(Math.abs(r.loss - Math.LN2) < 1e-5, `step-0 loss ${r.loss}`);
  for (const k of ["chosen", "rejected", "margins"]) {
    assert.ok(
      Math.abs(r[`rewards/${k}`]) < 1e-5,
      `rewards/${k} ${r[`rewards/${k}`]}`,
    );
  }
  const { model, tokenizer } = await loadPretrained(raw.model as string);
  const lora = await loadAdapter(adapter, model, { seed: 0 });
  const { pairs } = encodePreferencePairs(
    tokenizer!,
    preferencePairs(toyPairs(), "t").pairs,
    { trainer: "dpo", maxLength: null },
  );
  const batch = pairBatch(pairs, [0, 1, 2, 3, 4, 5, 6, 7], tokenizer!.padId);
  const on = referenceSums(model, batch);
  lora.disable();
  const off = referenceSums(model, batch);
  lora.remove();
  model.dispose();
  const gap = Math.max(...Array.from(on, (v, i) => Math.abs(v - off[i])));
  assert.ok(gap > 0.1, `the started adapter changes the log-probs (${gap})`);
  const stored = await readSafetensors(
    `${root}/out/checkpoint-2/${REFERENCE_FILE}`,
  );
  const chosen = stored.tensors.get("train.chosen")!.data;
  chosen.forEach((v, i) =>
    assert.ok(
      Math.abs(v - on[i]) < 1e-4,
      `pair ${i}: stored ${v}, adapter ${on[i]}`,
    )
  );
  assert.ok(stored.tensors.has("eval.rejected"));

  // With the adapter's lora_dropout 0.1 on (masks seeded by step), a run
  // stopped after step 2 (mid logging window) and resumed gives the numbers
  // of one never stopped.
  const dropout = { ...config, disable_dropout: false, logging_steps: 3 };
  await runDpoFromConfig({ ...dropout, output_dir: `${root}/whole` }, "test", {
    progress: false,
  });
  const split = { ...dropout, output_dir: `${root}/split` };
  await runDpoFromConfig(split, "test", { progress: false, stopAfterStep: 2 });
  await runDpoFromConfig(split, "test", { progress: false, resume: true });
  const metrics = async (dir: string) =>
    (await MetricsLog.read(`${dir}/metrics.jsonl`)).map((m) => {
      const { step_time: _t, tokens_per_s: _s, ...rest } = m;
      return rest;
    });
  const whole = await metrics(`${root}/whole`);
  assert.deepEqual(await metrics(`${root}/split`), whole);
  assert.deepEqual(whole.map((m) => m.step), [3, 4, 4]);
  const noDropout = straight.history.slice(0, 3)
    .reduce((a, m) => a + (m.loss as number), 0) / 3;
  assert.ok(
    Math.abs((whole[0].loss as number) - noDropout) > 1e-3,
    "dropout was on",
  );
  const weights = async (dir: string) =>
    (await readSafetensors(`${dir}/adapter_model.safetensors`)).tensors;
  const [a, b] = [
    await weights(`${root}/whole`),
    await weights(`${root}/split`),
  ];
  for (const [key, t] of a) assert.deepEqual(b.get(key)!.data, t.data, key);
  await Deno.remove(root, { recursive: true });
});

Deno.test("dpo full fine-tuning: the reference is the initial weights, precomputed", async () => {
  const { root, raw } = await setUp("full", {
    lora: null,
    learning_rate: 1e-3,
    max_steps: 2,
  });
  const result = await runDpoFromConfig(raw, "test", { progress: false });
  assert.match(result.reference, /^the initial weights, precomputed$/);
  const r = first(result.history);
  assert.ok(Math.abs(r.loss - Math.LN2) < 1e-5, `step-0 loss ${r.loss}`);
  const last = result.history.at(-1) as Record<string, number>;
  assert.ok(
    last["rewards/margins"] !== 0,
    "the second step moved away from the reference",
  );
  await Deno.stat(`${root}/out/model.safetensors`);
  await Deno.remove(root, { recursive: true });
});
