/**
 * Bad inputs of the inference tasks (score, chat, answer, bench:gsm8k) and
 * of the train:* options that name data files, in the shape of cases.ts.
 *
 * @module
 */
import { REPO_ROOT } from "../helpers/run_script.ts";
import type { Case } from "./cases.ts";
import { bytes, CONTEXT, jsonl } from "./fixtures.ts";

const LONG = "moon ".repeat(80);

/** An answer run on a questions file. */
function answerCase(
  name: string,
  fileName: string,
  content: string | Uint8Array,
  mentions: string[],
  args: string[] = [],
): Case {
  return {
    name,
    task: "answer",
    setUp(f) {
      const questions = f.file(fileName, content);
      const out = f.out("answers.json");
      return {
        args: [
          "--questions",
          questions,
          "--model",
          f.model,
          "--out",
          out,
          // A short system prompt: the default one alone fills 64 tokens.
          "--system",
          "Be brief.",
          ...args,
        ],
        mentions: [questions, ...mentions],
        absent: [out],
      };
    },
  };
}

/** A bench:gsm8k run on a data file. */
function gsm8kCase(
  name: string,
  fileName: string,
  content: string | Uint8Array,
  mentions: string[],
): Case {
  return {
    name,
    task: "bench:gsm8k",
    setUp(f) {
      const data = f.file(fileName, content);
      const out = f.out("gsm8k");
      return {
        args: ["--data", data, "--model", f.model, "--out", out],
        mentions: [data, ...mentions],
        absent: [out],
      };
    },
  };
}

/**
 * A fast train:math run with one of its data files replaced. Its folders
 * live in the repo (checkpoints/math/<run>, results/math/<run>), so the
 * run name is unique and both must stay absent.
 */
function trainMath(
  name: string,
  flag: "train-data" | "eval-data",
  fileName: string,
  content: string | Uint8Array,
  mentions: string[],
): Case {
  return {
    name,
    task: "train:math",
    setUp(f) {
      const data = f.file(fileName, content);
      const run = `bad-inputs-${crypto.randomUUID().slice(0, 8)}`;
      return {
        args: ["--fast", "--run", run, `--${flag}`, data],
        mentions: [data, ...mentions],
        // The file is named once, not wrapped again by the study's reader.
        not: [`${data}: ${data}`],
        absent: [
          `${REPO_ROOT}checkpoints/math/${run}`,
          `${REPO_ROOT}results/math/${run}`,
        ],
      };
    },
  };
}

export const TASK_CASES: Case[] = [
  // score
  // score
  {
    name: "score: --file with a non-UTF-8 byte",
    task: "score",
    setUp(f) {
      const text = f.file("latin1.txt", bytes("hello\ncaf", [0xe9]));
      const out = f.out("scores.json");
      return {
        args: ["--model", f.model, "--file", text, "--out", out],
        mentions: [text, "line 2", "invalid UTF-8", "byte 9"],
        absent: [out],
      };
    },
  },
  {
    name: "score: more ids than the context holds",
    task: "score",
    setUp(f) {
      const ids = Array.from({ length: CONTEXT + 1 }, (_, i) => 3 + i);
      const out = f.out("scores.json");
      return {
        args: ["--model", f.model, "--ids", ids.join(","), "--out", out],
        mentions: [`${CONTEXT + 1} tokens`, "max_position_embeddings"],
        absent: [out],
      };
    },
  },
  {
    name: "score: a missing --file",
    task: "score",
    setUp(f) {
      const missing = `${f.root}/no-such.txt`;
      return {
        args: ["--model", f.model, "--file", missing],
        mentions: [missing],
      };
    },
  },
  {
    name: "score: a missing model folder",
    task: "score",
    setUp(f) {
      const missing = `${f.root}/no-model`;
      return {
        args: ["--model", missing, "--ids", "1,2"],
        mentions: [missing],
      };
    },
  },
  // chat
  {
    name: "chat: a piped message too long for the context",
    task: "chat",
    setUp(f) {
      return {
        args: ["--model", f.model, "--max-new-tokens", "4"],
        stdin: `${LONG}\n`,
        mentions: ["no room for a reply", `context of ${CONTEXT} tokens`],
      };
    },
  },
  {
    name: "chat: a missing adapter folder",
    task: "chat",
    setUp(f) {
      const missing = `${f.root}/no-adapter`;
      return {
        args: ["--model", f.model, "--adapter", missing],
        stdin: "hi\n",
        mentions: [missing],
      };
    },
  },
  // answer
  answerCase(
    "answer: a question too long for the context",
    "long-questions.jsonl",
    jsonl([{ question: "What is 2 + 2?" }, { question: LONG }]),
    ["line 2", "no room for new tokens"],
  ),
  answerCase("answer: an empty questions file", "none.jsonl", "", ["no rows"]),
  answerCase(
    "answer: a row without a question",
    "noquestion.jsonl",
    jsonl([{ text: "hi" }]),
    ["line 1", '"question"'],
  ),
  answerCase(
    "answer: non-UTF-8 byte in a CSV",
    "latin1-questions.csv",
    bytes("question\nwhat is caf", [0xe9], "?\n"),
    ["line 2", "invalid UTF-8", "byte 20"],
  ),

  // bench:gsm8k
  gsm8kCase(
    "bench:gsm8k: an answer without its #### line",
    "noanswer.jsonl",
    jsonl([{ question: "What is 2 + 2?", answer: "It is four." }]),
    ["line 1", '"answer"', "####"],
  ),
  gsm8kCase(
    "bench:gsm8k: a missing answer column",
    "nocolumn.jsonl",
    jsonl([{ question: "What is 2 + 2?" }]),
    ["line 1", '"answer"'],
  ),
  gsm8kCase(
    "bench:gsm8k: non-UTF-8 byte",
    "latin1-gsm8k.jsonl",
    bytes('{"question": "', [0xff], '", "answer": "#### 4"}\n'),
    ["line 1", "invalid UTF-8", "byte 14"],
  ),
  gsm8kCase(
    "bench:gsm8k: a question too long for the context",
    "long-gsm8k.jsonl",
    jsonl([{ question: LONG, answer: "#### 4" }]),
    ["every question's prompt leaves fewer than", "context", "--system-prompt"],
  ),

  // train:* options naming data files: refused before any folder is made
  trainMath(
    "train:math: --train-data with an unparsable answer",
    "train-data",
    "math-train.jsonl",
    jsonl([{ question: "2 + 2?", answer: "four" }]),
    ["line 1", '"answer"'],
  ),
  trainMath(
    "train:math: --eval-data with a non-UTF-8 byte",
    "eval-data",
    "math-eval.jsonl",
    bytes('{"question": "2 + 2', [0xe9], '?", "answer": "#### 4"}\n'),
    ["line 1", "invalid UTF-8", "byte 19"],
  ),
];
