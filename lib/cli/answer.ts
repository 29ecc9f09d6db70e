/**
 * `deno task answer`: answers every question of a data file with a model,
 * in batches, in ee596-fp's `<reasoning>…</reasoning><answer>…</answer>`
 * format, and writes the answers as JSON.
 *
 *   deno task answer --questions FILE [--model M] [--adapter DIR] [--preset P] [--k N]
 *                    [--out FILE.json] [--system TEXT] [--max-new-tokens N] [--seed N]
 *                    [--batch-size N]
 *
 * FILE is any format `readRows` reads (JSON, JSONL, CSV, Parquet) with a
 * `question` (or `prompt`) column and optionally `id`. `--k` answers per
 * question (default 1). Each entry is
 * `{id, question, answer, reasoning, final_answer, format_ok, preset, seed}`;
 * without `--out` the JSON goes to stdout. `--max-new-tokens` is cut (with
 * a note) so the longest question and its answer fit the model's context;
 * a question that leaves no room is refused by its file and line.
 *
 * @module
 */
import { answerRecord, questionsOf } from "../chat/answers.ts";
import { REASONING_SYSTEM_PROMPT } from "../prompt/system_prompts.ts";
import { loadChatModel, parsePreset, PRESET_NAMES } from "../chat/load.ts";
import { readRows } from "../data/read.ts";
import { type Row, rowLocation } from "../data/rows.ts";
import { newTokenBudget } from "../generate/context.ts";
import { encodePrompt } from "../prompt/encode.ts";
import { initEngine } from "../engine/mod.ts";
import { sampleCompletions, sampleSeed } from "../eval/generate_samples.ts";
import type { PresetName } from "../generate/presets.ts";
import type { ChatMessage } from "../tokenizer/mod.ts";
import { InputError } from "../util/errors.ts";
import { flag } from "../util/flags.ts";
import { Progress } from "../util/progress.ts";
import { startTask } from "./task.ts";

const { values: args } = startTask({
  name: "answer",
  summary:
    "Answers every question of a data file with a model, in the <reasoning>/<answer> format, as JSON.",
  flags: {
    questions: flag.string(
      "questions file (JSON, JSONL, CSV, Parquet) with a question or prompt column",
      { arg: "FILE", required: true },
    ),
    model: flag.string("model folder or hub id (default: the default model)", {
      arg: "M",
    }),
    adapter: flag.string("PEFT LoRA adapter folder to apply", { arg: "DIR" }),
    preset: flag.parsed("sampling preset", parsePreset, {
      arg: PRESET_NAMES.join("|"),
      default: "standard" as PresetName,
    }),
    k: flag.integer("answers per question", { min: 1, default: 1 }),
    out: flag.string("write the JSON here (default: stdout)", { arg: "FILE" }),
    system: flag.string("system prompt (default: the reasoning prompt)", {
      arg: "TEXT",
    }),
    "max-new-tokens": flag.integer("new tokens per answer", {
      min: 1,
      default: 512,
    }),
    seed: flag.integer("sampling seed", { default: 0 }),
    "batch-size": flag.integer("questions per batch", { min: 1, default: 8 }),
  },
});
const { k, seed, preset } = args;
const maxNewTokens = args["max-new-tokens"];
const batchSize = args["batch-size"];
const system = args.system ?? REASONING_SYSTEM_PROMPT;

let rows: Row[] = [];
let questions;
try {
  rows = await readRows(args.questions);
  questions = questionsOf(rows, args.questions);
} catch (error) {
  const message = (error as Error).message;
  throw error instanceof Deno.errors.NotFound &&
      !message.includes(args.questions)
    ? new InputError(`${args.questions}: no such file`)
    : error;
}

await initEngine({ verbose: false });
const { model, tokenizer } = await loadChatModel(args.model, args.adapter);

const prompts: ChatMessage[][] = questions.map((q) => [
  ...(system ? [{ role: "system" as const, content: system }] : []),
  { role: "user" as const, content: q.question },
]);
// Past the context a model writes garbage: cut the budget so the longest
// question plus its answer fits, and refuse a question that leaves no room.
const context = model.config.maxPositionEmbeddings;
const { budget, longest } = newTokenBudget(
  context,
  prompts.map((p) => encodePrompt(tokenizer, p).length),
  maxNewTokens,
  (i) => `${args.questions} ${rowLocation(rows[i], i)}: the question`,
);
if (budget < maxNewTokens) {
  console.error(
    `note: --max-new-tokens ${maxNewTokens} cut to ${budget} (context ${context}, longest prompt ${longest} tokens)`,
  );
}
const progress = new Progress("answer", prompts.length * k, {
  unit: "answer",
});
const { outputs } = sampleCompletions(model, tokenizer, prompts, {
  k,
  seed,
  sampling: preset!,
  maxNewTokens: budget,
  batchSize,
  onProgress: (done) => progress.update(done),
});
model.dispose();

// Sample j of question i drew from its own stream, seeded by (seed, j, i).
const records = questions.flatMap((q, i) =>
  outputs[i].samples.map((text, j) =>
    answerRecord(q, text, preset, sampleSeed(seed, j, i))
  )
);
const json = JSON.stringify(records, null, 2) + "\n";
if (args.out) {
  await Deno.writeTextFile(args.out, json);
  const ok = records.filter((r) => r.format_ok).length;
  console.error(
    `wrote ${args.out}: ${records.length} answers, ${ok} in the strict <reasoning>/<answer> format`,
  );
} else Deno.stdout.writeSync(new TextEncoder().encode(json));
