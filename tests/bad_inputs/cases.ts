/**
 * The table of malformed inputs, each run as a real process of a task:
 * which task, its arguments (built on the fixtures), the exit status, what
 * the one-line message must name, what it must not (internal names), and
 * the output paths that must not exist afterwards.
 *
 * @module
 */
import { parquetWriteBuffer } from "hyparquet-writer";
import { bytes, type Fixtures, jsonl, truncateHalf } from "./fixtures.ts";

/** What one case runs and expects. */
export interface Run {
  args: string[];
  /** Piped to stdin (chat). */
  stdin?: string;
  /** Substrings the error line must contain (file, field, line, flag). */
  mentions: string[];
  /** Substrings it must not contain (internal names). */
  not?: string[];
  /** Paths that must not exist after the failure. */
  absent?: string[];
}

/** One malformed input. */
export interface Case {
  name: string;
  /** The deno.json task. */
  task: string;
  /** Exit status (default 1: input the user can fix). */
  code?: number;
  setUp(f: Fixtures): Run;
}

const lines = (...rows: string[]) => rows.join("\n") + "\n";
const user = (content: string) => [{ role: "user", content }];
const LONG = "moon ".repeat(80);

/** An SFT config case: `overrides` on a valid config; its output dir must not appear. */
function sftField(
  name: string,
  overrides: Record<string, unknown>,
  mentions: string[],
  not: string[] = [],
): Case {
  return {
    name,
    task: "sft",
    setUp(f) {
      const config = f.sftConfig(
        `${name.replace(/\W+/g, "_")}.json`,
        overrides,
      );
      const outputDir = JSON.parse(Deno.readTextFileSync(config)).output_dir;
      return {
        args: ["--config", config],
        mentions: [config, ...mentions],
        not,
        absent: [outputDir],
      };
    },
  };
}

/** A GRPO config case, as {@link sftField}. */
function grpoField(
  name: string,
  overrides: Record<string, unknown>,
  mentions: string[],
): Case {
  return {
    name,
    task: "grpo",
    setUp(f) {
      const config = f.grpoConfig(
        `${name.replace(/\W+/g, "_")}.json`,
        overrides,
      );
      const outputDir = JSON.parse(Deno.readTextFileSync(config)).output_dir;
      return {
        args: ["--config", config],
        mentions: [config, ...mentions],
        absent: [outputDir],
      };
    },
  };
}

/** An SFT run on a data file; data errors come before the model loads. */
function sftData(
  name: string,
  fileName: string,
  content: string | Uint8Array | unknown,
  mentions: string[],
  options: { before?: boolean } = { before: true },
): Case {
  return {
    name,
    task: "sft",
    setUp(f) {
      const data = f.file(fileName, content);
      const config = f.sftConfig(`${fileName}.config.json`, {
        train_data: data,
      });
      const outputDir = JSON.parse(Deno.readTextFileSync(config)).output_dir;
      return {
        args: ["--config", config],
        mentions: [data, ...mentions],
        // Errors found after the model loads may leave the output folder
        // (that the run validates everything first is another change).
        absent: options.before ? [outputDir] : [],
      };
    },
  };
}

/** A GRPO run on a prompts file. */
function grpoData(
  name: string,
  fileName: string,
  content: string | Uint8Array,
  mentions: string[],
  options: { before?: boolean; overrides?: Record<string, unknown> } = {
    before: true,
  },
): Case {
  return {
    name,
    task: "grpo",
    setUp(f) {
      const data = f.file(fileName, content);
      const config = f.grpoConfig(`${fileName}.config.json`, {
        train_data: data,
        ...options.overrides,
      });
      const outputDir = JSON.parse(Deno.readTextFileSync(config)).output_dir;
      return {
        args: ["--config", config],
        mentions: [data, ...mentions],
        absent: options.before ? [outputDir] : [],
      };
    },
  };
}

/** A parquet file of string columns, optionally with an integer column. */
function parquet(columns: Record<string, (string | number)[]>): Uint8Array {
  return new Uint8Array(parquetWriteBuffer({
    columnData: Object.entries(columns).map(([name, data]) => ({
      name,
      data,
      type: typeof data[0] === "number" ? "INT32" : "STRING",
    })),
  }));
}

