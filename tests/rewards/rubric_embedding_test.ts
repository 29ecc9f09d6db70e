import assert from "node:assert/strict";
import { rewardFromConfig } from "../../lib/rewards/registry.ts";
import {
  gradedSentences,
  gradeRubricItems,
  rubricEmbeddingReward,
} from "../../lib/rewards/rubric_embedding.ts";
import { parseRubric } from "../../lib/rewards/rubric.ts";
import { type RewardSample, scoreRewards } from "../../lib/rewards/types.ts";
import { useLiteEmbedder } from "../../lib/rewards/use_lite.ts";

const embedder = useLiteEmbedder();
const rows = Deno.readTextFileSync(
  new URL("../../data/rubric/eval.jsonl", import.meta.url),
).trim().split("\n").map((l) => JSON.parse(l));

const sample = (completion: string, row = rows[0]): RewardSample => ({
  prompt: [{ role: "user", content: row.question }],
  completion,
  columns: row,
});

Deno.test("gradedSentences drops tags and blanks, splits sentences and lines, caps the count", () => {
  assert.deepEqual(
    gradedSentences(
      "<reasoning>\nA b. C d?\n</reasoning>\n<answer>\n!\nE\n</answer>",
    ),
    ["A b.", "C d?", "E"],
  );
  assert.equal(gradedSentences("One. Two. Three. Four.", 2).length, 2);
  assert.deepEqual(gradedSentences(""), []);
});

Deno.test("rubric_embedding: own reference answers beat other questions' answers on most eval rows", async () => {
  const reward = rubricEmbeddingReward(embedder);
  const own = await reward.score(
    rows.map((r) => sample(r.reference_answer, r)),
  );
  const other = await reward.score(
    rows.map((r, i) => sample(rows[(i + 1) % rows.length].reference_answer, r)),
  );
  const wins = own.filter((v, i) => v! > other[i]!).length;
  assert.ok(wins / rows.length >= 0.9, `own > other on ${wins}/${rows.length}`);
  const mean = (xs: (number | null)[]) =>
    xs.reduce((s: number, x) => s + x!, 0) / xs.length;
  assert.ok(mean(own) > 0.6, `own mean ${mean(own)}`);
  assert.ok(mean(other) < 0.3, `other mean ${mean(other)}`);
});

Deno.test("rubric_embedding: range [0, 1]; verbatim criteria earn ~full credit; empty earns 0", async () => {
  const reward = rubricEmbeddingReward(embedder);
  const row = rows[1];
  const criteria = parseRubric(row.rubric);
  const restated = `<reasoning>\n${
    criteria.map((c) => c.criterion + ".").join(" ")
  }\n</reasoning>\n<answer>\nDone.\n</answer>`;
  const scored = await scoreRewards([reward], [
    sample(restated, row),
    sample("", row),
    sample("<reasoning></reasoning><answer></answer>", row),
    sample("Purple elephants dance quietly.", row),
  ]);
  const [full, empty, tagsOnly, offTopic] = scored.total as number[];
  assert.ok(full > 0.97, `verbatim criteria scored ${full}`);
  assert.equal(empty, 0);
  assert.equal(tagsOnly, 0);
  assert.ok(offTopic >= 0 && offTopic < 0.2, `off-topic scored ${offTopic}`);
  const grades = await gradeRubricItems(embedder, [{
    completion: restated,
    criteria,
  }]);
  grades[0].credits.forEach((c) => assert.ok(c > 0.95 && c <= 1, `${c}`));
});

Deno.test("rubric_embedding: a missing rubric column names the reward and the column", async () => {
  const reward = rubricEmbeddingReward(embedder, { column: "criteria" });
  await assert.rejects(
    scoreRewards([reward], [sample("Some answer.")]),
    /reward "rubric_embedding".*column "criteria"/s,
  );
});

Deno.test("rubric_embedding: a criterion in the policy prompt is refused", async () => {
  const row = rows[0];
  const leaked: RewardSample = {
    prompt: [{
      role: "user",
      content: `${row.question}\nRubric:\n${row.rubric[0].criterion}`,
    }],
    completion: "An answer.",
    columns: row,
  };
  await assert.rejects(
    scoreRewards([rubricEmbeddingReward(embedder)], [leaked]),
    /criterion 1 appears in the policy prompt/,
  );
});

Deno.test("rubric_embedding is registered, says it is not an LLM judge, and checks its settings", () => {
  const reward = rewardFromConfig(
    "rubric_embedding",
    { floor: 0.2, ceil: 0.8 },
    "test.json",
    "rewards[0]",
  );
  assert.equal(reward.name, "rubric_embedding");
  assert.deepEqual(reward.range, [0, 1]);
  assert.match(reward.description, /embedding-similarity/);
  assert.match(reward.description, /not an LLM judge/);
  assert.throws(
    () =>
      rewardFromConfig("rubric_embedding", { flor: 0.2 }, "test.json", "r[0]"),
    /flor/,
  );
  assert.throws(
    () => rubricEmbeddingReward(embedder, { floor: 0.8, ceil: 0.5 }),
    /ceil \(0.5\) must be above floor \(0.8\)/,
  );
});

Deno.test({
  name: "close the embedder",
  fn: async () => await embedder.close?.(),
  sanitizeOps: false,
  sanitizeResources: false,
});
