import assert from "node:assert/strict";
import {
  describePairReport,
  encodePreferencePair,
  encodePreferencePairs,
} from "../../lib/prompt/mod.ts";
import { loadTokenizer } from "../../lib/tokenizer/mod.ts";
import { InputError } from "../../lib/util/errors.ts";
import { CHATML_DIR, chatmlVariant } from "../tokenizer/helpers.ts";
import {
  CHAT,
  DPO,
  kept,
  pairsOf,
  REWARD,
  SKY,
  TOKENIZERS,
  tokens,
} from "./preference_helpers.ts";

const { chatml, gemma3, llama3 } = TOKENIZERS;

Deno.test("round trip on Gemma 3: a standard pair's ids, hand-computed", () => {
  const dpo = kept(gemma3, SKY, DPO);
  assert.deepEqual(dpo.promptIds, [2, 818, 7217, 563]);
  assert.deepEqual(tokens(gemma3, dpo.promptIds), [
    "<bos>",
    "The",
    "▁sky",
    "▁is",
  ]);
  // " blue." + the eos_token string "<end_of_turn>" (id 106).
  assert.deepEqual(dpo.chosenIds, [3730, 236761, 106]);
  assert.deepEqual(tokens(gemma3, dpo.chosenIds), [
    "▁blue",
    ".",
    "<end_of_turn>",
  ]);
  assert.deepEqual(tokens(gemma3, dpo.rejectedIds), [
    "▁green",
    ".",
    "<end_of_turn>",
  ]);
  assert.equal(
    gemma3.decode([...dpo.promptIds, ...dpo.chosenIds]),
    "<bos>The sky is blue.<end_of_turn>",
  );
  assert.deepEqual(
    [dpo.chosenTruncated, dpo.rejectedTruncated, dpo.promptTokensMoved],
    [false, false, 0],
  );
  // The reward model sees the same two sequences, whole.
  const rm = kept(gemma3, SKY, REWARD);
  assert.deepEqual(
    [...rm.promptIds, ...rm.chosenIds],
    [2, 818, 7217, 563, 3730, 236761, 106],
  );
  assert.deepEqual(
    [...rm.promptIds, ...rm.rejectedIds],
    [...dpo.promptIds, ...dpo.rejectedIds],
  );
});

Deno.test("standard rows on every tokenizer: eos string appended once, completion = whole minus prompt ids", () => {
  for (const [name, tok] of Object.entries(TOKENIZERS)) {
    const eos = tok.idToToken(tok.eosIds[0])!;
    const pair = pairsOf({
      prompt: "Name a fruit:",
      chosen: ` pear${eos}`, // already ends with EOS: nothing appended
      rejected: " brick",
    })[0];
    const out = kept(tok, pair, DPO);
    assert.deepEqual(out.promptIds, tok.encode("Name a fruit:"), name);
    assert.deepEqual(
      [...out.promptIds, ...out.chosenIds],
      tok.encode(`Name a fruit: pear${eos}`),
      name,
    );
    assert.deepEqual(
      [...out.promptIds, ...out.rejectedIds],
      tok.encode(`Name a fruit: brick${eos}`),
      name,
    );
    for (const ids of [out.chosenIds, out.rejectedIds]) {
      assert.equal(ids.at(-1), tok.eosIds[0], name);
      assert.equal(ids.filter((id) => id === tok.eosIds[0]).length, 1, name);
    }
    // BOS where the tokenizer adds one (Gemma, Llama 3), once.
    const bos = tok.bosId === null || name === "chatml" ? 0 : 1;
    assert.equal(out.promptIds.filter((id) => id === tok.bosId).length, bos);
  }
});

