/**
 * The trainers against the model's context and against ordinary but
 * awkward data: GRPO refuses a prompt that cannot fit (naming its file and
 * line) and trains once max_prompt_length cuts it; an empty GRPO dataset
 * names the file; SFT cuts max_length to the context; a prompt ending with
 * a space trains; a row that truly cannot be masked names its line.
 */
import assert from "node:assert/strict";
import { readRows } from "../../lib/data/read.ts";
import { initEngine } from "../../lib/engine/mod.ts";
import { loadTokenizer } from "../../lib/tokenizer/mod.ts";
import { parseGrpoConfig } from "../../lib/train/grpo/config.ts";
import { readPromptExamples } from "../../lib/prompt/examples.ts";
import { runGrpo } from "../../lib/train/grpo/trainer.ts";
import {
  parseSftRows,
  tokenizeExamples,
} from "../../lib/train/sft/examples.ts";
import { runSftFromConfig } from "../../lib/train/sft/from_config.ts";
import type { RewardFunction } from "../../lib/rewards/types.ts";
import { writeTinyChatModel } from "../helpers/chat_model.ts";

await initEngine({ verbose: false });

const CHATML =
  new URL("../fixtures/tokenizers/chatml/", import.meta.url).pathname;

const lengthReward: RewardFunction = {
  name: "len",
  range: [0, 100],
  description: "completion length in characters",
  score: (samples) => samples.map((s) => s.completion.length),
};

/** A tiny chat model with a 48-token context and a JSONL of prompts. */
async function grpoSetUp(rows: unknown[]) {
  const root = await Deno.makeTempDir({ prefix: "grpo-context-" });
  await writeTinyChatModel(`${root}/model`, { context: 48, std: 0.3 });
  const data = `${root}/prompts.jsonl`;
  await Deno.writeTextFile(
    data,
    rows.map((r) => JSON.stringify(r)).join("\n") + "\n",
  );
  const raw = {
    model: `${root}/model`,
    train_data: data,
    output_dir: `${root}/out`,
    lora: { r: 2, target_modules: ["q_proj"] },
    rewards: [{ name: "len" }],
    per_device_train_batch_size: 4,
    num_generations: 2,
    max_completion_length: 8,
    max_steps: 1,
    save_steps: 0,
  };
  return { root, data, raw };
}

const short = (t: string) => ({ prompt: [{ role: "user", content: t }] });

Deno.test("grpo refuses a prompt past the context by file and line; max_prompt_length cuts it and trains", async () => {
  const long = short("rain ".repeat(40));
  const { root, data, raw } = await grpoSetUp([
    short("Say rain"),
    short("Say snow"),
    long,
  ]);
  try {
    const config = parseGrpoConfig(raw, "test");
    const prompts = await readPromptExamples(config.trainData);
    await assert.rejects(
      () =>
        runGrpo(config, prompts, { rewards: [lengthReward], progress: false }),
      (error: Error) =>
        error.message.startsWith(`${data} line 3: the prompt has `) &&
        /with max_completion_length 8 that is \d+, past the model's context of 48 tokens \(max_position_embeddings\); set max_prompt_length to at most 40/
          .test(error.message),
    );
    const cut = parseGrpoConfig(
      { ...raw, max_prompt_length: 40, output_dir: `${root}/cut` },
      "test",
    );
    const result = await runGrpo(cut, prompts, {
      rewards: [lengthReward],
      progress: false,
    });
    assert.equal(result.steps, 1);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("grpo on an empty dataset names the file", async () => {
  const { root, data, raw } = await grpoSetUp([]);
  try {
    await Deno.writeTextFile(data, "");
    const config = parseGrpoConfig(raw, "test");
    await assert.rejects(
      async () =>
        await runGrpo(config, await readPromptExamples(config.trainData), {
          rewards: [lengthReward],
          progress: false,
        }),
      (error: Error) => error.message === `${data}: no prompts to train on`,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("sft cuts max_length to the model's context (and says so)", async () => {
  const root = await Deno.makeTempDir({ prefix: "sft-context-" });
  try {
    await writeTinyChatModel(`${root}/model`, { context: 32 });
    await Deno.writeTextFile(
      `${root}/train.json`,
      JSON.stringify([{
        messages: [
          { role: "user", content: "Write about the sea" },
          { role: "assistant", content: "the sea is wide ".repeat(12) },
        ],
      }]),
    );
    const result = await runSftFromConfig(
      {
        model: `${root}/model`,
        train_data: `${root}/train.json`,
        output_dir: `${root}/out`,
        lora: { r: 2, target_modules: ["q_proj"] },
        max_length: 1024,
        max_steps: 1,
        save_steps: 0,
      },
      "test",
      { progress: false },
    );
    assert.equal(result.trainReport.truncated, 1);
    assert.equal(result.steps, 1);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("sft: a prompt ending with a space trains its completion; a merged word names the row", async () => {
  const tok = await loadTokenizer(CHATML);
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/pairs.jsonl`;
    await Deno.writeTextFile(
      path,
      [
        { prompt: "What is ", completion: "the answer" },
        { prompt: "Say it:", completion: " now" },
        { prompt: "He", completion: "llo" },
      ].map((r) => JSON.stringify(r)).join("\n") + "\n",
    );
    const examples = parseSftRows(await readRows(path), path);
    const { tokens } = tokenizeExamples(tok, examples.slice(0, 2), 512);
    const trained = tokens.map(({ ids, mask }) =>
      tok.decode(ids.filter((_, i) => mask[i] === 1))
    );
    // The space the prompt ends with is written into " the" by the
    // tokenizer, so the loss starts there: the whole completion is trained.
    assert.deepEqual(trained, [" the answer<|im_end|>", " now<|im_end|>"]);
    assert.equal(tok.decode(tokens[0].ids), "What is the answer<|im_end|>");
    assert.throws(
      () => tokenizeExamples(tok, examples, 512),
      (error: Error) =>
        error.message.startsWith(`${path} line 3: tokenizer in `) &&
        /ids of the prompt are not a prefix/.test(error.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
