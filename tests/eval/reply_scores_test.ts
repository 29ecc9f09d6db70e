/** KL estimates and reward scores of sampled replies, one per reply, regrouped per prompt. */
import assert from "node:assert/strict";
import { initEngine } from "../../lib/engine/mod.ts";
import { sampleCompletions } from "../../lib/eval/generate_samples.ts";
import {
  klEstimates,
  perPrompt,
  rewardScores,
} from "../../lib/eval/reply_scores.ts";
import { loadPretrained } from "../../lib/model/pretrained.ts";
import type { RewardFunction } from "../../lib/rewards/types.ts";
import { writeTinyChatModel } from "../helpers/chat_model.ts";

await initEngine({ verbose: false });

Deno.test("klEstimates: zero against the same model, Σ log π − log π_ref against another; rewardScores in reply order; perPrompt regroups", async () => {
  const dir = Deno.makeTempDirSync();
  const a = await loadPretrained(
    await writeTinyChatModel(`${dir}/a`, { seed: 1 }),
  );
  const b = await loadPretrained(
    await writeTinyChatModel(`${dir}/b`, { seed: 2 }),
  );
  try {
    const prompts = ["hello there", "a b c"];
    const { outputs } = sampleCompletions(a.model, a.tokenizer!, prompts, {
      k: 2,
      seed: 3,
      sampling: "standard",
      maxNewTokens: 5,
    });
    const same = klEstimates(a.model, a.model, a.tokenizer!, prompts, outputs);
    assert.deepEqual(same, [0, 0, 0, 0]);
    const other = klEstimates(
      a.model,
      b.model,
      a.tokenizer!,
      prompts,
      outputs,
    );
    assert.equal(other.length, 4);
    assert.ok(other.every((x) => Number.isFinite(x) && x !== 0));
    const length: RewardFunction = {
      name: "chars",
      range: [0, Infinity],
      description: "characters of the reply",
      score: (samples) => samples.map((s) => s.completion.length),
    };
    const scores = await rewardScores(length, prompts, outputs);
    assert.deepEqual(
      scores,
      outputs.flatMap((o) => o.samples.map((t) => t.trim().length)),
    );
    assert.deepEqual(perPrompt([1, 2, 3, 4], 2), [[1, 2], [3, 4]]);
  } finally {
    a.model.dispose();
    b.model.dispose();
  }
});
