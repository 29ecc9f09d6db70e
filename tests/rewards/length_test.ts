import assert from "node:assert/strict";
import {
  completionLength,
  finetunedLlamaRewardLen,
  finetunedLlamaRewardTokenLength,
  lengthReward,
  softOverlongPunishment,
} from "../../lib/rewards/length.ts";
import { type RewardSample, scoreRewards } from "../../lib/rewards/types.ts";
import { loadTokenizer } from "../../lib/tokenizer/mod.ts";

const sample = (
  completion: string,
  extra: Partial<RewardSample> = {},
): RewardSample => ({
  prompt: "Summarise: …",
  completion,
  columns: {},
  ...extra,
});
const words = (n: number) =>
  Array.from({ length: n }, (_, i) => `w${i}`).join(" ");

Deno.test("finetuned-llama's reward_len: −|50 − characters|, characters counted as Python does", async () => {
  const fn = finetunedLlamaRewardLen();
  assert.equal(fn.name, "reward_len");
  const scored = await scoreRewards([fn], [
    sample("x".repeat(50)),
    sample("x".repeat(45)),
    sample("x".repeat(60)),
    sample("héllo 🐸"), // 7 code points (8 UTF-16 units)
  ]);
  assert.deepEqual(scored.byName.reward_len, [0, -5, -10, -43]);
  assert.equal(completionLength("héllo 🐸", "chars"), 7);
});

Deno.test("finetuned-llama's reward_token_length: words, linear below 50 and quadratic above", async () => {
  const fn = finetunedLlamaRewardTokenLength();
  const scored = await scoreRewards([fn], [
    sample(words(40)),
    sample(words(50)),
    sample(words(53)),
    sample(` ${words(10)}\n\n${words(5)}\t`),
  ]);
  assert.deepEqual(scored.byName.reward_token_length, [-5, 0, -18, -17.5]);
  assert.equal(
    completionLength("a\u00a0b\u2003c", "words"),
    3,
    "Python's whitespace",
  );
});

Deno.test("a conversational sample is measured on its completion text only", async () => {
  // finetuned-llama measured TRL's message list: len() was 1 for every completion.
  const long = "word ".repeat(500);
  const s = sample("Ahab chases the whale.", {
    prompt: [{ role: "user", content: long }],
    messages: [
      { role: "user", content: long },
      { role: "assistant", content: "Ahab chases the whale." },
    ],
  });
  const scored = await scoreRewards([
    finetunedLlamaRewardLen(),
    finetunedLlamaRewardTokenLength(),
  ], [s]);
  assert.deepEqual(scored.values, [[-28], [-23]]);
});

Deno.test("normalised forms lie in [−1, 0]", async () => {
  const fn = lengthReward({ unit: "words", target: 50, form: "normalized" });
  assert.deepEqual(fn.range, [-1, 0]);
  assert.equal(fn.name, "length_words_normalized");
  const scored = await scoreRewards([fn], [
    sample(words(25)),
    sample(words(50)),
    sample(words(150)),
  ]);
  assert.deepEqual(scored.total, [-0.5, 0, -1]);
  assert.deepEqual(
    await lengthReward({ unit: "chars", target: 4, form: "normalized" }).score([
      sample("abcdef"),
    ]),
    [-0.5],
  );
});

Deno.test("token lengths come from the tokenizer, without special tokens", async () => {
  const tok = await loadTokenizer(
    new URL("../fixtures/tokenizers/chatml", import.meta.url).pathname,
  );
  const fn = lengthReward({ unit: "tokens", target: 2, tokenizer: tok });
  // "Hello world" = [273, 276]; "xyz" = three byte tokens; "é" = two bytes.
  assert.deepEqual(
    await fn.score([sample("Hello world"), sample("xyz"), sample("é")]),
    [0, -1, 0],
  );
  assert.throws(
    () => lengthReward({ unit: "tokens", target: 2 }),
    /needs a tokenizer/,
  );
  assert.throws(
    () => lengthReward({ unit: "chars", target: 0 }),
    /target must be a positive number/,
  );
});

Deno.test("DAPO soft overlong punishment matches TRL's piecewise form", async () => {
  const fn = softOverlongPunishment({ maxLength: 20, cacheLength: 5 });
  const ids = (n: number) =>
    sample("…", { completionIds: Array.from({ length: n }, () => 7) });
  const scored = await scoreRewards([fn], [
    ids(10),
    ids(15),
    ids(16),
    ids(18),
    ids(20),
    ids(21),
  ]);
  const got = scored.byName.soft_overlong as number[];
  [0, 0, -0.2, -0.6, -1, -1].forEach((v, i) =>
    assert.ok(Math.abs(got[i] - v) < 1e-12, `${i}: ${got[i]}`)
  );
  await assert.rejects(
    () => scoreRewards([fn], [sample("no ids here")]),
    /reward "soft_overlong" failed on sample 0 \(completion "no ids here"\): the sample has no completionIds and no tokenizer/,
  );
  const tok = await loadTokenizer(
    new URL("../fixtures/tokenizers/chatml", import.meta.url).pathname,
  );
  const counted = softOverlongPunishment({
    maxLength: 4,
    cacheLength: 2,
    tokenizer: tok,
  });
  assert.deepEqual(
    await counted.score([
      sample("Hello world"),
      sample("xyz"),
      sample("abcdefgh"),
    ]),
    [0, -0.5, -1],
  );
  assert.throws(
    () => softOverlongPunishment({ maxLength: 4, cacheLength: 5 }),
    /0 < cacheLength ≤ maxLength/,
  );
});