Deno.test("conversational rows on every tokenizer: the template's turn end, no EOS appended", () => {
  const ends: Record<string, string[]> = {
    chatml: ["<|im_end|>", "Ċ"],
    gemma3: ["<end_of_turn>", "\n"],
    llama3: ["<|eot_id|>"],
  };
  for (const [name, tok] of Object.entries(TOKENIZERS)) {
    for (const trainer of ["dpo", "reward"] as const) {
      const out = kept(tok, CHAT, { trainer, maxLength: null });
      const whole = tok.encodeChat([...CHAT.prompt, ...CHAT.chosen]);
      assert.deepEqual([...out.promptIds, ...out.chosenIds], whole, name);
      assert.deepEqual(
        [...out.promptIds, ...out.rejectedIds],
        tok.encodeChat([...CHAT.prompt, ...CHAT.rejected]),
        name,
      );
      assert.deepEqual(
        tokens(tok, out.chosenIds).slice(-ends[name].length),
        ends[name],
        name,
      );
    }
    // DPO cuts at the prompt rendered with the generation prompt.
    const dpo = kept(tok, CHAT, DPO);
    assert.deepEqual(
      dpo.promptIds,
      tok.encodeChat(CHAT.prompt, { addGenerationPrompt: true }),
    );
    assert.equal(
      tok.decode(dpo.chosenIds),
      "It is blue." + ends[name].map((t) => t === "Ċ" ? "\n" : t).join(""),
    );
  }
});

Deno.test("a token merging across the boundary: the completions start at the last shared token", () => {
  // TRL's implicit prompt splits "It is bl|ue.": Gemma and Llama 3 write " bl" as one token.
  const [pair] = pairsOf({ chosen: "It is blue.", rejected: "It is black." });
  assert.equal(pair.prompt, "It is bl");
  for (const tok of [gemma3, llama3]) {
    const eos = tok.idToToken(tok.eosIds[0])!;
    const out = kept(tok, pair, DPO);
    assert.deepEqual(out.promptIds, tok.encode("It is"));
    assert.equal(tok.decode(out.chosenIds), ` blue.${eos}`);
    assert.equal(tok.decode(out.rejectedIds), ` black.${eos}`);
    assert.equal(out.promptTokensMoved, 1);
    const { report } = encodePreferencePairs(tok, [pair, SKY], DPO);
    assert.equal(report.boundaryMerged, 1);
  }
  // The byte-level ChatML fixture splits "bl" into letters: no merge.
  assert.equal(kept(chatml, pair, DPO).promptTokensMoved, 0);
});

Deno.test("dpo max_length: keep_start cuts completion ends; a prompt that fills it is dropped", () => {
  const p = gemma3.encode("The sky is").length; // 4
  const cut = kept(gemma3, SKY, { ...DPO, maxLength: p + 2 });
  assert.deepEqual(tokens(gemma3, cut.chosenIds), ["▁blue", "."]); // EOS lost
  assert.deepEqual(tokens(gemma3, cut.rejectedIds), ["▁green", "."]);
  assert.deepEqual([cut.chosenTruncated, cut.rejectedTruncated], [true, true]);
  const fits = kept(gemma3, SKY, { ...DPO, maxLength: p + 3 });
  assert.deepEqual([fits.chosenTruncated, fits.rejectedTruncated], [
    false,
    false,
  ]);
  assert.equal(
    kept(gemma3, SKY, { ...DPO, maxLength: p + 1 }).chosenIds.length,
    1,
  );
  assert.deepEqual(
    encodePreferencePair(gemma3, SKY, { ...DPO, maxLength: p }),
    {
      dropped: "prompt_too_long",
      pair: SKY,
      promptLength: 4,
      chosenLength: 7,
      rejectedLength: 7,
    },
  );
  const { pairs, dropped, report } = encodePreferencePairs(
    gemma3,
    [SKY, CHAT],
    { ...DPO, maxLength: 6 },
  );
  assert.deepEqual(pairs.map((x) => x.pair), [SKY]);
  assert.deepEqual(dropped.map((x) => x.pair), [CHAT]);
  assert.deepEqual(report, {
    trainer: "dpo",
    pairs: 2,
    kept: 1,
    truncated: 1,
    dropped: 1,
    boundaryMerged: 0,
    maxLength: 6,
    notes: [],
  });
  assert.equal(
    describePairReport(report, "t.jsonl"),
    "t.jsonl: 1 of 2 pairs kept (6 tokens); 1 with a completion cut to fit (keep_start); 1 dropped: the prompt alone reaches the limit",
  );
});

