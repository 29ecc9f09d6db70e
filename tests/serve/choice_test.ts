/**
 * One choice's bookkeeping, token by token: stop strings that span tokens
 * cut the text (and a stream never sees text that could still become one),
 * stop tokens end it with vLLM's stop_reason, and log-probs are the exact
 * log-softmax of the logits with the top alternatives.
 */
import assert from "node:assert/strict";
import { DEFAULT_MODEL_DIR } from "../../lib/model/default_model.ts";
import { Choice, tokenLogprob } from "../../lib/serve/choice.ts";
import { loadTokenizer } from "../../lib/tokenizer/mod.ts";

const tokenizer = await loadTokenizer(DEFAULT_MODEL_DIR);
const logits = new Float32Array(tokenizer.vocabSize);
const settings = {
  stop: [] as string[],
  includeStopStr: false,
  stopTokens: new Set(tokenizer.eosIds),
  stopTokenIds: new Set<number>(),
  logprobs: null,
};

/** Pushes the tokens of `text` one by one; returns what streamed and the choice. */
function feed(text: string, choice: Choice) {
  const ids = tokenizer.encode(text, { addSpecialTokens: false });
  let streamed = "";
  ids.forEach((id, i) => {
    if (choice.finished) return;
    choice.push(id, logits, i === ids.length - 1 ? "length" : null);
    streamed += choice.takeDelta().text;
  });
  return { ids, streamed };
}

Deno.test("a stop string spanning tokens cuts the text; nothing of it ever streams", () => {
  const choice = new Choice(tokenizer, { ...settings, stop: ["white whale"] });
  const { streamed } = feed(
    "Call me Ishmael, the white whale swims on.",
    choice,
  );
  assert.equal(choice.text, "Call me Ishmael, the ");
  assert.equal(streamed, choice.text);
  assert.equal(choice.finishReason, "stop");
  assert.equal(choice.stopReason, "white whale");
  // Every token up to the one that completed the stop string is kept.
  const upTo = tokenizer.encode("Call me Ishmael, the white whale", {
    addSpecialTokens: false,
  });
  assert.deepEqual(choice.tokens, upTo);
});

Deno.test("include_stop_str_in_output keeps it; stop strings completed by one token: the first listed wins; no stop: all the text", () => {
  const kept = new Choice(tokenizer, {
    ...settings,
    stop: ["whale", "Ishmael"],
    includeStopStr: true,
  });
  feed("Call me Ishmael, the white whale.", kept);
  assert.equal(kept.text, "Call me Ishmael", "the earlier one in the text");
  assert.equal(kept.stopReason, "Ishmael");
  const both = (stop: string[]) => {
    const choice = new Choice(tokenizer, { ...settings, stop });
    feed("Call me Ishmael, the white whale.", choice);
    return [choice.text, choice.stopReason];
  };
  assert.deepEqual(both(["white whale", "whale"]), [
    "Call me Ishmael, the ",
    "white whale",
  ]);
  assert.deepEqual(both(["whale", "white whale"]), [
    "Call me Ishmael, the white ",
    "whale",
  ]);
  const plain = new Choice(tokenizer, settings);
  const { streamed } = feed("Call me Ishmael.", plain);
  assert.equal(plain.text, "Call me Ishmael.");
  assert.equal(streamed, plain.text);
  assert.equal(plain.finishReason, "length");
  assert.equal(plain.stopReason, null);
});

Deno.test("a stop token: finish stop, its text hidden; stop_reason names a stop_token_ids entry, not eos", () => {
  const [eos] = tokenizer.eosIds;
  const ids = tokenizer.encode("The sea", { addSpecialTokens: false });
  const byEos = new Choice(tokenizer, settings);
  ids.forEach((id) => byEos.push(id, logits, null));
  byEos.push(eos, logits, "stop");
  assert.equal(byEos.text, "The sea");
  assert.deepEqual(byEos.tokens, [...ids, eos]);
  assert.equal(byEos.finishReason, "stop");
  assert.equal(byEos.stopReason, null);
  const byId = new Choice(tokenizer, {
    ...settings,
    stopTokens: new Set([ids[1]]),
    stopTokenIds: new Set([ids[1]]),
  });
  byId.push(ids[0], logits, null);
  byId.push(ids[1], logits, "stop");
  assert.equal(byId.stopReason, ids[1]);
  assert.equal(byId.text, "The");
});

Deno.test("tokenLogprob: the exact log-softmax, the top k in order, floored at -9999", () => {
  const row = new Float32Array([1, 3, 2, -1, 0.5]);
  const z = [...row].reduce((s, x) => s + Math.exp(x), 0);
  const lp = (i: number) => row[i] - Math.log(z);
  const got = tokenLogprob(row, 2, 3);
  assert.ok(Math.abs(got.logprob - lp(2)) < 1e-12);
  assert.deepEqual(got.top.map(([id]) => id), [1, 2, 0]);
  got.top.forEach(([id, x]) => assert.ok(Math.abs(x - lp(id)) < 1e-12));
  assert.deepEqual(tokenLogprob(row, 3, 0).top, []);
  const extreme = new Float32Array([0, -20000]);
  assert.equal(tokenLogprob(extreme, 1, 0).logprob, -9999);
});
