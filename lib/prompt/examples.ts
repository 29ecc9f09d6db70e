/**
 * Prompts from dataset rows, read the way TRL's trainers read them: a
 * `prompt` column (a string, or a list of messages for conversational
 * data), or — for conversation datasets such as gemma_haiku's — the
 * `conversations`/`messages` up to the last assistant turn, which is dropped
 * (the policy must write it).
 *
 * ```ts
 * const prompts = promptExamples(await readRows("data/haiku/train.json"), "data/haiku/train.json");
 * prompts[0].prompt; // [{ role: "user", content: "Generate a haiku about …" }]
 * prompts[0].row;    // the whole row, for reward functions that need its columns
 * ```
 *
 * @module
 */
import { readRows } from "../data/read.ts";
import { type Row, rowLocation } from "../data/rows.ts";
import { type ChatMessage, validateMessages } from "../util/chat_message.ts";
import type { Prompt } from "./prompt.ts";

/** One prompt and the row it came from (reward functions see the row). */
export interface PromptExample {
  prompt: Prompt;
  row: Row;
}

/** Reads prompts from dataset rows; a row without one is an error naming it. */
export function promptExamples(
  rows: readonly Row[],
  source: string,
): PromptExample[] {
  return rows.map((row, i) => {
    const where = `${source} ${rowLocation(row, i)}`;
    const wrap = (f: () => void) => {
      try {
        f();
      } catch (e) {
        throw new Error(`${where}: ${(e as Error).message}`);
      }
    };
    if (row.prompt !== undefined) {
      if (typeof row.prompt !== "string") {
        wrap(() => validateMessages(row.prompt, "prompt"));
      }
      return { prompt: row.prompt as Prompt, row };
    }
    for (const field of ["conversations", "messages"]) {
      if (row[field] === undefined) continue;
      wrap(() => validateMessages(row[field], field));
      const messages = row[field] as ChatMessage[];
      const end = messages.at(-1)?.role === "assistant"
        ? messages.length - 1
        : messages.length;
      if (end === 0 || messages[end - 1].role !== "user") {
        throw new Error(
          `${where}: field "${field}" must end with a user turn (optionally followed by the assistant answer, which is dropped)`,
        );
      }
      return { prompt: messages.slice(0, end), row };
    }
    throw new Error(
      `${where}: no prompt: expected a "prompt" column or a "conversations"/"messages" list; found ${
        Object.keys(row).join(", ") || "no fields"
      }`,
    );
  });
}

/** The prompts of a data file (any format lib/data reads), as {@link promptExamples}. */
export async function readPromptExamples(
  path: string,
): Promise<PromptExample[]> {
  return promptExamples(await readRows(path), path);
}
