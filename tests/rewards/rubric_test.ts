import assert from "node:assert/strict";
import { parseJudgeScores } from "../../lib/rewards/judge_parse.ts";
import {
  judgePrompt,
  parseRubric,
  rarLegacyProxy,
  rubricJudgeReward,
  rubricOverlapProxy,
  rubricOverlapScore,
} from "../../lib/rewards/rubric.ts";
import { sequenceMatcherRatio } from "../../lib/rewards/sequence_matcher.ts";
import { type RewardSample, scoreRewards } from "../../lib/rewards/types.ts";

interface Golden {
  cases: {
    id: string;
    rubric: string;
    reference: string;
    response: string;
    overlap: number;
    ratio: number;
  }[];
  ratios: { a: string; b: string; ratio: number }[];
}
// Made by tests/fixtures/rewards/rubric_golden.py with Python's difflib.
const golden: Golden = JSON.parse(
  Deno.readTextFileSync(
    new URL("../fixtures/rewards/rubric_golden.json", import.meta.url),
  ),
);
const rows = Deno.readTextFileSync(
  new URL("../../data/rubric/train.jsonl", import.meta.url),
)
  .trim().split("\n").slice(0, 3).map((l) => JSON.parse(l));

Deno.test("difflib's SequenceMatcher ratio, autojunk included, matches Python", () => {
  for (const { a, b, ratio } of golden.ratios) {
    assert.ok(
      Math.abs(sequenceMatcherRatio(a, b) - ratio) < 1e-12,
      `${a.slice(0, 20)} | ${b.slice(0, 20)}`,
    );
  }
  for (const c of golden.cases) {
    assert.ok(
      Math.abs(sequenceMatcherRatio(c.reference, c.response) - c.ratio) < 1e-12,
      c.id,
    );
  }
});

Deno.test("the legacy overlap proxy reproduces ee596-fp and rewards copying the rubric", async () => {
  for (const c of golden.cases) {
    assert.ok(
      Math.abs(rubricOverlapScore(c.response, c.rubric) - c.overlap) < 1e-9,
      c.id,
    );
  }
  const proxy = rubricOverlapProxy();
  assert.equal(proxy.name, "rubric_overlap_proxy");
  assert.match(proxy.description, /LEGACY PROXY/);
  const rar = rarLegacyProxy();
  const cases = golden.cases.slice(0, 5); // row rubric-001: reference, partial, "I do not know", the rubric, reversed
  const samples: RewardSample[] = cases.map((c) => ({
    prompt: "…",
    completion: c.response,
    columns: rows[0],
  }));
  const scored = await scoreRewards([proxy, rar], samples);
  cases.forEach((c, i) => {
    assert.ok(
      Math.abs(scored.byName.rubric_overlap_proxy[i]! - c.overlap) < 1e-9,
    );
    assert.ok(
      Math.abs(scored.byName.rar_legacy_proxy[i]! - (c.overlap + 5 * c.ratio)) <
        1e-9,
    );
  });
  assert.equal(
    scored.byName.rubric_overlap_proxy[3],
    10,
    "pasting the rubric earns the maximum",
  );
  await assert.rejects(
    () =>
      scoreRewards([proxy], [{
        prompt: "…",
        completion: "x",
        columns: { question: "q" },
      }]),
    /needs the dataset column "rubric", but the row has only: question/,
  );
});

/**
 * A small rule-based judge (an injected dependency, like the Gemini one):
 * reads the criteria and the response out of the prompt and gives a
 * criterion full points when the response contains its first keyword.
 */
function keywordJudge(keywords: string[], seen: string[] = []) {
  return (prompt: string): Promise<string> => {
    seen.push(prompt);
    const response = prompt.split("<response>\n")[1].split("\n</response>")[0]
      .toLowerCase();
    const criteria = [...prompt.matchAll(/^(\d+)\. \((\d+) points?\)/gm)];
    const scores = criteria.map(([, n, points], i) => ({
      criterion: Number(n),
      points: response.includes(keywords[i]) ? Number(points) : 0,
    }));
    return Promise.resolve(
      `Here is my grading.\n\`\`\`json\n${JSON.stringify({ scores })}\n\`\`\``,
    );
  };
}

