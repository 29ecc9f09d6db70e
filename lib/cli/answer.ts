/**
 * `deno task answer`: answers questions with a model, in batches, in
 * ee596-fp's `<reasoning>…</reasoning><answer>…</answer>` format, and writes
 * the answers as JSON.
 *
 *   deno task answer (--questions FILE | --batch FILE | --examples [CATEGORY])
 *                    [--domain NAME | --system TEXT] [--model M] [--adapter DIR]
 *                    [--preset P] [--k N] [--out FILE.json] [--max-new-tokens N]
 *                    [--seed N] [--batch-size N]
 *
 * FILE is a `.txt` file with one question per line (blank lines and lines
 * starting with `#` skipped; ee596-fp's `--batch questions.txt`, and
 * `--batch` is accepted as another name for `--questions`), or any format
 * `readRows` reads (JSON, JSONL, CSV, Parquet) with a `question` (or
 * `prompt`) column and optionally `id`. `--examples` answers the built-in
 * problems (lib/chat/examples.ts) of one category or, without one, of all;
 * `--domain` answers with a domain assistant's system prompt
 * (lib/chat/domains.ts), and with `--examples` its example questions.
 * `--k` answers per question (default 1). Each entry is
 * `{id, question, answer, reasoning, final_answer, format_ok, preset, seed}`;
 * without `--out` the JSON goes to stdout. `--max-new-tokens` is cut (with
 * a note) so the longest question and its answer fit the model's context;
 * a question that leaves no room is refused by its file and line.
 *
 * @module
 */
import { answerPrompts, answerRecord } from "../chat/answers.ts";
import { loadChatModel, parsePreset, PRESET_NAMES } from "../chat/load.ts";
import { initEngine } from "../engine/mod.ts";
import { sampleCompletions, sampleSeed } from "../eval/generate_samples.ts";
import type { PresetName } from "../generate/presets.ts";
import { flag } from "../util/flags.ts";
import { Progress } from "../util/progress.ts";
import {
  QUESTION_FLAGS,
  questionInput,
  withOptionalExamples,
} from "./question_flags.ts";
import { startTask } from "./task.ts";

const { values: args } = startTask({
  name: "answer",
  summary:
    "Answers the questions of a file (or the built-in examples) with a model, in the <reasoning>/<answer> format, as JSON.",
  flags: {
    ...QUESTION_FLAGS,
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
    "max-new-tokens": flag.integer("new tokens per answer", {
      min: 1,
      default: 512,
    }),
    seed: flag.integer("sampling seed", { default: 0 }),
    "batch-size": flag.integer("questions per batch", { min: 1, default: 8 }),
  },
}, withOptionalExamples(Deno.args));
const { k, seed, preset } = args;
const maxNewTokens = args["max-new-tokens"];
const batchSize = args["batch-size"];

const { questions, where, system, domain } = await questionInput(args);
if (domain?.safety) console.error(`note: ${domain.safety}`);

await initEngine({ verbose: false });
const { model, tokenizer } = await loadChatModel(args.model, args.adapter);

const context = model.config.maxPositionEmbeddings;
const { prompts, budget, longest } = answerPrompts(
  tokenizer,
  context,
  questions,
  system,
  maxNewTokens,
  where,
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
