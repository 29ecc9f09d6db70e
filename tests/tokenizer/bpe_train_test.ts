import assert from "node:assert/strict";
import { join } from "node:path";
import {
  BYTE_TO_CHAR,
  CHAR_TO_BYTE,
  preTokenize,
} from "../../lib/tokenizer/bpe_bytes.ts";
import { readBpe, saveTokenizer } from "../../lib/tokenizer/bpe_files.ts";
import { ByteLevelBpe, toByteAlphabet } from "../../lib/tokenizer/bpe_model.ts";
import { trainOrReuseBpe } from "../../lib/tokenizer/bpe_reuse.ts";
import {
  countPreTokens,
  trainBpe,
  trainBpeFromCounts,
} from "../../lib/tokenizer/bpe_train.ts";
import { loadTokenizer } from "../../lib/tokenizer/mod.ts";
import { maskedRuns, TWO_TURNS } from "./helpers.ts";

/** A small English text with repeated words, so a few hundred merges exist. */
const TEXTS = [
  "The whale swam under the ship, and the sailors watched the whale in silence.",
  "It was the best of times, it was the worst of times; it was the age of wisdom.",
  "The President said that the nation is strong, and that the Congress and the people agree.",
  "Call me Ishmael. Some years ago, never mind how long precisely, I thought I would sail about.",
  "There is nothing so strong as the sea; nothing so patient, and nothing so cruel to sailors.",
  "In 1790 the Congress met in New York; in 1800 it met in Washington for the first time.",
];

/** Text that stresses the byte level: accents, CJK, emoji with joiners, odd whitespace. */
const UNICODE = "Héllo wörld! 你好，世界 🐳🐋 \t tabs\n\n  two  spaces \r\n" +
  "family 👩‍👩‍👧 flags 🇫🇷 combining e\u0301 it's I'M 123456 ¿qué? «» \u00a0nbsp  ";