export const CASES: Case[] = [
  // Config files: malformed, unknown or mistyped fields, out of range.
  {
    name: "sft: malformed JSON config",
    task: "sft",
    setUp(f) {
      const config = f.file("broken.json", '{"model": "m",\n  "max_steps": }');
      return { args: ["--config", config], mentions: [config] };
    },
  },
  {
    name: "sft: a config that is a JSON array",
    task: "sft",
    setUp(f) {
      const config = f.file("array.json", "[1, 2]");
      return { args: ["--config", config], mentions: [config, "(root)"] };
    },
  },
  {
    name: "sft: a config with a non-UTF-8 byte",
    task: "sft",
    setUp(f) {
      const config = f.file(
        "latin1.json",
        bytes('{\n  "output_dir": "r', [0xe9], 'sultat"\n}'),
      );
      return {
        args: ["--config", config],
        mentions: [config, "line 2", "invalid UTF-8", "byte 20"],
      };
    },
  },
  sftField("sft: unknown field", { lerning_rate: 1e-3 }, ['"lerning_rate"']),
  sftField("sft: mistyped field", { max_steps: "ten" }, ['"max_steps"']),
  sftField("sft: learning_rate 0", { learning_rate: 0 }, ['"learning_rate"'], [
    "peakLr",
  ]),
  sftField("sft: learning_rate past 1", { learning_rate: 3 }, [
    '"learning_rate" must be greater than 0 and at most 1, got 3',
  ]),
  sftField(
    "sft: negative lora_alpha",
    { lora: { r: 2, lora_alpha: -4 } },
    ['"lora.lora_alpha"'],
    ['"alpha"'],
  ),
  sftField("sft: lora r 0", { lora: { r: 0 } }, ['"lora.r"']),
  sftField(
    "sft: warmup past max_steps",
    { warmup_steps: 20, max_steps: 5 },
    ['"warmup_steps"'],
    ["warmupSteps", "totalSteps"],
  ),
  sftField(
    "sft: warmup on the constant schedule",
    { lr_scheduler_type: "constant", warmup_ratio: 0.1 },
    ['"warmup_ratio"', "constant_with_warmup"],
  ),
  sftField("sft: unknown schedule", { lr_scheduler_type: "cosine_restarts" }, [
    '"lr_scheduler_type"',
  ]),
  sftField("sft: lora section not an object", { lora: 8 }, ['"lora"']),
  {
    name: "sft: lora target_modules matching no module",
    task: "sft",
    setUp(f) {
      const config = f.sftConfig("targets.json", {
        lora: { r: 2, target_modules: ["c_attn"] },
      });
      return {
        args: ["--config", config],
        mentions: ['"target_modules"', '"c_attn" matches no module'],
        not: ["targetModules"],
      };
    },
  },
  {
    name: "sft: missing train data file",
    task: "sft",
    setUp(f) {
      const config = f.sftConfig("nodata.json", {
        train_data: `${f.root}/no-such.jsonl`,
      });
      return {
        args: ["--config", config],
        mentions: [`${f.root}/no-such.jsonl`],
        absent: [JSON.parse(Deno.readTextFileSync(config)).output_dir],
      };
    },
  },
  grpoField("grpo: temperature 0", { temperature: 0 }, ['"temperature"']),
  grpoField("grpo: top_k 1", { top_k: 1 }, ['"top_k"']),
  grpoField("grpo: num_generations not dividing the batch", {
    num_generations: 3,
  }, ['"num_generations"']),
  grpoField("grpo: unknown reward", { rewards: [{ name: "haikuu" }] }, [
    "rewards[0]",
    "haikuu",
  ]),
  grpoField("grpo: no rewards", { rewards: [] }, ['"rewards"']),
  grpoField(
    "grpo: neither max_steps nor num_train_epochs",
    { max_steps: null, num_train_epochs: 0 },
    ['"max_steps"', "num_train_epochs"],
  ),

  // Data files: bad rows, bad types, missing fields, non-UTF-8, empty.
  sftData(
    "sft: invalid JSON on a JSONL line",
    "bad.jsonl",
    lines(
      JSON.stringify({ prompt: "a", completion: "b" }),
      "",
      '{"prompt": "a", "completion": }',
    ),
    ["line 3", "invalid JSON"],
  ),
  sftData(
    "sft: non-UTF-8 byte in JSONL",
    "latin1.jsonl",
    bytes('{"prompt": "caf', [0xe9], '", "completion": "x"}\n'),
    ["line 1", "invalid UTF-8", "byte 15"],
  ),
  sftData(
    "sft: non-UTF-8 byte in CSV",
    "latin1.csv",
    bytes("prompt,completion\nhi,there\ncaf", [0xe9], ",x\n"),
    ["line 3", "invalid UTF-8", "byte 30"],
  ),
  sftData(
    "sft: CSV record with a missing field",
    "short.csv",
    lines(
      "prompt,completion",
      "a,b",
      "c",
    ),
    ["line 3", "expected 2 fields"],
  ),
  sftData(
    "sft: JSON object without data",
    "object.json",
    { rows: [] },
    ["expected an array of objects"],
  ),
  sftData(
    "sft: row with neither messages nor prompt",
    "nofields.jsonl",
    jsonl([
      { prompt: "a", completion: "b" },
      { question: "a", answer: "b" },
    ]),
    ["line 2", '"question"'],
  ),
  sftData(
    "sft: completion not a string",
    "types.jsonl",
    jsonl([
      { prompt: "a", completion: 7 },
    ]),
    ["line 1", '"completion" must be a string'],
  ),
  sftData(
    "sft: a message with an unknown role",
    "roles.jsonl",
    jsonl([
      { messages: [{ role: "bot", content: "a" }] },
    ]),
    ["line 1", "role"],
  ),
  sftData(
    "sft: parquet completion column of integers",
    "ints.parquet",
    parquet({ prompt: ["a", "b"], completion: [1, 2] }),
    ["row 1", '"completion" must be a string'],
  ),
  {
    name: "sft: truncated parquet",
    task: "sft",
    setUp(f) {
      const data = f.file(
        "cut.parquet",
        parquet({ prompt: ["a", "b"], completion: ["c", "d"] }),
      );
      truncateHalf(data);
      const config = f.sftConfig("cut.parquet.json", { train_data: data });
      return {
        args: ["--config", config],
        mentions: [data, "not a readable parquet file"],
      };
    },
  },
  sftData("sft: unsupported data extension", "rows.txt", "a\n", [
    "unsupported data file type",
  ]),
  sftData("sft: empty data file", "empty.jsonl", "", ["no "], {
    before: false,
  }),
  sftData(
    "sft: a token merging across the prompt/completion boundary",
    "merge.jsonl",
    jsonl([{ prompt: "He", completion: "llo" }]),
    ["line 1", "not a prefix"],
    { before: false },
  ),
  grpoData("grpo: empty prompts file", "empty-prompts.jsonl", "", [
    "no prompts to train on",
  ], { before: false }),
  grpoData(
    "grpo: a row without a prompt",
    "noprompt.jsonl",
    jsonl([
      { prompt: user("hi") },
      { question: "hi" },
    ]),
    ["line 2", "no prompt"],
  ),
  grpoData(
    "grpo: non-UTF-8 byte in the prompts",
    "latin1-prompts.jsonl",
    bytes(jsonl([{ prompt: "ok" }]), '{"prompt": "', [0xff], '"}\n'),
    ["line 2", "invalid UTF-8", "byte 28"],
  ),
  grpoData(
    "grpo: a prompt past the context",
    "long-prompts.jsonl",
    jsonl([{ prompt: user("hi") }, { prompt: user("yo") }, {
      prompt: user(LONG),
    }]),
    ["line 3", "max_prompt_length", "context of 64"],
    { before: false },
  ),
  {
    name: "grpo: max_completion_length fills the context",
    task: "grpo",
    setUp(f) {
      const config = f.grpoConfig("fill.json", { max_completion_length: 64 });
      return {
        args: ["--config", config],
        mentions: ["max_completion_length 64", "context of 64 tokens"],
      };
    },
  },
];
