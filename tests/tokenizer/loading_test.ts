import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { LLAMA_FINETUNE_PAD, loadTokenizer } from "../../lib/tokenizer/mod.ts";
import { CHATML_DIR, chatmlConfig, chatmlVariant } from "./helpers.ts";

async function withVariant(
  changes: Record<string, string | null>,
  check: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await chatmlVariant(changes);
  try {
    await check(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("loading: a missing folder names the path (not transformers' tokenizer_class error)", async () => {
  const missing = join(CHATML_DIR, "no-such-model");
  await assert.rejects(
    () => loadTokenizer(missing),
    (error: Error) =>
      error.message === `tokenizer folder not found: ${missing}`,
  );
});

Deno.test("loading: a file instead of a folder is named", async () => {
  const file = join(CHATML_DIR, "tokenizer.json");
  await assert.rejects(
    () => loadTokenizer(file),
    new RegExp(`tokenizer path ${file} is a file`),
  );
});

Deno.test("loading: a missing tokenizer.json or tokenizer_config.json names folder and file", async () => {
  await withVariant({ "tokenizer.json": null }, async (dir) => {
    await assert.rejects(
      () => loadTokenizer(dir),
      (error: Error) =>
        error.message ===
          `tokenizer folder ${dir} has no tokenizer.json (it has: tokenizer_config.json)`,
    );
  });
  await withVariant({ "tokenizer_config.json": null }, async (dir) => {
    await assert.rejects(
      () => loadTokenizer(dir),
      new RegExp(`tokenizer folder ${dir} has no tokenizer_config.json`),
    );
  });
});

Deno.test("loading: broken JSON and a non-tokenizer file name the file", async () => {
  await withVariant({ "tokenizer_config.json": "{ nope" }, async (dir) => {
    await assert.rejects(
      () => loadTokenizer(dir),
      new RegExp(`${join(dir, "tokenizer_config.json")} is not valid JSON`),
    );
  });
  await withVariant({ "tokenizer.json": '{"vocab": {}}' }, async (dir) => {
    await assert.rejects(
      () => loadTokenizer(dir),
      /tokenizer\.json has no "model" object/,
    );
  });
});

Deno.test("loading: relative paths resolve from the current directory", async () => {
  const tok = await loadTokenizer(relative(Deno.cwd(), CHATML_DIR));
  assert.equal(tok.folder, CHATML_DIR);
});

Deno.test("loading: special tokens missing from the vocabulary, or no eos at all, are errors", async () => {
  const config = await chatmlConfig();
  await withVariant({
    "tokenizer_config.json": JSON.stringify({ ...config, pad_token: "<pad>" }),
  }, async (dir) => {
    await assert.rejects(
      () => loadTokenizer(dir),
      new RegExp(
        `pad_token "<pad>" named by the config in ${dir} is not in the vocabulary`,
      ),
    );
  });
  const noEos = { ...config };
  delete noEos.eos_token;
  delete noEos.pad_token;
  await withVariant({
    "tokenizer_config.json": JSON.stringify(noEos),
  }, async (dir) => {
    await assert.rejects(
      () => loadTokenizer(dir),
      /has no end-of-sequence token/,
    );
  });
});

Deno.test("loading: without pad_token, Llama's reserved fine-tuning pad wins over eos", async () => {
  const json = JSON.parse(
    await Deno.readTextFile(join(CHATML_DIR, "tokenizer.json")),
  );
  const id = Object.keys(json.model.vocab).length;
  json.model.vocab[LLAMA_FINETUNE_PAD] = id;
  json.added_tokens.push({
    id,
    content: LLAMA_FINETUNE_PAD,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const config = await chatmlConfig();
  delete config.pad_token;
  await withVariant({
    "tokenizer.json": JSON.stringify(json),
    "tokenizer_config.json": JSON.stringify(config),
  }, async (dir) => {
    const tok = await loadTokenizer(dir);
    assert.equal(tok.padSource, "finetune_right_pad_id");
    assert.equal(tok.padId, id);
    assert.equal(tok.vocabSize, id + 1);
  });
});

Deno.test("loading: a folder without a chat template can encode but not render chats", async () => {
  const config = await chatmlConfig();
  delete config.chat_template;
  await withVariant({
    "tokenizer_config.json": JSON.stringify(config),
  }, async (dir) => {
    const tok = await loadTokenizer(dir);
    assert.equal(tok.chatTemplateSource, null);
    assert.deepEqual(tok.encode("Hello"), [273]);
    assert.throws(
      () => tok.applyChatTemplate([{ role: "user", content: "hi" }]),
      new RegExp(`the tokenizer in ${dir} has no chat template`),
    );
  });
});