Deno.test("reward max_length: a pair with a side past it is dropped, never cut; margin kept", () => {
  const [pair] = pairsOf({
    prompt: "The sky is",
    chosen: " blue.",
    rejected: " a deep and cloudless blue.",
    margin: 0.5,
  });
  const chosenLength = gemma3.encode("The sky is blue.<end_of_turn>").length;
  const rejectedLength =
    gemma3.encode("The sky is a deep and cloudless blue.<end_of_turn>").length;
  assert.ok(rejectedLength > chosenLength);
  const whole = kept(gemma3, pair, { ...REWARD, maxLength: rejectedLength });
  assert.equal(whole.margin, 0.5);
  assert.equal(
    whole.promptIds.length + whole.rejectedIds.length,
    rejectedLength,
  );
  assert.deepEqual([whole.chosenTruncated, whole.rejectedTruncated], [
    false,
    false,
  ]);
  const out = encodePreferencePair(gemma3, pair, {
    ...REWARD,
    maxLength: rejectedLength - 1,
  });
  assert.ok("dropped" in out && out.dropped === "too_long");
  assert.deepEqual(
    [out.chosenLength, out.rejectedLength],
    [chosenLength, rejectedLength],
  );
  const { report } = encodePreferencePairs(gemma3, [pair], {
    ...REWARD,
    maxLength: rejectedLength - 1,
  });
  assert.equal(
    describePairReport(report, "t.jsonl"),
    `t.jsonl: 0 of 1 pairs kept (${
      rejectedLength - 1
    } tokens); 1 dropped: a side is longer than the limit`,
  );
});

Deno.test("errors name the row and the side: template without the prefix property, empty prompt, keep_end", async () => {
  // A template whose generation prompt opens a thinking block the full
  // conversation does not have (as reasoning templates do).
  const config = JSON.parse(
    await Deno.readTextFile(`${CHATML_DIR}/tokenizer_config.json`),
  );
  config.chat_template =
    "{% for m in messages %}{{'<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n'}}{% endfor %}" +
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n<think>' }}{% endif %}";
  const dir = await chatmlVariant({
    "tokenizer_config.json": JSON.stringify(config),
  });
  try {
    const thinking = await loadTokenizer(dir);
    assert.throws(
      () => encodePreferencePair(thinking, CHAT, DPO),
      (e: Error) => {
        assert.ok(e instanceof InputError);
        assert.match(
          e.message,
          /^t\.jsonl row 1: field "chosen": the chat template of .* renders the prompt \(with the generation prompt\) differently from the start of prompt \+ chosen, so the completion cannot be cut from it; at character 72 the prompt has "<think>" but prompt \+ chosen has "It is blue\.<\|im_end\|"$/,
        );
        return true;
      },
    );
    // The reward model reads whole sequences: no prompt cut, no error.
    kept(thinking, CHAT, REWARD);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  // A template that leaves a space open after the role header: the space
  // and the reply's first word merge into one token (" is").
  config.chat_template =
    "{% for m in messages %}{{'<|im_start|>' + m['role'] + '\\n ' + m['content'] + '<|im_end|>\\n'}}{% endfor %}" +
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n ' }}{% endif %}";
  const spaced = await chatmlVariant({
    "tokenizer_config.json": JSON.stringify(config),
  });
  try {
    const tok = await loadTokenizer(spaced);
    const [pair] = pairsOf({
      prompt: [{ role: "user", content: "Sky?" }],
      chosen: [{ role: "assistant", content: "Blue." }],
      rejected: [{ role: "assistant", content: "is green." }],
    });
    assert.throws(
      () => encodePreferencePair(tok, pair, DPO),
      /^InputError: t\.jsonl row 1: field "rejected": the ids of the rendered prompt are not a prefix of the ids of prompt \+ rejected \(a token merges across the boundary\); at token 13 the prompt has " " \(ids 35\) but prompt \+ rejected has " is g" \(ids 265, 35, 106\)$/,
    );
  } finally {
    await Deno.remove(spaced, { recursive: true });
  }
  // No BOS and an empty prompt: nothing to condition the first token on.
  const [empty] = pairsOf({ prompt: "", chosen: "a", rejected: "b" });
  assert.throws(
    () => encodePreferencePair(chatml, empty, DPO),
    /^InputError: t\.jsonl row 1: no prompt token is left to condition on: the prompt's first token does not exist \(an empty prompt, and the tokenizer adds no BOS\)$/,
  );
  assert.deepEqual(kept(gemma3, empty, DPO).promptIds, [2]); // BOS alone
  assert.throws(
    () =>
      encodePreferencePair(gemma3, SKY, { ...DPO, truncationMode: "keep_end" }),
    /^InputError: truncation_mode "keep_end" is not supported: use "keep_start"/,
  );
});
