import assert from "node:assert/strict";
import { loadTokenizer } from "../../lib/tokenizer/mod.ts";
import { GEMMA3_DIR, maskedRuns, TWO_TURNS } from "./helpers.ts";

// Loading the 33 MB tokenizer takes ~1.5 s: once for the whole file.
const tok = await loadTokenizer(GEMMA3_DIR);

Deno.test("gemma3: encodes Hello world to the reference ids, with and without BOS", () => {
  assert.equal(tok.tokenizerClass, "GemmaTokenizer");
  assert.deepEqual(tok.encode("Hello world"), [2, 9259, 1902]);
  assert.deepEqual(tok.encode("Hello world", { addSpecialTokens: false }), [
    9259,
    1902,
  ]);
});

Deno.test("gemma3: decode round-trips text and keeps or skips <bos>", () => {
  const text = "Deno trains tiny transformers.\n  Ünïcödé ✓ and 3.14159";
  const ids = tok.encode(text);
  assert.equal(tok.decode(ids, { skipSpecialTokens: true }), text);
  assert.equal(tok.decode(ids), "<bos>" + text);
  assert.equal(tok.decode([]), "");
  assert.throws(() => tok.decode([tok.vocabSize]), /cannot decode id 262145/);
});

Deno.test("gemma3: special ids, vocabulary and token lookups", () => {
  assert.equal(tok.bosId, 2);
  assert.deepEqual(tok.eosIds, [106]);
  assert.equal(tok.padId, 0);
  assert.equal(tok.padSource, "pad_token");
  assert.equal(tok.vocabSize, 262145);
  assert.equal(tok.tokenToId("<start_of_turn>"), 105);
  assert.equal(tok.idToToken(106), "<end_of_turn>");
  assert.equal(tok.tokenToId("<no such token>"), undefined);
  assert.ok(tok.isSpecial(106) && !tok.isSpecial(9259));
  assert.equal(tok.chatTemplateSource, "tokenizer_config.json");
});

Deno.test("gemma3: chat template renders turns, system text and the generation prompt", () => {
  assert.equal(
    tok.applyChatTemplate([{ role: "user", content: "2+2?" }], {
      addGenerationPrompt: true,
    }),
    "<bos><start_of_turn>user\n2+2?<end_of_turn>\n<start_of_turn>model\n",
  );
  assert.equal(
    tok.applyChatTemplate([
      { role: "system", content: "Be brief." },
      { role: "user", content: "2+2?" },
    ], { addGenerationPrompt: true }),
    "<bos><start_of_turn>user\nBe brief.\n\n2+2?<end_of_turn>\n<start_of_turn>model\n",
  );
});

Deno.test("gemma3: encodeChat has exactly one BOS; encoding rendered text naively has two", () => {
  const chat = [{ role: "user" as const, content: "2+2?" }];
  const ids = tok.encodeChat(chat, { addGenerationPrompt: true });
  assert.equal(ids.filter((id) => id === 2).length, 1);
  assert.equal(ids[0], 2);
  assert.deepEqual(ids.slice(-3), [105, 4368, 107]); // <start_of_turn> model \n
  const rendered = tok.applyChatTemplate(chat, { addGenerationPrompt: true });
  assert.deepEqual(tok.encode(rendered).slice(0, 2), [2, 2]);
});

Deno.test("gemma3: assistantMask marks each assistant turn's content and <end_of_turn>", () => {
  const encoded = tok.assistantMask(TWO_TURNS);
  assert.deepEqual(encoded.ids, tok.encodeChat(TWO_TURNS));
  assert.equal(encoded.mask.length, encoded.ids.length);
  assert.deepEqual(maskedRuns(tok, encoded), [
    "4.<end_of_turn>",
    "6.<end_of_turn>",
  ]);
  // The newline the template writes after the marker is not trained.
  const lastMasked = encoded.mask.lastIndexOf(1);
  assert.equal(encoded.ids[lastMasked], 106);
  assert.equal(tok.decode(encoded.ids.slice(lastMasked + 1)), "\n");
});

Deno.test("gemma3: prompt/completion masks only the completion", () => {
  const prompt = TWO_TURNS.slice(0, 4);
  const chat = tok.encodePromptCompletion(prompt, "6.");
  assert.deepEqual(chat.ids, tok.encodeChat(TWO_TURNS));
  assert.deepEqual(maskedRuns(tok, chat), ["6.<end_of_turn>"]);

  const text = tok.encodePromptCompletion("The answer is", " 42");
  assert.equal(text.ids[0], 2);
  assert.equal(text.ids.at(-1), 106);
  assert.deepEqual(maskedRuns(tok, text), [" 42<end_of_turn>"]);
  assert.equal(text.text, "The answer is 42<end_of_turn>");
});

Deno.test("gemma3: a template exception names the folder and the template's reason", () => {
  assert.throws(
    () =>
      tok.applyChatTemplate([
        { role: "user", content: "a" },
        { role: "user", content: "b" },
      ]),
    (error: Error) =>
      error.message.includes(GEMMA3_DIR) &&
      /roles must alternate/.test(error.message),
  );
});