const waterRow = rows[0]; // rubric-001: 2 + 2 + 1 + 1 points
const answerSample = (answer: string, columns = waterRow): RewardSample => ({
  prompt: [{ role: "user", content: columns.question }],
  completion:
    `<reasoning>I recall that pressure matters.</reasoning>\n<answer>${answer}</answer>`,
  columns,
});

Deno.test("judge reward: points earned over points available, from the answer block", async () => {
  const prompts: string[] = [];
  const fn = rubricJudgeReward(
    keywordJudge(["pressure", "vapour", "90", "slowly"], prompts),
  );
  const scored = await scoreRewards([fn], [
    answerSample("Air pressure is lower up high, so food cooks slowly."),
    answerSample(
      "Lower pressure; vapour pressure equals it near 90 °C; food cooks slowly.",
    ),
    answerSample("I do not know."),
  ]);
  assert.deepEqual(scored.total, [3 / 6, 1, 0]);
  const p = prompts[0];
  assert.ok(p.includes(waterRow.question));
  assert.ok(
    p.includes(
      "1. (2 points) States that air pressure is lower at high altitude",
    ),
  );
  assert.ok(p.includes("4. (1 point) Notes that food cooks more slowly"));
  assert.ok(
    p.includes(
      "<response>\nAir pressure is lower up high, so food cooks slowly.\n</response>",
    ),
  );
  assert.ok(
    !p.includes("I recall"),
    "the reasoning block is not graded by default",
  );
  assert.equal(
    judgePrompt("q", [{ criterion: "c", points: 1 }], "a").split("\n").at(-1),
    '{"scores": [{"criterion": 1, "points": <number>}]}',
  );
});

Deno.test("malformed judge outputs are unreadable (null by default), with the reason", async () => {
  const max = [2, 2, 1, 1];
  const ok = (output: string, points: number[]) =>
    assert.deepEqual(parseJudgeScores(output, max), { points }, output);
  const bad = (output: string, reason: RegExp) => {
    const parsed = parseJudgeScores(output, max);
    assert.ok("reason" in parsed, output);
    assert.match(parsed.reason, reason);
  };
  ok(
    '{"scores":[{"criterion":1,"points":2},{"criterion":2,"points":1.5},{"criterion":3,"points":0},{"criterion":4,"points":1}]}',
    [2, 1.5, 0, 1],
  );
  ok('Criterion [1] is met.\n{"scores": {"1": 2, "2": 0, "3": 1, "4": "1"}}', [
    2,
    0,
    1,
    1,
  ]);
  ok(
    '[{"id": 4, "met": true}, {"id": 3, "met": false}, {"id": 2, "met": true}, {"id": 1, "met": false}]',
    [0, 2, 0, 1],
  );
  ok('{"1": 1, "2": 1, "3": 1, "4": 1} trailing words', [1, 1, 1, 1]);
  bad("I think it deserves full marks.", /no JSON/);
  bad(
    '{"scores":[{"criterion":1,"points":2},{"criterion":2,"points":2}',
    /no list of scores/,
  ); // cut off
  bad(
    '{"scores":[{"criterion":1,"points":2},{"criterion":2,"points":2},{"criterion":3,"points":1}]}',
    /no score for criterion 4/,
  );
  bad(
    '{"scores":[{"criterion":1,"points":3},{"criterion":2,"points":2},{"criterion":3,"points":1},{"criterion":4,"points":1}]}',
    /criterion 1: 3 is not a score from 0 to 2/,
  );
  bad(
    '{"scores":[{"criterion":1,"points":1},{"criterion":1,"points":1},{"criterion":3,"points":1},{"criterion":4,"points":1}]}',
    /criterion 1 is scored twice/,
  );
  bad(
    '{"scores":[{"criterion":5,"points":1}]}',
    /criterion 5 is not one of 1..4/,
  );
  bad('{"scores":[{"criterion":1,"points":"two"}]}', /"two" is not a score/);
  bad('{"verdict": "good"}', /no list of scores/);

  const outputs = [
    "not json at all",
    '{"scores":[{"criterion":1,"points":2}]}',
  ];
  const seen: { sampleIndex: number; reason: string }[] = [];
  let call = 0;
  const fn = rubricJudgeReward(() => Promise.resolve(outputs[call++]), {
    onUnparsable: ({ sampleIndex, reason }) =>
      seen.push({ sampleIndex, reason }),
    concurrency: 1,
  });
  const scored = await scoreRewards([fn], [
    answerSample("a"),
    answerSample("b"),
  ]);
  assert.deepEqual(scored.total, [null, null]);
  assert.deepEqual(seen.map((s) => s.sampleIndex), [0, 1]);
  assert.match(seen[1].reason, /no score for criterion 2, 3, 4/);

  const strict = rubricJudgeReward(() => Promise.resolve("full marks!"), {
    unparsable: "error",
  });
  await assert.rejects(
    () => scoreRewards([strict], [answerSample("a")]),
    /reward "rubric_judge" failed on sample 0 .*unreadable judge output \(no JSON object or list in the reply\): "full marks!"/,
  );
});

