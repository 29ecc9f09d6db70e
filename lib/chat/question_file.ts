/**
 * The questions of a file for `answer` and `compare:strategies`: a `.txt`
 * file holds one question per line, as ee596-fp's batch mode reads it
 * (blank lines and lines starting with `#` are skipped); any other file is
 * a data file `readRows` reads (JSON, JSONL, CSV, Parquet) with a
 * `question` or `prompt` column.
 *
 * ```ts
 * const { questions, where } = await readQuestionFile("questions.txt");
 * where(2); // "questions.txt line 5": the third question's line
 * ```
 *
 * @module
 */
import { readRows } from "../data/read.ts";
import { type Row, rowLocation, setRowLocation } from "../data/rows.ts";
import { InputError } from "../util/errors.ts";
import { decodeUtf8 } from "../util/utf8.ts";
import { type Question, questionsOf } from "./answers.ts";

/** The questions of a file and how messages name each one. */
export interface QuestionFile {
  questions: Question[];
  /** Names question `i` by its file and line or row ("q.txt line 5"). */
  where: (i: number) => string;
}

/** Whether `path` is read as one question per line. */
export function isQuestionLines(path: string): boolean {
  return path.toLowerCase().endsWith(".txt");
}

/**
 * Reads the questions of `path` (see the module header). Throws an
 * {@link InputError} naming the file when it is missing, has no question,
 * or a row has none.
 */
export async function readQuestionFile(path: string): Promise<QuestionFile> {
  let rows: Row[];
  try {
    rows = isQuestionLines(path)
      ? questionLines(await Deno.readFile(path), path)
      : await readRows(path);
  } catch (error) {
    // Deno's message names the path in its own words, or not at all.
    if (error instanceof Deno.errors.NotFound) {
      throw new InputError(`${path}: no such file`);
    }
    throw error;
  }
  const questions = questionsOf(rows, path);
  return {
    questions,
    where: (i) => `${path} ${rowLocation(rows[i], i)}`,
  };
}

/**
 * The rows `{question}` of a text file's question lines, each remembering
 * its line; throws naming the file when no line holds a question.
 */
export function questionLines(bytes: Uint8Array, path: string): Row[] {
  const rows: Row[] = [];
  decodeUtf8(bytes, path).split("\n").forEach((line, i) => {
    const question = line.trim();
    if (question === "" || question.startsWith("#")) return;
    const row = { question };
    setRowLocation(row, `line ${i + 1}`);
    rows.push(row);
  });
  if (rows.length === 0) {
    throw new InputError(
      `${path}: no questions (every line is blank or a # comment); write one question per line`,
    );
  }
  return rows;
}