async function withTempDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tunebook-bpe-" });
  try {
    await run(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("bpe bytes: the GPT-2 alphabet is a bijection and the split keeps every character", () => {
  assert.equal(new Set(BYTE_TO_CHAR).size, 256);
  assert.equal(BYTE_TO_CHAR[32], "Ġ");
  assert.equal(BYTE_TO_CHAR[10], "Ċ");
  assert.equal(BYTE_TO_CHAR[65], "A");
  BYTE_TO_CHAR.forEach((c, b) => assert.equal(CHAR_TO_BYTE.get(c), b));
  assert.deepEqual(preTokenize("Hello  world's 42!\n"), [
    "Hello",
    " ",
    " world",
    "'s",
    " 42",
    "!",
    "\n",
  ]);
  assert.equal(preTokenize(UNICODE).join(""), UNICODE);
});

Deno.test("bpe train: merges follow pair frequency (the HF course example)", () => {
  const counts = new Map([["hug", 10], ["pug", 5], ["pun", 12], ["bun", 4], [
    "hugs",
    5,
  ]]);
  const bpe = trainBpeFromCounts(counts, {
    vocabSize: 256 + 3,
    specialTokens: [],
  });
  assert.deepEqual(bpe.mergeStrings(), [["u", "g"], ["u", "n"], ["h", "ug"]]);
  assert.deepEqual(bpe.vocab.slice(256), ["ug", "un", "hug"]);
});

Deno.test("bpe train: equal counts merge the pair of smaller ids first, whatever the input order", () => {
  const a = trainBpeFromCounts(new Map([["cd", 3], ["ab", 3]]), {
    vocabSize: 261,
    specialTokens: [],
  });
  const b = trainBpeFromCounts(new Map([["ab", 3], ["cd", 3]]), {
    vocabSize: 261,
    specialTokens: [],
  });
  assert.deepEqual(a.mergeStrings(), [["a", "b"], ["c", "d"]]);
  assert.deepEqual(b.mergeStrings(), a.mergeStrings());
});

Deno.test("bpe train: deterministic, independent of document order, and exactly the target size", () => {
  const first = trainBpe(TEXTS, { vocabSize: 320 });
  const again = trainBpe([...TEXTS].reverse(), { vocabSize: 320 });
  assert.equal(first.size, 320);
  assert.deepEqual(again.mergeStrings(), first.mergeStrings());
  assert.deepEqual(first.specialTokens, [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
  ]);
  assert.equal(first.vocab[3], BYTE_TO_CHAR[0]);
  assert.equal(first.vocab[3 + 32], "Ġ");
  assert.ok(
    first.tokenToId(toByteAlphabet(" the")) !== undefined,
    "' the' is learned",
  );
});

Deno.test("bpe train: stops below the target when no pair occurs minFrequency times", () => {
  const bpe = trainBpe(["abab xyz"], { vocabSize: 4096 });
  // "abab" has (a,b) twice; after merging it, (ab,ab) occurs once: stop.
  assert.equal(bpe.size, 260);
  assert.deepEqual(bpe.mergeStrings(), [["a", "b"]]);
  const all = trainBpe(["abab xyz"], { vocabSize: 4096, minFrequency: 1 });
  assert.ok(all.size > 260);
});

Deno.test("bpe train: a vocabulary smaller than specials + bytes is a clear error", () => {
  assert.throws(
    () => trainBpe(TEXTS, { vocabSize: 100 }),
    /vocabSize must be an integer of at least 259 \(3 special tokens \+ 256 bytes\), got 100/,
  );
});

Deno.test("bpe encode: decode(encode(x)) == x on unicode, emoji and whitespace; specials map to their ids", () => {
  const bpe = trainBpe([...TEXTS, UNICODE], { vocabSize: 400 });
  for (const text of [UNICODE, "", " ", "\n\n\n", "a", TEXTS.join("\n\n")]) {
    assert.equal(bpe.decode(bpe.encode(text)), text);
  }
  const ids = bpe.encode("hi<|im_end|>\n<|endoftext|>");
  assert.deepEqual(ids.slice(-3), [2, bpe.tokenToId("Ċ"), 0]);
  assert.ok(!bpe.encode("<|im_end|>", { allowSpecial: false }).includes(2));
});

Deno.test("bpe encode: two merges spelling the same token share one id, in HF too", async () => {
  const t = (s: string) => 3 + s.charCodeAt(0); // ids of ASCII bytes with 3 specials
  const bpe = new ByteLevelBpe(
    ["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
    [
      [t("a"), t("b")], // 259 "ab"
      [t("b"), t("c")], // 260 "bc"
      [259, t("c")], // 261 "abc"
      [t("a"), 260], // "abc" again: 261
    ],
  );
  assert.equal(bpe.size, 262);
  assert.equal(bpe.mergeId(3), 261);
  assert.deepEqual(bpe.encode("abc"), [261]);
  const rebuilt = ByteLevelBpe.fromMergeStrings(
    bpe.specialTokens,
    bpe.mergeStrings(),
  );
  assert.deepEqual(rebuilt.vocab, bpe.vocab);
  await withTempDir(async (dir) => {
    await saveTokenizer(bpe, dir);
    const tok = await loadTokenizer(dir);
    for (const text of ["abc", "xabcabc bcab abcc", "aabbcc"]) {
      assert.deepEqual(tok.encode(text), bpe.encode(text), text);
    }
  });
});

Deno.test("bpe files: loadTokenizer gives the trainer's ids, round-trips, and has the ChatML specials", async () => {
  const bpe = trainBpe(TEXTS, { vocabSize: 320 });
  await withTempDir(async (dir) => {
    await saveTokenizer(bpe, dir, { modelMaxLength: 256 });
    const tok = await loadTokenizer(dir);
    assert.equal(tok.tokenizerClass, "GPT2Tokenizer");
    assert.equal(tok.vocabSize, 320);
    assert.deepEqual([tok.bosId, tok.eosIds, tok.padId, tok.padSource], [
      0,
      [0],
      0,
      "pad_token",
    ]);
    for (
      const text of [...TEXTS, UNICODE, "The whale<|im_end|> and<|endoftext|>x"]
    ) {
      assert.deepEqual(
        tok.encode(text),
        bpe.encode(text),
        `ids of ${JSON.stringify(text)}`,
      );
      assert.equal(tok.decode(tok.encode(text)), text);
    }
    assert.ok(tok.isSpecial(1) && tok.isSpecial(2) && !tok.isSpecial(3));
    const config = JSON.parse(
      await Deno.readTextFile(join(dir, "tokenizer_config.json")),
    );
    assert.equal(config.model_max_length, 256);
    const map = JSON.parse(
      await Deno.readTextFile(join(dir, "special_tokens_map.json")),
    );
    assert.deepEqual(map.additional_special_tokens, [
      "<|im_start|>",
      "<|im_end|>",
    ]);
  });
});

Deno.test("bpe files: the chat template renders ChatML and assistant masks cover content + <|im_end|>", async () => {
  const bpe = trainBpe(TEXTS, { vocabSize: 320 });
  await withTempDir(async (dir) => {
    await saveTokenizer(bpe, dir);
    const tok = await loadTokenizer(dir);
    assert.equal(
      tok.applyChatTemplate(TWO_TURNS.slice(1, 2), {
        addGenerationPrompt: true,
      }),
      "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n",
    );
    const encoded = tok.assistantMask(TWO_TURNS);
    assert.deepEqual(encoded.ids, bpe.encode(encoded.text));
    assert.deepEqual(maskedRuns(tok, encoded), [
      "4.<|im_end|>",
      "6.<|im_end|>",
    ]);
    const plain = tok.encodePromptCompletion("The whale", " swam");
    assert.deepEqual(maskedRuns(tok, plain), [" swam<|endoftext|>"]);
  });
});

Deno.test("bpe files: readBpe rebuilds the same encoder; trainOrReuseBpe reuses only for the same texts", async () => {
  await withTempDir(async (dir) => {
    assert.equal(await readBpe(dir), null);
    const first = await trainOrReuseBpe(dir, TEXTS, { vocabSize: 310 });
    assert.equal(first.reused, false);
    const saved = await readBpe(dir);
    assert.deepEqual(saved!.bpe.vocab, first.bpe.vocab);
    assert.equal(saved!.metadata.fingerprint, first.fingerprint);
    assert.deepEqual(saved!.bpe.encode(UNICODE), first.bpe.encode(UNICODE));

    const second = await trainOrReuseBpe(dir, TEXTS, { vocabSize: 310 });
    assert.equal(second.reused, true);
    const bigger = await trainOrReuseBpe(dir, TEXTS, { vocabSize: 320 });
    assert.equal(bigger.reused, false);
    assert.equal(bigger.bpe.size, 320);
    const otherText = await trainOrReuseBpe(dir, TEXTS.slice(1), {
      vocabSize: 320,
    });
    assert.equal(otherText.reused, false);
    assert.notEqual(otherText.fingerprint, bigger.fingerprint);
  });
});

Deno.test("bpe files: readBpe names the file when tokenizer.json is not byte-level BPE", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(
      join(dir, "tokenizer.json"),
      JSON.stringify({
        model: { type: "Unigram" },
        pre_tokenizer: { type: "Metaspace" },
      }),
    );
    await assert.rejects(
      () => readBpe(dir),
      /tokenizer\.json is not a byte-level BPE tokenizer \(model\.type "Unigram", pre_tokenizer\.type "Metaspace"\)/,
    );
  });
});

Deno.test("bpe train: counting pre-tokens first and training from counts agree with trainBpe", () => {
  const counts = countPreTokens(TEXTS);
  const expected = TEXTS.reduce(
    (n, t) => n + (t.match(/ the(?!\p{L})/gu)?.length ?? 0),
    0,
  );
  assert.equal(counts.get(" the"), expected);
  assert.deepEqual(
    trainBpeFromCounts(counts, { vocabSize: 300 }).mergeStrings(),
    trainBpe(TEXTS, { vocabSize: 300 }).mergeStrings(),
  );
});
