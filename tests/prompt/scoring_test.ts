import assert from "node:assert/strict";
import {
  describePairReport,
  encodeForScoring,
  encodePreferencePairs,
} from "../../lib/prompt/mod.ts";
import {
  CHAT,
  DPO,
  kept,
  REWARD,
  SKY,
  TOKENIZERS,
} from "./preference_helpers.ts";

const { gemma3, llama3 } = TOKENIZERS;

Deno.test("encodeForScoring gives the reward model's training ids for (prompt, completion)", () => {
  for (const [name, tok] of Object.entries(TOKENIZERS)) {
    for (const pair of [SKY, CHAT]) {
      const trained = kept(tok, pair, { ...REWARD, maxLength: 1024 });
      for (const side of ["chosen", "rejected"] as const) {
        const completion = typeof pair[side] === "string"
          ? pair[side] as string
          : (pair[side] as { content: string }[])[0].content;
        const scored = encodeForScoring(tok, pair.prompt, completion, {
          maxLength: 1024,
        });
        assert.deepEqual(
          scored.ids,
          [...trained.promptIds, ...trained[`${side}Ids`]],
          `${name} ${side}`,
        );
        assert.equal(scored.tooLong, false);
      }
    }
  }
  // A completion that already ends with EOS (decoded with special tokens) is not doubled.
  const once = encodeForScoring(llama3, "Hi", " there<|eot_id|>").ids;
  assert.deepEqual(once, encodeForScoring(llama3, "Hi", " there").ids);
  assert.equal(
    encodeForScoring(gemma3, "The sky is", " blue.", { maxLength: 6 }).tooLong,
    true,
  );
  assert.equal(
    encodeForScoring(gemma3, "The sky is", " blue.", {
      maxLength: 50,
      contextLength: 6,
    }).tooLong,
    true,
  );
  // RewardConfig.eos_token: another end token, which must be in the vocabulary.
  assert.equal(
    encodeForScoring(gemma3, "Hi", " there", { eosToken: "<eos>" }).ids.at(-1),
    gemma3.tokenToId("<eos>"),
  );
  assert.throws(
    () => encodeForScoring(gemma3, "Hi", " there", { eosToken: "<nope>" }),
    /^InputError: eos_token "<nope>" is not in the vocabulary of the tokenizer in /,
  );
});

Deno.test("the model's context caps max_length, with a note", () => {
  const capped = encodePreferencePairs(gemma3, [SKY], {
    ...DPO,
    maxLength: 1024,
    contextLength: 6,
  });
  assert.equal(capped.report.maxLength, 6);
  assert.deepEqual(capped.report.notes, [
    "max_length 1024 is past the model's context of 6 tokens (max_position_embeddings): the limit is 6",
  ]);
  assert.equal(capped.pairs[0].chosenIds.length, 2);
  assert.match(
    describePairReport(capped.report, "t.jsonl"),
    /; max_length 1024 is past the model's context of 6 tokens/,
  );
  const unlimited = encodePreferencePairs(gemma3, [SKY], {
    ...REWARD,
    contextLength: 6,
  });
  assert.equal(unlimited.report.dropped, 1);
  assert.match(
    unlimited.report.notes[0],
    /^max_length is null \(no limit\), so the model's context of 6 tokens/,
  );
  const fine = encodePreferencePairs(gemma3, [SKY], {
    ...DPO,
    maxLength: 512,
    contextLength: 32768,
  });
  assert.deepEqual([fine.report.maxLength, fine.report.notes], [512, []]);
  for (const bad of [0, -3, 2.5]) {
    assert.throws(
      () => encodePreferencePairs(gemma3, [SKY], { ...DPO, maxLength: bad }),
      new RegExp(
        `^InputError: max_length must be a positive whole number or null, got ${bad}$`,
      ),
    );
  }
});
