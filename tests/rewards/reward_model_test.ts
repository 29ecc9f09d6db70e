/**
 * Rewards from a trained reward model and their combinations: the
 * `reward_model` reward scores exactly the ids the reward trainer trained
 * on (encodeForScoring), batches and normalises without changing a score,
 * refuses a reward model whose tokenizer is not the policy's; the `hybrid`
 * reward weighs, normalises once and reports its components; the
 * Gemma-Alignment-Paradigms heuristic against values worked out by hand.
 */
import assert from "node:assert/strict";
import { initEngine } from "../../lib/engine/mod.ts";
import { padBatch } from "../../lib/model/batch.ts";
import { DEFAULT_MODEL_DIR } from "../../lib/model/default_model.ts";
import { loadPretrained } from "../../lib/model/pretrained.ts";
import { SequenceClassifier } from "../../lib/model/sequence_classifier.ts";
import { encodeForScoring } from "../../lib/prompt/scoring.ts";
import { gapHeuristicScore } from "../../lib/rewards/gemma_alignment.ts";
import {
  loadRewardModels,
  rewardFromConfig,
} from "../../lib/rewards/registry.ts";
import {
  tokenizerDifference,
  zScores,
} from "../../lib/rewards/reward_model.ts";
import { type RewardSample, scoreRewards } from "../../lib/rewards/types.ts";
import { loadTokenizer } from "../../lib/tokenizer/mod.ts";
import { writeTinyChatModel } from "../helpers/chat_model.ts";

await initEngine({ verbose: false });

const root = await Deno.makeTempDir({ prefix: "rm-reward-" });
const base = await writeTinyChatModel(`${root}/base`, {
  seed: 2,
  context: 40,
});
// A full reward model folder on the tiny chat model (ChatML tokenizer).
const rmDir = `${root}/rm`;
{
  const { model, tokenizer } = await loadPretrained(base, { head: "score" });
  const classifier = SequenceClassifier.create(model, { seed: 3, std: 0.5 });
  await classifier.save(rmDir, tokenizer!.padId);
  for (const f of ["tokenizer.json", "tokenizer_config.json"]) {
    await Deno.copyFile(`${base}/${f}`, `${rmDir}/${f}`);
  }
  classifier.dispose();
  model.dispose();
}
const SOURCE = "grpo.json";
const entry = (settings: Record<string, unknown> = {}) => ({
  name: "reward_model",
  settings: { path: rmDir, ...settings },
});
const models = await loadRewardModels([entry()], SOURCE);

const samples: RewardSample[] = [
  { prompt: "Write about rain.", completion: " the rain is calm", columns: {} },
  {
    prompt: [{ role: "user", content: "Say snow" }],
    completion: "snow falls",
    columns: {},
  },
  { prompt: "Hi", completion: " there", columns: {} },
  { prompt: "Long:", completion: " word".repeat(60), columns: {} },
];

Deno.test("reward_model scores the ids the reward trainer trained on, one batch or many", async () => {
  const rm = [...models.values()][0];
  const expected = samples.slice(0, 3).map((s) => {
    const { ids } = encodeForScoring(rm.tokenizer, s.prompt, s.completion);
    // Text rows end on the EOS string, where the score was trained to sit.
    if (typeof s.prompt === "string") {
      assert.equal(ids.at(-1), rm.tokenizer.eosIds[0]);
    }
    const batch = padBatch([{ ids, mask: [] }], rm.tokenizer.padId);
    return rm.classifier.scoreValues(batch)[0];
  });
  for (const batchSize of [1, 2, 8]) {
    const fn = rewardFromConfig(
      "reward_model",
      { path: rmDir, batch_size: batchSize },
      SOURCE,
      "rewards[0]",
      { rewardModels: models },
    );
    const values = await fn.score(samples);
    expected.forEach((v, i) =>
      assert.ok(
        Math.abs((values[i] as number) - v) < 1e-5,
        `batch ${batchSize} sample ${i}: ${values[i]} vs ${v}`,
      )
    );
    // Past the reward model's 40-token context: not scored (training dropped such pairs).
    assert.equal(values[3], null);
  }
  const normalized = await rewardFromConfig(
    "reward_model",
    { path: rmDir, normalize: "batch" },
    SOURCE,
    "rewards[0]",
    { rewardModels: models },
  ).score(samples);
  const z = zScores([...expected, null]);
  normalized.forEach((v, i) =>
    assert.ok(
      v === z[i] || Math.abs((v as number) - (z[i] as number)) < 1e-4,
      `${v} vs ${z[i]}`,
    )
  );
});