Deno.test("a failing judge names the sample; concurrency is bounded", async () => {
  const failing = rubricJudgeReward((prompt) =>
    prompt.includes("boom")
      ? Promise.reject(new Error("quota exceeded"))
      : keywordJudge(["x", "x", "x", "x"])(prompt)
  );
  await assert.rejects(
    () => scoreRewards([failing], [answerSample("fine"), answerSample("boom")]),
    /reward "rubric_judge" failed on sample 1 .*quota exceeded/,
  );
  let inFlight = 0, peak = 0;
  const slow = rubricJudgeReward(async (prompt) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((r) => setTimeout(r, 5));
    inFlight--;
    return keywordJudge(["pressure", "x", "x", "x"])(prompt);
  }, { concurrency: 2 });
  const scored = await scoreRewards(
    [slow],
    Array.from({ length: 6 }, () => answerSample("pressure")),
  );
  assert.deepEqual(scored.total, Array(6).fill(2 / 6));
  assert.equal(peak, 2);
});

Deno.test("the rubric stays out of the policy prompt", async () => {
  const fn = rubricJudgeReward(keywordJudge(["x", "x", "x", "x"]));
  const leaked: RewardSample = {
    ...answerSample("a"),
    prompt: `Rubric:\n${
      waterRow.rubric.map((c: { criterion: string }) => c.criterion).join("\n")
    }\n\n${waterRow.question}`,
  };
  await assert.rejects(
    () => scoreRewards([fn], [leaked]),
    /rubric criterion 1 appears in the policy prompt/,
  );
});

Deno.test("rubric cells: criteria lists, string lists and bulleted text", () => {
  assert.deepEqual(parseRubric(waterRow.rubric).map((c) => c.points), [
    2,
    2,
    1,
    1,
  ]);
  assert.deepEqual(parseRubric(["a", "b"]), [{ criterion: "a", points: 1 }, {
    criterion: "b",
    points: 1,
  }]);
  assert.deepEqual(
    parseRubric("- States A\n2) Explains B\n\n• Notes C").map((c) =>
      c.criterion
    ),
    [
      "States A",
      "Explains B",
      "Notes C",
    ],
  );
  assert.throws(
    () => parseRubric([{ criterion: "a", points: 0 }], 'column "rubric"'),
    /column "rubric"\[0\] must be/,
  );
  assert.throws(() => parseRubric(""), /has no criteria/);
  assert.throws(() => parseRubric(7), /must be text or a list/);
});
