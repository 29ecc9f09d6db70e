/**
 * The haiku study's on-policy preference set: best vs worst answer per
 * topic under the study's regular reward, ties skipped, written in TRL's
 * conversational format that DPO reads.
 */
import assert from "node:assert/strict";
import { initEngine } from "../../lib/engine/mod.ts";
import { loadPreferences } from "../../lib/data/preference.ts";
import {
  bestAndWorst,
  writeHaikuPreferences,
} from "../../lib/experiments/haiku/preferences.ts";
import { haikuStudySettings } from "../../lib/experiments/haiku/settings.ts";
import { haikuRegularReward } from "../../lib/rewards/haiku.ts";
import { useLiteEmbedder } from "../../lib/rewards/use_lite.ts";
import { runDpoFromConfig } from "../../lib/train/dpo/from_config.ts";
import { REPO_ROOT } from "../helpers/run_script.ts";

await initEngine({ verbose: false });

Deno.test("bestAndWorst: the highest against the lowest score; ties, unscored and equal texts give no pair", () => {
  assert.deepEqual(bestAndWorst(["a", "b", "c"], [0.5, 1.5, -1]), {
    chosen: 1,
    rejected: 2,
  });
  // The first of equal scores wins; null (not applicable) is never picked.
  assert.deepEqual(bestAndWorst(["a", "b", "c", "d"], [2, null, 2, -3]), {
    chosen: 0,
    rejected: 3,
  });
  assert.deepEqual(bestAndWorst(["a", "b"], [0.25, 0.25]), { skip: "tie" });
  assert.deepEqual(bestAndWorst(["a", "b"], [null, null]), { skip: "tie" });
  assert.deepEqual(bestAndWorst(["x \n", " x"], [1, 0]), {
    skip: "same_text",
  });
});

Deno.test("writeHaikuPreferences: the default model's own answers ranked by haiku_regular, readable by DPO", async () => {
  const root = await Deno.makeTempDir({ prefix: "haiku-prefs-" });
  const settings = {
    ...haikuStudySettings({ fast: true }),
    trainData: `${REPO_ROOT}data/haiku/train.json`,
  };
  const out = `${root}/prefs/train.jsonl`;
  const report = await writeHaikuPreferences(settings, {
    adapter: null,
    out,
    k: 3,
    prompts: 6,
  });
  assert.equal(report.prompts, 6);
  assert.equal(report.pairs + report.ties + report.sameText, 6);
  assert.ok(report.pairs >= 3, `${report.pairs} pairs`);
  assert.equal(report.reward, "haiku_regular");
  assert.ok(report.meanChosen > report.meanRejected);

  // The file is TRL's conversational format, and every recorded reward is
  // the study's regular reward of that answer.
  const { pairs } = await loadPreferences(out);
  assert.equal(pairs.length, report.pairs);
  const rows = (await Deno.readTextFile(out)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  const reward = haikuRegularReward(useLiteEmbedder(), {
    counter: settings.counter,
  });
  for (const [i, pair] of pairs.entries()) {
    assert.ok(pair.conversational && pair.format === "conversational");
    assert.equal(pair.prompt.at(-1)!.role, "user");
    const row = rows[i];
    assert.ok(row.chosen_reward > row.rejected_reward);
    const rescored = await reward.score(
      (["chosen", "rejected"] as const).map((side) => ({
        prompt: row.prompt,
        completion: row[side][0].content,
        columns: {},
      })),
    );
    assert.ok(Math.abs(rescored[0]! - row.chosen_reward) < 1e-6);
    assert.ok(Math.abs(rescored[1]! - row.rejected_reward) < 1e-6);
  }
  // Seeded: the same inputs write the same file.
  const again = `${root}/again.jsonl`;
  await writeHaikuPreferences(settings, {
    adapter: null,
    out: again,
    k: 3,
    prompts: 6,
  });
  assert.equal(await Deno.readTextFile(again), await Deno.readTextFile(out));

  // Ready for a DPO stage: the set trains.
  const { steps, history } = await runDpoFromConfig(
    {
      train_data: out,
      output_dir: `${root}/dpo`,
      lora: { r: 4, lora_alpha: 8 },
      learning_rate: 1e-4,
      per_device_train_batch_size: 2,
      max_steps: 2,
      logging_steps: 1,
      save_steps: 0,
    },
    "test",
    { progress: false },
  );
  assert.equal(steps, 2);
  assert.equal(history[0].loss, Math.round(Math.LN2 * 1e6) / 1e6);
  await Deno.remove(root, { recursive: true });
});
