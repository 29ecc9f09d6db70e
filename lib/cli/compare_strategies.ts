/**
 * `deno task compare:strategies`: ee596-fp's comparison of generation
 * strategies. Answers the same questions under each sampling preset with
 * the same seeds and prints Markdown tables: one row per question × preset
 * (words, distinct-2, strict format, the answer), then one row per preset
 * (mean words, mean distinct-2, format rate, seconds).
 *
 *   deno task compare:strategies [--model M] [--adapter DIR]
 *       [--questions FILE | --batch FILE | --examples [CATEGORY]] [--domain NAME | --system TEXT]
 *       [--presets greedy,conservative,standard,creative] [--max-new-tokens N]
 *       [--seed S] [--batch-size N] [--out DIR]
 *
 * Without a question flag it asks every built-in example (lib/chat/examples.ts).
 * The questions, `--domain` and `--system` work as in `deno task answer`.
 * `--out DIR` also writes comparison.csv, summary.csv and comparison.json
 * there (lib/chat/strategy_report.ts). Progress and notes go to stderr.
 *
 * @module
 */
import { answerPrompts } from "../chat/answers.ts";
import { loadChatModel, parsePreset, PRESET_NAMES } from "../chat/load.ts";
import { compareStrategies } from "../chat/strategies.ts";
import {
  strategyMarkdown,
  writeStrategyReport,
} from "../chat/strategy_report.ts";
import { initEngine } from "../engine/mod.ts";
import { type PresetName, PRESETS } from "../generate/presets.ts";
import { flag } from "../util/flags.ts";
import { Progress } from "../util/progress.ts";
import {
  QUESTION_FLAGS,
  questionInput,
  withOptionalExamples,
} from "./question_flags.ts";
import { startTask } from "./task.ts";

/** A comma-separated list of distinct preset names. */
function parsePresetList(text: string): PresetName[] {
  const names = text.split(",").map((name) => name.trim());
  const presets = names.map(parsePreset);
  const twice = presets.find((p, i) => presets.indexOf(p) !== i);
  if (twice) throw new Error(`"${twice}" is listed twice`);
  return presets;
}

const { values: args } = startTask({
  name: "compare:strategies",
  summary:
    "Answers the same questions under each sampling preset with the same seeds and compares the answers (words, distinct-2, format, time) in Markdown tables.",
  flags: {
    model: flag.string("model folder or hub id (default: the default model)", {
      arg: "M",
    }),
    adapter: flag.string("PEFT LoRA adapter folder to apply", { arg: "DIR" }),
    ...QUESTION_FLAGS,
    presets: flag.parsed(
      "comma-separated presets to compare, in order",
      parsePresetList,
      {
        arg: "P,P,…",
        default: PRESET_NAMES,
      },
    ),
    "max-new-tokens": flag.integer("new tokens per answer", {
      min: 1,
      default: 128,
    }),
    seed: flag.integer("sampling seed, the same for every preset", {
      default: 0,
    }),
    "batch-size": flag.integer("questions per batch", { min: 1, default: 8 }),
    out: flag.string(
      "also write comparison.csv, summary.csv and comparison.json here",
      { arg: "DIR" },
    ),
  },
  more: () =>
    `Presets: ${
      PRESET_NAMES.map((name) => {
        const p = PRESETS[name];
        return `${name} (temperature ${p.temperature}, top-k ${p.topK}, top-p ${p.topP})`;
      }).join(", ")
    }.\nWithout --questions, --batch or --examples: every built-in example.`,
}, withOptionalExamples(Deno.args));
const { presets, seed } = args;
const maxNewTokens = args["max-new-tokens"];

const input = await questionInput(args, "all");
if (input.domain?.safety) console.error(`note: ${input.domain.safety}`);

await initEngine({ verbose: false });
const { model, tokenizer, source, adapter } = await loadChatModel(
  args.model,
  args.adapter,
);
const context = model.config.maxPositionEmbeddings;
const { prompts, budget, longest } = answerPrompts(
  tokenizer,
  context,
  input.questions,
  input.system,
  maxNewTokens,
  input.where,
);
if (budget < maxNewTokens) {
  console.error(
    `note: --max-new-tokens ${maxNewTokens} cut to ${budget} (context ${context}, longest prompt ${longest} tokens)`,
  );
}
const progress = new Progress(
  "compare:strategies",
  presets.length * prompts.length,
  { unit: "answer" },
);
const result = compareStrategies(model, tokenizer, input.questions, prompts, {
  presets,
  seed,
  maxNewTokens: budget,
  batchSize: args["batch-size"],
  onProgress: (done) => progress.update(done),
});
model.dispose();

console.log(strategyMarkdown(result));
if (args.out) {
  const paths = await writeStrategyReport(args.out, result, {
    model: source,
    adapter: adapter ?? null,
    questions: input.source,
    domain: input.domain?.name ?? null,
    system: input.system,
    presets,
    seed,
    max_new_tokens: budget,
    batch_size: args["batch-size"],
  });
  console.error(`wrote ${paths.join(", ")}`);
}
