/**
 * GRPO scores a constrained draw under the distribution it was drawn from:
 * in-process rollouts carry the text constraint's mask per token, and each
 * micro-batch's log-probs are renormalised over the allowed tokens.
 */
import assert from "node:assert/strict";
import { initEngine } from "../../lib/engine/mod.ts";
import { targetMask } from "../../lib/model/batch.ts";
import { DEFAULT_MODEL_DIR } from "../../lib/model/default_model.ts";
import { loadPretrained } from "../../lib/model/pretrained.ts";
import { scoreBatch } from "../../lib/model/score.ts";
import { parseGrpoConfig } from "../../lib/train/grpo/config.ts";
import { microBatches } from "../../lib/train/grpo/update.ts";
import { rollout } from "../../lib/train/rollout.ts";

await initEngine({ verbose: false });

Deno.test("grpo: in-process rollouts are scored under the text constraint's support", async () => {
  const { model, tokenizer } = await loadPretrained(DEFAULT_MODEL_DIR);
  const tok = tokenizer!;
  const prompts = ["Write about the sea.", "A whale"].map((p) => ({
    prompt: p,
    row: {},
  }));
  // A hot draw reaches the byte tokens the constraint rules on.
  const rollouts = rollout(model, tok, prompts, {
    numGenerations: 4,
    maxCompletionLength: 24,
    maxPromptLength: 0,
    sampling: { temperature: 2.5, topK: 0, topP: 1, minP: 0 },
    seed: 11,
  });
  for (const r of rollouts) {
    assert.equal(r.drawMasks!.length, r.completionIds.length);
    r.completionIds.forEach((id, j) =>
      assert.equal(r.drawMasks![j]![id], 1, `token ${j} allowed where drawn`)
    );
  }
  const config = parseGrpoConfig({
    model: DEFAULT_MODEL_DIR,
    train_data: "unused.json",
    output_dir: "unused",
    rewards: [{ name: "length" }],
    per_device_train_batch_size: 8,
    num_generations: 4,
    max_steps: 1,
  }, "test");
  const [micro] = microBatches(rollouts, config, tok.padId);
  assert.ok(micro.support, "a constrained micro-batch has a support");
  const under = scoreBatch(model, micro.batch, { support: micro.support });
  const plain = scoreBatch(model, micro.batch);
  const counted = targetMask(micro.batch).weights;
  let raised = 0;
  under.forEach((v, i) => {
    if (!counted[i]) {
      assert.ok(Math.abs(v - plain[i]) < 1e-5, `prompt position ${i}`);
      return;
    }
    // log q = log p − log Σ_allowed p ≥ log p.
    assert.ok(v >= plain[i] - 1e-5, `completion position ${i}`);
    if (v > plain[i] + 1e-3) raised++;
  });
  assert.ok(raised > 0, "some completion tokens had masked alternatives");
  model.dispose();
});
