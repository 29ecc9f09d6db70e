/**
 * `deno task bench:gsm8k`: a model's accuracy on GSM8K-format math
 * questions (a local JSONL/JSON/CSV/parquet file, or a hub dataset id).
 *
 *   deno task bench:gsm8k --data data/math/eval.jsonl --limit 20
 *   deno task bench:gsm8k --model M --adapter DIR --data openai/gsm8k --k 4 --preset standard
 *
 * Options: --model (folder or hub id; default the embedded tiny-base),
 * --adapter (a PEFT LoRA folder), --data (required), --config / --split
 * for hub ids and folders (default "main" / "test"), --limit N (first N
 * questions), --k N (samples per question, default 1), --preset
 * (greedy | conservative | standard | creative; default greedy for k = 1,
 * standard otherwise), --max-new-tokens (default 256, cut to the model's
 * context), --system-prompt (r1 | short | none; default r1),
 * --min-new-tokens (default 64: a question whose prompt leaves less room
 * for its answer is skipped, and the skips are counted and listed), --seed,
 * --batch-size, --out (default results/gsm8k/<model>/).
 *
 * Prints a markdown table and writes results.json (settings, metrics,
 * every completion), questions.csv, samples.csv and summary.md to --out.
 *
 * @module
 */
import { type Gsm8kRow, gsm8kRows } from "../data/gsm8k.ts";
import { loadDataset } from "../data/hub.ts";
import { readRows } from "../data/read.ts";
import { initEngine } from "../engine/mod.ts";
import { writeReport } from "../eval/report.ts";
import { summaryTable } from "../eval/tables.ts";
import { evaluateMathOutputs } from "../experiments/math/metrics.ts";
import { MATH_CSV_LAYOUT } from "../experiments/math/report.ts";
import { MATH_SYSTEM_PROMPTS, mathPrompt } from "../prompt/system_prompts.ts";
import { sampleCompletions } from "../eval/generate_samples.ts";
import { type PresetName, PRESETS } from "../generate/presets.ts";
import { DEFAULT_MODEL_DIR } from "../model/default_model.ts";
import { loadPretrained } from "../model/pretrained.ts";
import { loadAdapter } from "../peft/mod.ts";
import { encodePrompt } from "../prompt/encode.ts";
import { newTokenBudget } from "../generate/context.ts";
import { InputError } from "../util/errors.ts";
import { flag } from "../util/flags.ts";
import { Progress } from "../util/progress.ts";
import { repoPath } from "../util/paths.ts";
import { startTask } from "./task.ts";

const { values: args } = startTask({
  name: "bench:gsm8k",
  summary:
    "A model's accuracy on GSM8K-format math questions (a local file or folder, or a hub dataset id).",
  flags: {
    data: flag.string(
      "questions: a JSONL/JSON/CSV/Parquet file, folder or hub id",
      {
        arg: "SOURCE",
        required: true,
      },
    ),
    model: flag.string("model folder or hub id (default: the default model)", {
      arg: "M",
    }),
    adapter: flag.string("PEFT LoRA adapter folder to apply", { arg: "DIR" }),
    config: flag.string("dataset config, for hub ids and folders", {
      arg: "NAME",
      default: "main",
    }),
    split: flag.string("dataset split, for hub ids and folders", {
      arg: "NAME",
      default: "test",
    }),
    limit: flag.integer("only the first N questions", { min: 1 }),
    k: flag.integer("samples per question", { min: 1, default: 1 }),
    preset: flag.choice(
      "sampling preset (default greedy for k = 1, else standard)",
      Object.keys(PRESETS) as PresetName[],
    ),
    "max-new-tokens": flag.integer(
      "new tokens per answer, cut to the context",
      {
        min: 1,
        default: 256,
      },
    ),
    "system-prompt": flag.choice(
      "system prompt: r1 (finetuned-llama's), short (train:math's) or none (the question alone)",
      MATH_SYSTEM_PROMPTS,
      { default: "r1" },
    ),
    "min-new-tokens": flag.integer(
      "a question whose prompt leaves fewer tokens of the context for its answer is skipped (and counted)",
      { min: 1, default: 64 },
    ),
    seed: flag.integer("sampling and bootstrap seed", { default: 0 }),
    "batch-size": flag.integer("questions per batch", { min: 1, default: 8 }),
    out: flag.string("results folder (default: results/gsm8k/<model>)", {
      arg: "DIR",
    }),
  },
});

/** The rows of --data: a file read directly, else folder or hub via loadDataset. */
async function readQuestions(source: string): Promise<Gsm8kRow[]> {
  const stat = await Deno.stat(source).catch(() => undefined);
  if (stat?.isFile) return gsm8kRows(await readRows(source), source);
  const loaded = await loadDataset(source, {
    config: args.config,
    split: args.split,
  });
  const label = loaded.origin === "hub"
    ? `${source} (config "${args.config}", split "${args.split}")`
    : source;
  return gsm8kRows(loaded.rows, label);
}

