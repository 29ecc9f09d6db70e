import assert from "node:assert/strict";
import * as hf from "@huggingface/transformers";
import { loadTokenizer } from "../../lib/tokenizer/mod.ts";
import {
  CHATML_DIR,
  chatmlConfig,
  chatmlVariant,
  maskedRuns,
  TWO_TURNS,
} from "./helpers.ts";

const tok = await loadTokenizer(CHATML_DIR);

// SmolLM2-Instruct's template: a default system prompt when none is given.
const SMOLLM2_TEMPLATE =
  "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}" +
  "{{ '<|im_start|>system\\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\\n' }}" +
  "{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}" +
  "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

Deno.test("chatml: byte-level BPE fixture encodes, merges and round-trips without adding BOS", () => {
  assert.deepEqual(tok.encode("Hello world"), [273, 276]);
  assert.deepEqual(
    tok.encode("Hello world"),
    tok.encode("Hello world", { addSpecialTokens: false }),
  );
  const text = "What is the answer?\n\nÜber 3+3 ✓";
  assert.equal(tok.decode(tok.encode(text)), text);
  assert.deepEqual(
    [tok.bosId, tok.eosIds, tok.padId, tok.padSource],
    [1, [2], 2, "pad_token"],
  );
  assert.equal(tok.vocabSize, 292);
});

Deno.test("chatml: SmolLM-Instruct template renders ChatML turns", () => {
  assert.equal(
    tok.applyChatTemplate(TWO_TURNS.slice(1, 2), { addGenerationPrompt: true }),
    "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n",
  );
  assert.equal(tok.encodeChat(TWO_TURNS).filter((id) => id === 1).length, 5);
});

Deno.test("chatml: assistantMask marks each assistant turn's content and <|im_end|>", () => {
  const encoded = tok.assistantMask(TWO_TURNS);
  assert.deepEqual(encoded.ids, tok.encodeChat(TWO_TURNS));
  assert.deepEqual(maskedRuns(tok, encoded), ["4.<|im_end|>", "6.<|im_end|>"]);
  assert.equal(
    encoded.text,
    "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n" +
      "<|im_start|>assistant\n4.<|im_end|>\n<|im_start|>user\nAnd 3+3?<|im_end|>\n" +
      "<|im_start|>assistant\n6.<|im_end|>\n",
  );
  // A conversation without assistant turns trains nothing.
  assert.ok(tok.assistantMask(TWO_TURNS.slice(0, 2)).mask.every((b) => !b));
});

Deno.test("chatml: prompt/completion trains only the final turn, even after earlier assistant turns", () => {
  const encoded = tok.encodePromptCompletion(TWO_TURNS.slice(0, 4), "6.");
  assert.deepEqual(maskedRuns(tok, encoded), ["6.<|im_end|>"]);
  const text = tok.encodePromptCompletion("What is", " the answer");
  assert.deepEqual(maskedRuns(tok, text), [" the answer<|im_end|>"]);
  // A completion that already ends with eos gets no second one.
  const ended = tok.encodePromptCompletion("What is", " it<|im_end|>");
  assert.equal(ended.ids.filter((id) => id === 2).length, 1);
});

Deno.test("chatml: a token merging across the prompt/completion boundary is a clear error", () => {
  assert.throws(
    () => tok.encodePromptCompletion("He", "llo"),
    /ids of the prompt are not a prefix .* token merges across the boundary.*"He".*"Hello"/,
  );
});

Deno.test("chatml: chat_template.jinja replaces the template in tokenizer_config.json", async () => {
  const dir = await chatmlVariant({ "chat_template.jinja": SMOLLM2_TEMPLATE });
  try {
    const smollm2 = await loadTokenizer(dir);
    assert.equal(smollm2.chatTemplateSource, "chat_template.jinja");
    const encoded = smollm2.assistantMask(TWO_TURNS.slice(1));
    assert.ok(
      encoded.text.startsWith(
        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM",
      ),
    );
    assert.deepEqual(maskedRuns(smollm2, encoded), [
      "4.<|im_end|>",
      "6.<|im_end|>",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("chatml: a template that rewrites earlier turns cannot be masked and says so", async () => {
  // Like templates that drop reasoning from earlier assistant turns.
  const rewriting =
    "{% for message in messages %}{% if message.role == 'assistant' and not loop.last %}" +
    "{{ '<|im_start|>assistant\\n(earlier answer)<|im_end|>\\n' }}{% else %}" +
    "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n'}}" +
    "{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
  const dir = await chatmlVariant({ "chat_template.jinja": rewriting });
  try {
    const rewriter = await loadTokenizer(dir);
    assert.throws(
      () => rewriter.assistantMask(TWO_TURNS),
      (error: Error) =>
        error.message.includes(dir) &&
        /not prefix-stable/.test(error.message) &&
        /messages\[2\] \(assistant\): the conversation through it is not a prefix of the whole conversation/
          .test(error.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("chatml: bad messages name the index and field", () => {
  assert.throws(
    () => tok.applyChatTemplate([{ role: "tool", content: "x" } as never]),
    /messages\[0\]\.role must be "system", "user" or "assistant", got "tool"/,
  );
  assert.throws(
    () => tok.assistantMask([{ role: "user", content: 3 } as never]),
    /messages\[0\]\.content must be a string, got number/,
  );
  assert.throws(
    () => tok.encodePromptCompletion([{ role: "bot" } as never], "x"),
    /prompt\[0\]\.role/,
  );
});

Deno.test("chatml: matches what AutoTokenizer.from_pretrained builds from the same folder", async () => {
  hf.env.allowRemoteModels = false;
  hf.env.allowLocalModels = true;
  const auto = await hf.AutoTokenizer.from_pretrained(CHATML_DIR);
  assert.equal(auto.constructor.name, tok.tokenizerClass);
  const text = "Hello world, what is the answer?";
  assert.deepEqual(tok.encode(text), auto.encode(text));
  assert.equal(
    tok.applyChatTemplate(TWO_TURNS, { addGenerationPrompt: true }),
    auto.apply_chat_template(TWO_TURNS, {
      tokenize: false,
      add_generation_prompt: true,
    }),
  );
});

Deno.test("chatml: special_tokens_map.json and generation_config.json fill in special ids", async () => {
  const config = await chatmlConfig();
  for (const key of ["bos_token", "eos_token", "pad_token", "unk_token"]) {
    delete config[key];
  }
  const dir = await chatmlVariant({
    "tokenizer_config.json": JSON.stringify(config),
    "special_tokens_map.json": JSON.stringify({
      bos_token: { content: "<|im_start|>", lstrip: false, special: true },
      eos_token: "<|im_end|>",
    }),
    "generation_config.json": JSON.stringify({ eos_token_id: [2, 0] }),
  });
  try {
    const mapped = await loadTokenizer(dir);
    assert.equal(mapped.bosId, 1);
    assert.deepEqual(mapped.eosIds, [2, 0]);
    assert.equal(mapped.padSource, "eos_token");
    assert.equal(mapped.padId, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