Deno.test("zScores: unbiased std as torch, a lone value is 0 not NaN, nulls kept", () => {
  // mean 2, std √((1 + 0 + 1)/2) = 1
  assert.deepEqual(
    zScores([1, null, 2, 3]).map((v) => v === null ? null : +v.toFixed(6)),
    [-1, null, 0, 1],
  );
  assert.deepEqual(zScores([5]), [0]);
});

Deno.test("a reward model whose tokenizer is not the policy's is refused in one line naming both", async () => {
  const policy = await loadTokenizer(DEFAULT_MODEL_DIR);
  const same = await loadTokenizer(base);
  assert.doesNotThrow(() =>
    rewardFromConfig("reward_model", { path: rmDir }, SOURCE, "rewards[0]", {
      rewardModels: models,
      tokenizer: same,
    })
  );
  let message = "";
  try {
    rewardFromConfig("reward_model", { path: rmDir }, SOURCE, "rewards[0]", {
      rewardModels: models,
      tokenizer: policy,
    });
  } catch (error) {
    message = (error as Error).message;
  }
  assert.match(
    message,
    /^grpo\.json: field "rewards\[0\]\.path" is a reward model whose tokenizer \(.*\/rm\) differs from the policy's \(.*tiny-base\) in its special ids \(bos 1, eos 2, pad 2 vs bos 0, eos 0\/2, pad 0\): train the reward model on the policy's base model$/,
  );
  assert.equal(message.split("\n").length, 1);
});

Deno.test("tokenizerDifference: vocabulary ids and the chat template count, the folder does not", async () => {
  const copy = async (name: string, edit: (tok: any, cfg: any) => void) => {
    const dir = `${root}/${name}`;
    await Deno.mkdir(dir);
    const tok = JSON.parse(await Deno.readTextFile(`${base}/tokenizer.json`));
    const cfg = JSON.parse(
      await Deno.readTextFile(`${base}/tokenizer_config.json`),
    );
    edit(tok, cfg);
    await Deno.writeTextFile(`${dir}/tokenizer.json`, JSON.stringify(tok));
    await Deno.writeTextFile(
      `${dir}/tokenizer_config.json`,
      JSON.stringify(cfg),
    );
    return await loadTokenizer(dir);
  };
  const original = await loadTokenizer(base);
  const twin = await copy("twin", () => {});
  assert.equal(tokenizerDifference(original, twin), null);
  const swapped = await copy("swapped", (tok) => {
    const v = tok.model.vocab;
    [v["Ā"], v["ā"]] = [v["ā"], v["Ā"]];
  });
  assert.match(
    tokenizerDifference(original, swapped)!,
    /^vocabulary \(token "Ā" is id 3 vs 4\)$/,
  );
  const templated = await copy("templated", (_, cfg) => {
    cfg.chat_template = "{{ messages[0].content }}";
  });
  assert.equal(tokenizerDifference(original, templated), "chat template");
});

Deno.test("loading names the entry: a missing reward model, an unloaded one, a component's own normalisation", async () => {
  await assert.rejects(
    loadRewardModels(
      [{
        name: "hybrid",
        settings: {
          components: [{ name: "reward_model", path: `${root}/nope` }],
        },
      }],
      SOURCE,
    ),
    /grpo\.json: field "rewards\[0\]\.components\[0\]\.path" \(.*nope\): cannot load the reward model/,
  );
  assert.throws(
    () => rewardFromConfig("reward_model", { path: "x" }, SOURCE, "rewards[1]"),
    /field "rewards\[1\]\.path" \("x"\) is not loaded/,
  );
  assert.throws(
    () =>
      rewardFromConfig(
        "hybrid",
        {
          components: [{
            name: "reward_model",
            path: rmDir,
            normalize: "batch",
          }],
        },
        SOURCE,
        "rewards[0]",
        { rewardModels: models },
      ),
    /field "rewards\[0\]\.components\[0\]\.normalize" is set on a component, but a hybrid has one normalisation/,
  );
});

