import assert from "node:assert/strict";
import { loadTokenizer } from "../../lib/tokenizer/mod.ts";
import { LLAMA3_DIR, maskedRuns, TWO_TURNS } from "./helpers.ts";

// One load (~1.5 s) for the whole file.
const tok = await loadTokenizer(LLAMA3_DIR);

Deno.test("llama3: encodes Hello world with <|begin_of_text|> from the post-processor", () => {
  assert.deepEqual(tok.encode("Hello world"), [128000, 9906, 1917]);
  assert.deepEqual(tok.encode("Hello world", { addSpecialTokens: false }), [
    9906,
    1917,
  ]);
  assert.equal(
    tok.decode(tok.encode("Hello world"), { skipSpecialTokens: true }),
    "Hello world",
  );
});

Deno.test("llama3: no pad token in the checkpoint, so pad falls back to eos", () => {
  assert.equal(tok.bosId, 128000);
  assert.deepEqual(tok.eosIds, [128009]);
  assert.equal(tok.padSource, "eos_token");
  assert.equal(tok.padId, 128009);
  assert.equal(tok.vocabSize, 128256);
  assert.equal(tok.idToToken(128009), "<|eot_id|>");
});

Deno.test("llama3: chat template renders the header format", () => {
  assert.equal(
    tok.applyChatTemplate([{ role: "user", content: "2+2?" }], {
      addGenerationPrompt: true,
    }),
    "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n2+2?<|eot_id|>" +
      "<|start_header_id|>assistant<|end_header_id|>\n\n",
  );
  assert.equal(
    tok.applyChatTemplate(TWO_TURNS.slice(0, 3)),
    "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>" +
      "<|start_header_id|>user<|end_header_id|>\n\n2+2?<|eot_id|>" +
      "<|start_header_id|>assistant<|end_header_id|>\n\n4.<|eot_id|>",
  );
});

Deno.test("llama3: encodeChat has exactly one <|begin_of_text|>", () => {
  const ids = tok.encodeChat(TWO_TURNS.slice(0, 2), {
    addGenerationPrompt: true,
  });
  assert.equal(ids.filter((id) => id === 128000).length, 1);
  assert.equal(ids[0], 128000);
});

Deno.test("llama3: assistantMask marks each assistant turn's content and <|eot_id|>", () => {
  const encoded = tok.assistantMask(TWO_TURNS);
  assert.deepEqual(encoded.ids, tok.encodeChat(TWO_TURNS));
  assert.deepEqual(maskedRuns(tok, encoded), [
    "4.<|eot_id|>",
    "6.<|eot_id|>",
  ]);
  // The assistant header right before the content stays unmasked.
  const first = encoded.mask.indexOf(1);
  assert.equal(
    tok.decode(encoded.ids.slice(first - 4, first)),
    "<|start_header_id|>assistant<|end_header_id|>\n\n",
  );
});

Deno.test("llama3: plain-text prompt/completion adds BOS and trains completion + eos", () => {
  const encoded = tok.encodePromptCompletion("The answer is", " 42");
  assert.equal(encoded.ids[0], 128000);
  assert.deepEqual(maskedRuns(tok, encoded), [" 42<|eot_id|>"]);
  assert.equal(encoded.mask.indexOf(1), tok.encode("The answer is").length);
});