/** A short name for result folders: the last path part of the model (and adapter). */
function runName(model: string, adapter?: string): string {
  const base = (p: string) =>
    p.replace(/[\\/]+$/, "").split(/[\\/]/).at(-1)!.replace(/@.*$/, "");
  return adapter ? `${base(model)}+${base(adapter)}` : base(model);
}

const { k, limit, seed } = args;
const maxNewTokens = args["max-new-tokens"];
const batchSize = args["batch-size"];
const preset = args.preset ?? (k === 1 ? "greedy" : "standard");

const modelSource = args.model ?? DEFAULT_MODEL_DIR;
const outDir = args.out ??
  repoPath(`results/gsm8k/${runName(modelSource, args.adapter)}`);

let questions = await readQuestions(args.data);
if (questions.length === 0) throw new InputError(`${args.data}: no questions`);
if (limit !== undefined) questions = questions.slice(0, limit);

await initEngine({ verbose: false });
const { model, tokenizer, dir } = await loadPretrained(modelSource);
if (!tokenizer) {
  throw new Error(
    `${dir} has no tokenizer.json/tokenizer_config.json; the benchmark needs the model's tokenizer`,
  );
}
if (args.adapter) await loadAdapter(args.adapter, model);

const system = args["system-prompt"];
// Positions past the model's context are untrained: a question whose
// prompt leaves too little room for an answer is skipped (and reported),
// and the budget is cut so the longest kept prompt plus its answer fits.
const context = model.config.maxPositionEmbeddings;
const room = Math.min(maxNewTokens, args["min-new-tokens"]);
const allPrompts = questions.map((q) =>
  mathPrompt(q.question, "think", { system })
);
const lengths = allPrompts.map((p) => encodePrompt(tokenizer, p).length);
const skippedRows = lengths.flatMap((n, i) =>
  context - n < room ? [i + 1] : []
);
if (skippedRows.length === questions.length) {
  throw new InputError(
    `${args.data}: every question's prompt leaves fewer than ${room} of the model's ${context}-token context for the answer (shortest prompt ${
      Math.min(...lengths)
    } tokens with --system-prompt ${system}); try --system-prompt short or none, or a lower --min-new-tokens`,
  );
}
if (skippedRows.length > 0) {
  const shown = skippedRows.slice(0, 20).join(", ");
  console.error(
    `skipped ${skippedRows.length} of ${questions.length} questions: the prompt leaves fewer than ${room} of the ${context}-token context for the answer (--system-prompt ${system}); rows ${shown}${
      skippedRows.length > 20 ? ", …" : ""
    }`,
  );
  const skip = new Set(skippedRows);
  questions = questions.filter((_, i) => !skip.has(i + 1));
}
const prompts = allPrompts.filter((_, i) => !skippedRows.includes(i + 1));
const { budget, longest } = newTokenBudget(
  context,
  lengths.filter((_, i) => !skippedRows.includes(i + 1)),
  maxNewTokens,
  (i) => `${args.data} question ${i + 1}`,
);
if (budget < maxNewTokens) {
  console.error(
    `note: --max-new-tokens ${maxNewTokens} cut to ${budget} (context ${context}, longest kept prompt ${longest} tokens)`,
  );
}

const progress = new Progress("generate", questions.length * k, {
  unit: "sample",
});
const started = performance.now();
const { outputs, settings } = sampleCompletions(model, tokenizer, prompts, {
  k,
  seed,
  sampling: preset,
  maxNewTokens: budget,
  batchSize,
  onProgress: (done) => progress.update(done),
});
const seconds = (performance.now() - started) / 1000;

const name = runName(modelSource, args.adapter);
const report = await evaluateMathOutputs(
  questions.map((q, i) => ({
    question: q.question,
    gold: q.final,
    prompt: prompts[i],
    samples: outputs[i].samples,
  })),
  { model: name, generation: settings, bootstrap: { seed } },
);
const truncated = outputs.flatMap((o) => o.truncated).filter(Boolean).length;
const skippedNote = skippedRows.length
  ? ` (${skippedRows.length} of ${
    questions.length + skippedRows.length
  } questions skipped: prompt too long for the context)`
  : "";
const table = `${name} on ${args.data}${skippedNote}\n\n${
  summaryTable([report])
}`;
console.log(table);

const files = await writeReport(
  outDir,
  [report],
  { ...MATH_CSV_LAYOUT, summaryMarkdown: () => table },
  {
    settings: {
      model: modelSource,
      adapter: args.adapter ?? null,
      data: args.data,
      ...(await Deno.stat(args.data).catch(() => undefined)
        ? {}
        : { config: args.config, split: args.split }),
      limit: limit ?? null,
      k,
      preset,
      system_prompt: system,
      system_prompt_text: system === "none" ? null : prompts[0][0].content,
      skipped: { count: skippedRows.length, rows: skippedRows },
      seconds,
      truncated,
    },
  },
);
console.error(
  `wrote ${outDir}/{${
    Object.values(files).filter((f) => typeof f === "string").map((f) =>
      f.split("/").at(-1)
    ).join(",")
  }} (${report.settings.prompts} questions × k = ${k}, ${truncated} completions cut at ${budget} tokens, ${
    seconds.toFixed(1)
  } s)`,
);