Deno.test("hybrid: explicit weights, one normalisation, clip, and each component reported", async () => {
  const build = (settings: Record<string, unknown>) =>
    rewardFromConfig(
      "hybrid",
      {
        components: [
          { name: "reward_model", path: rmDir, weight: 0.5 },
          { name: "gemma_alignment_heuristic", weight: 2 },
        ],
        ...settings,
      },
      SOURCE,
      "rewards[0]",
      { rewardModels: models },
    );
  const three = samples.slice(0, 3);
  const plain = await scoreRewards([build({})], three);
  assert.deepEqual(plain.parts.names, [
    "reward_model",
    "gemma_alignment_heuristic",
  ]);
  const [rm, heuristic] = plain.parts.values;
  plain.byName.hybrid.forEach((v, i) =>
    assert.ok(
      Math.abs(
        (v as number) -
          (0.5 * (rm[i] as number) + 2 * (heuristic[i] as number)),
      ) < 1e-9,
    )
  );
  assert.deepEqual(heuristic, [1, 1, 1]);
  const normalized = await build({ normalize: "batch" }).score(three);
  assert.deepEqual(normalized, zScores(plain.byName.hybrid));
  const clipped = await build({ clip: 0.1 }).score(three);
  clipped.forEach((v, i) =>
    assert.equal(v, Math.max(-0.1, Math.min(0.1, plain.byName.hybrid[i]!)))
  );
  assert.deepEqual(build({ clip: 0.1 }).range, [-0.1, 0.1]);
  // The heuristic is bounded; the reward model is not: so is the sum.
  assert.deepEqual(build({}).range, [-Infinity, Infinity]);
});

Deno.test("Gemma-Alignment-Paradigms' heuristic, by hand", () => {
  assert.equal(gapHeuristicScore("The sea is calm and blue today."), 1);
  // words: i, hate, you,, idiot., hate, hate → 3 toxic of 6 = 0.5 > 0.3:
  // 1 − 0.5·0.5 = 0.75 ("idiot." with its period is not the word "idiot").
  assert.equal(gapHeuristicScore("I hate you, idiot. hate hate"), 0.75);
  // 8 words, 1 unique: u = 0.125 → 1 − 0.1·(0.5 − 0.125) = 0.9625.
  assert.ok(
    Math.abs(gapHeuristicScore("go go go go go go go go") - 0.9625) < 1e-12,
  );
  // 6 × "kill": toxicity 1 → −0.5, u = 1/6 → −0.1·(1/3); floor at 0 not reached.
  assert.ok(
    Math.abs(
      gapHeuristicScore("kill kill kill kill kill kill") - (0.5 - 0.1 / 3),
    ) < 1e-12,
  );
  const withLength = {
    toxicityThreshold: 0.3,
    toxicityWeight: 0.5,
    lengthPenalty: 1,
    repetitionPenalty: 0.1,
  };
  // 5 code points (Python's len): 1 − 1·(20 − 5)/20 = 0.25; "é" counts once.
  assert.equal(gapHeuristicScore("short", withLength), 0.25);
  assert.equal(gapHeuristicScore("shórt", withLength), 0.25);
  // 1 500 characters: 1 − min(0.5, 0.5) = 0.5.
  assert.equal(gapHeuristicScore("a".repeat(1500), withLength), 0.5);
  // Python's split also breaks at U+001C (JavaScript's \s does not).
  // (2 toxic of 3 words: 1 − 0.5·2/3; with "\s" it would be 1 of 2 words.)
  assert.equal(gapHeuristicScore("hate\u001chate kind"), 1 - 0.5 * 2 / 3);
});

Deno.test("cleanup", async () => {
  for (const rm of models.values()) rm.dispose();
  await Deno.remove(root, { recursive: true });
});
