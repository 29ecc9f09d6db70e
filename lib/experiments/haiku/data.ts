/**
 * The haiku study's files, in gemma_haiku's format (rows of `conversations`
 * or `messages`; JSON, JSONL, CSV or parquet): the eval prompts with their
 * topics and reference haikus, and the train haikus the Train Overlap
 * compares against.
 *
 * ```ts
 * const prompts = await readEvalPrompts("data/haiku/eval.json");
 * prompts[0].topic; // "A heron fishing in a marsh at sunrise."
 * const trainHaikus = await readTrainHaikus("data/haiku/train.json");
 * ```
 *
 * @module
 */
import { conversationRows } from "../../data/formats.ts";
import { readRows } from "../../data/read.ts";
import { rowLocation } from "../../data/rows.ts";
import { topicOf } from "../../rewards/topic.ts";
import type { ChatMessage } from "../../tokenizer/mod.ts";

/** One prompt of an eval file. */
export interface EvalPrompt {
  /** The conversation up to the answer (gemma_haiku: the single user turn). */
  prompt: ChatMessage[];
  /** The text after the first colon of the last user turn. */
  topic: string;
  /** The reference answer (the last assistant turn), if the row has one. */
  reference?: string;
}

/**
 * Reads an eval file: each row's turns before its final assistant answer
 * are the prompt, that answer the reference. A row must end with a user
 * turn, optionally followed by the answer.
 */
export async function readEvalPrompts(path: string): Promise<EvalPrompt[]> {
  const raw = await readRows(path);
  if (raw.length === 0) throw new Error(`${path}: no rows`);
  const rows = conversationRows(raw, path);
  return rows.map((row, i) => {
    const messages = row.messages as ChatMessage[];
    const answered = messages.at(-1)?.role === "assistant";
    const prompt = answered ? messages.slice(0, -1) : messages;
    if (prompt.length === 0 || prompt.at(-1)!.role !== "user") {
      throw new Error(
        `${path} ${
          rowLocation(raw[i], i)
        }: the conversation must end with a user turn, optionally followed by the assistant's answer`,
      );
    }
    return {
      prompt,
      topic: topicOf(prompt),
      ...(answered ? { reference: messages.at(-1)!.content } : {}),
    };
  });
}

/**
 * Every assistant answer of a train file, as `full_eval.py`'s
 * `load_training_answers` collects them for the Train Overlap (it compares
 * stripped texts; the evaluation strips them).
 */
export async function readTrainHaikus(path: string): Promise<string[]> {
  const raw = await readRows(path);
  const rows = conversationRows(raw, path);
  const answers = rows.flatMap((row) =>
    (row.messages as ChatMessage[]).filter((m) => m.role === "assistant")
      .map((m) => m.content)
  );
  if (answers.length === 0) throw new Error(`${path}: no assistant answers`);
  return answers;
}
