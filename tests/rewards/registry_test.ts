import assert from "node:assert/strict";
import { rewardFromConfig, rewardNames } from "../../lib/rewards/registry.ts";
import { type RewardSample, scoreRewards } from "../../lib/rewards/types.ts";

// Config entries → reward functions (lib/rewards/registry.ts): names, the
// settings each accepts, and errors that name the config entry.

const sample = (completion: string): RewardSample => ({
  prompt: "Why?",
  completion,
  columns: { answer: "It is 4.\n#### 4" },
});

Deno.test("registry: every name that needs no run context builds from its defaults", () => {
  const needsSettings = new Set([
    "length",
    "soft_overlong",
    "rubric_judge",
    "reward_model",
    "hybrid",
  ]);
  for (const name of rewardNames().filter((n) => !needsSettings.has(n))) {
    const fn = rewardFromConfig(name, {}, "test.json", "rewards[0]");
    assert.equal(typeof fn.score, "function", name);
    assert.ok(fn.description.length > 0, name);
  }
});

Deno.test("registry: an unknown name lists the known ones; an unknown setting names the entry", () => {
  assert.throws(
    () => rewardFromConfig("haiku_sprase", {}, "grpo.json", "rewards[1]"),
    /grpo\.json.*rewards\[1\]\.name.*"haiku_sprase", not a known reward; known: .*haiku_sparse/,
  );
  assert.throws(
    () =>
      rewardFromConfig(
        "format_strict",
        { styel: "think" },
        "grpo.json",
        "rewards[0]",
      ),
    /grpo\.json.*rewards\[0\]\.styel.*not a known setting here; known: style/,
  );
  assert.throws(
    () =>
      rewardFromConfig(
        "length",
        { unit: "tokens", target: 10 },
        "grpo.json",
        "rewards[0]",
      ),
    /rewards\[0\]\.unit.*needs the run's tokenizer/,
  );
  assert.throws(
    () => rewardFromConfig("rubric_judge", {}, "grpo.json", "rewards[2]"),
    /rubric_judge" needs a judge model/,
  );
});

Deno.test("registry: ee596-fp's and finetuned-llama's format rewards score as those projects did", async () => {
  const completions = [
    "<reasoning>\nadd them\n</reasoning>\n<answer>\n4\n</answer>",
    "<answer>4",
    "four",
    "<think>add</think> <answer>4</answer>",
    "<think>\nadd\n</think>\n<answer>4</answer>",
  ];
  const fns = ["ee596_match_format", "ee596_format", "finetuned_llama_format"]
    .map((
      name,
    ) => rewardFromConfig(name, {}, "test.json", "rewards[0]"));
  const scored = await scoreRewards(fns, completions.map(sample));
  // Any opening <answer> tag earns 0.5, even inside finetuned-llama's think format.
  assert.deepEqual(scored.byName.ee596_match_format, [2, 0.5, -1, 0.5, 0.5]);
  // ±1 per non-empty block, +0.5 for an answer under 100 characters.
  assert.deepEqual(scored.byName.ee596_format, [2.5, -2, -2, 0.5, 0.5]);
  // finetuned-llama's pattern has no DOTALL: the multi-line completion fails.
  assert.deepEqual(scored.byName.finetuned_llama_format, [0, 0, 0, 1, 0]);
});
