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
 * without `--out` the JSON goes to stdout.
 *
 * @module
 */
import { cliHelpers } from "./args.ts";
import {
  answerRecord,
  questionsOf,
  REASONING_SYSTEM_PROMPT,
} from "../chat/answers.ts";
import { loadChatModel, parsePreset, PRESET_NAMES } from "../chat/load.ts";
import { readRows } from "../data/read.ts";
import { initEngine } from "../engine/mod.ts";
import { sampleCompletions, sampleSeed } from "../eval/generate_samples.ts";
import type { ChatMessage } from "../tokenizer/mod.ts";
import { Progress } from "../util/progress.ts";

const USAGE =
  `usage: deno task answer --questions FILE [--model M] [--adapter DIR] [--preset ${
    PRESET_NAMES.join("|")
  }] [--k N] [--out FILE.json] [--system TEXT] [--max-new-tokens N] [--seed N] [--batch-size N]`;
const { fail, integer, parse } = cliHelpers("answer", USAGE);

const args = parse({
  questions: { type: "string" },
  model: { type: "string" },
  adapter: { type: "string" },
  preset: { type: "string", default: "standard" },
  k: { type: "string" },
  out: { type: "string" },
  system: { type: "string" },
  "max-new-tokens": { type: "string" },
  seed: { type: "string" },
  "batch-size": { type: "string" },
});
if (!args.questions) fail("--questions is required");
let preset;
try {
  preset = parsePreset(args.preset!);
} catch (error) {
  fail(`--preset: ${(error as Error).message}`);
}
const k = integer("k", args.k, 1, 1);
const maxNewTokens = integer("max-new-tokens", args["max-new-tokens"], 1, 512);
const seed = integer("seed", args.seed, 0, 0);
const batchSize = integer("batch-size", args["batch-size"], 1, 8);
const system = args.system ?? REASONING_SYSTEM_PROMPT;

let questions;
try {
  questions = questionsOf(await readRows(args.questions!), args.questions!);
} catch (error) {
  const message = (error as Error).message;
  fail(
    error instanceof Deno.errors.NotFound && !message.includes(args.questions!)
      ? `${args.questions}: no such file`
      : message,
    1,
  );
}

await initEngine({ verbose: false });
let loaded;
try {
  loaded = await loadChatModel(args.model, args.adapter);
} catch (error) {
  fail((error as Error).message, 1);
}
const { model, tokenizer } = loaded!;

const prompts: ChatMessage[][] = questions!.map((q) => [
  ...(system ? [{ role: "system" as const, content: system }] : []),
  { role: "user" as const, content: q.question },
]);
const progress = new Progress("answer", prompts.length * k, {
  unit: "answer",
});
const { outputs } = sampleCompletions(model, tokenizer, prompts, {
  k,
  seed,
  sampling: preset!,
  maxNewTokens,
  batchSize,
  onProgress: (done) => progress.update(done),
});
model.dispose();

// Sample j of question i came from the batch holding i in pass j.
const records = questions!.flatMap((q, i) =>
  outputs[i].samples.map((text, j) =>
    answerRecord(
      q,
      text,
      preset!,
      sampleSeed(seed, j, Math.floor(i / batchSize)),
    )
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
