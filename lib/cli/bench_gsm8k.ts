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
 * context), --seed, --batch-size, --out (default results/gsm8k/<model>/).
 *
 * Prints a markdown table and writes the evaluation files of lib/eval
 * (summary.md, summary.csv, per_prompt.csv, samples.csv, reports.json with
 * every completion) and settings.json (the run's options) to --out.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type Gsm8kRow, gsm8kRows } from "../data/gsm8k.ts";
import { loadDataset } from "../data/hub.ts";
import { readRows } from "../data/read.ts";
import { initEngine } from "../engine/mod.ts";
import { mathPrompt } from "../eval/math.ts";
import { sampleCompletions } from "../eval/generate_samples.ts";
import { writeReport } from "../eval/report.ts";
import { summaryTable } from "../eval/tables.ts";
import { evaluateMathOutputs } from "../experiments/math/metrics.ts";
import { MATH_CSV_LAYOUT } from "../experiments/math/report.ts";
import { type PresetName, PRESETS } from "../generate/presets.ts";
import { DEFAULT_MODEL_DIR } from "../model/default_model.ts";
import { loadPretrained } from "../model/pretrained.ts";
import { loadAdapter } from "../peft/mod.ts";
import { encodePrompt } from "../train/grpo/rollout.ts";
import { Progress } from "../util/progress.ts";
import { repoPath } from "../util/paths.ts";

const USAGE =
  "usage: deno task bench:gsm8k --data <file|folder|org/name> [--model M] [--adapter DIR] [--config main] [--split test] [--limit N] [--k N] [--preset greedy|conservative|standard|creative] [--max-new-tokens N] [--seed N] [--batch-size N] [--out DIR]";

const { values: args } = parseArgs({
  options: {
    model: { type: "string" },
    adapter: { type: "string" },
    data: { type: "string" },
    config: { type: "string", default: "main" },
    split: { type: "string", default: "test" },
    limit: { type: "string" },
    k: { type: "string", default: "1" },
    preset: { type: "string" },
    "max-new-tokens": { type: "string", default: "256" },
    seed: { type: "string", default: "0" },
    "batch-size": { type: "string", default: "8" },
    out: { type: "string" },
  },
});

function fail(message: string): never {
  console.error(`bench:gsm8k: ${message}\n${USAGE}`);
  Deno.exit(2);
}

function positiveInt(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    fail(`--${name} must be a positive integer, got "${text}"`);
  }
  return value;
}

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

if (!args.data) fail("--data is required");
const k = positiveInt("k", args.k);
const maxNewTokens = positiveInt("max-new-tokens", args["max-new-tokens"]);
const batchSize = positiveInt("batch-size", args["batch-size"]);
const limit = args.limit === undefined
  ? undefined
  : positiveInt("limit", args.limit);
const seed = Number(args.seed);
if (!Number.isInteger(seed)) {
  fail(`--seed must be an integer, got "${args.seed}"`);
}
const preset = (args.preset ?? (k === 1 ? "greedy" : "standard")) as PresetName;
if (!(preset in PRESETS)) {
  fail(
    `unknown --preset "${args.preset}"; expected one of ${
      Object.keys(PRESETS).join(", ")
    }`,
  );
}

const modelSource = args.model ?? DEFAULT_MODEL_DIR;
const outDir = args.out ??
  repoPath(`results/gsm8k/${runName(modelSource, args.adapter)}`);

try {
  let questions = await readQuestions(args.data!);
  if (questions.length === 0) throw new Error(`${args.data}: no questions`);
  if (limit !== undefined) questions = questions.slice(0, limit);

  await initEngine({ verbose: false });
  const { model, tokenizer, dir } = await loadPretrained(modelSource);
  if (!tokenizer) {
    throw new Error(
      `${dir} has no tokenizer.json/tokenizer_config.json; the benchmark needs the model's tokenizer`,
    );
  }
  if (args.adapter) await loadAdapter(args.adapter, model);

  const prompts = questions.map((q) => mathPrompt(q.question));
  // Positions past the model's context are untrained; cut the budget so the
  // longest prompt plus its answer still fits.
  const longest = Math.max(
    ...prompts.map((p) => encodePrompt(tokenizer, p).length),
  );
  const context = model.config.maxPositionEmbeddings;
  if (longest >= context) {
    throw new Error(
      `the longest prompt has ${longest} tokens, at or past ${dir}'s context of ${context} (max_position_embeddings)`,
    );
  }
  const budget = Math.min(maxNewTokens, context - longest);
  if (budget < maxNewTokens) {
    console.error(
      `note: --max-new-tokens ${maxNewTokens} cut to ${budget} (context ${context}, longest prompt ${longest} tokens)`,
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
  const table = `${name} on ${args.data}\n\n${summaryTable([report])}`;
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
        ...(await Deno.stat(args.data!).catch(() => undefined)
          ? {}
          : { config: args.config, split: args.split }),
        limit: limit ?? null,
        k,
        preset,
        prompt: prompts[0][0].content,
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
} catch (error) {
  console.error(`bench:gsm8k: ${(error as Error).message}`);
  Deno.exit(1);
}
