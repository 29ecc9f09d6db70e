/**
 * Checks the haiku dataset files and prints every problem with its file and
 * row: seed-1 chat format, the exact user prefix, 5-7-5 by the project's
 * syllable counter (with per-word counts, `?` marking words counted by the
 * fallback rule), duplicates, and train/eval overlap.
 *
 *   ./tunebook run -A data/haiku/check.ts [train.json eval.json]
 *
 * Exits 1 when anything is wrong. Used while writing the haikus: draft, run
 * this, reword the lines it prints.
 *
 * @module
 */

import {
  countWordSyllables,
  haikuLines,
  haikuSyllables,
} from "../../lib/rewards/syllables.ts";

/** The user turn of every row, as in gemma_haiku's data, followed by the topic and "\n". */
export const PROMPT_PREFIX = "Generate a haiku about the following topic: ";

/** One checked row: its topic and haiku, or the reasons it failed. */
export interface HaikuRow {
  topic: string;
  haiku: string;
}

/** Parse one seed-format file; returns rows and a list of "file row N: problem" strings. */
export function readHaikuFile(
  path: string,
): { rows: HaikuRow[]; problems: string[] } {
  const problems: string[] = [];
  let data: unknown;
  try {
    data = JSON.parse(Deno.readTextFileSync(path));
  } catch (e) {
    return {
      rows: [],
      problems: [`${path}: not readable JSON (${(e as Error).message})`],
    };
  }
  if (!Array.isArray(data)) {
    return { rows: [], problems: [`${path}: top level is not a JSON array`] };
  }
  const rows: HaikuRow[] = [];
  data.forEach((item, i) => {
    const where = `${path} row ${i}`;
    const turns = item?.conversations;
    if (!Array.isArray(turns) || turns.length !== 2) {
      problems.push(`${where}: "conversations" must be an array of 2 turns`);
      return;
    }
    const [user, assistant] = turns;
    if (user?.role !== "user" || assistant?.role !== "assistant") {
      problems.push(`${where}: roles must be "user" then "assistant"`);
      return;
    }
    const prompt = user.content;
    if (
      typeof prompt !== "string" || !prompt.startsWith(PROMPT_PREFIX) ||
      !prompt.endsWith("\n")
    ) {
      problems.push(
        `${where}: user content must be "${PROMPT_PREFIX}<topic>\\n"`,
      );
      return;
    }
    if (typeof assistant.content !== "string") {
      problems.push(`${where}: assistant content must be a string`);
      return;
    }
    rows.push({
      topic: prompt.slice(PROMPT_PREFIX.length, -1),
      haiku: assistant.content,
    });
    const counts = haikuSyllables(assistant.content);
    if (counts.join() !== "5,7,5") {
      const words = haikuLines(assistant.content).map((line) =>
        line.split(/\s+/).map((w) => {
          const s = countWordSyllables(w);
          return `${w}=${s.count}${s.source === "rule" ? "?" : ""}`;
        }).join(" ")
      );
      problems.push(
        `${where}: syllables ${counts.join("-")}\n    ${words.join("\n    ")}`,
      );
    }
  });
  return { rows, problems };
}

function duplicates(keys: string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const k of keys) (seen.has(k) ? dup : seen).add(k);
  return [...dup];
}

/** All problems across a train file and an eval file (empty when the dataset is sound). */
export function checkHaikuDataset(
  trainPath: string,
  evalPath: string,
): string[] {
  const train = readHaikuFile(trainPath);
  const evals = readHaikuFile(evalPath);
  const problems = [...train.problems, ...evals.problems];
  const norm = (s: string) => s.trim().toLowerCase();
  for (
    const [path, { rows }] of [[trainPath, train], [evalPath, evals]] as const
  ) {
    for (const d of duplicates(rows.map((r) => norm(r.topic)))) {
      problems.push(`${path}: duplicate topic "${d}"`);
    }
    for (const d of duplicates(rows.map((r) => norm(r.haiku)))) {
      problems.push(`${path}: duplicate haiku "${d.replace(/\n/g, " / ")}"`);
    }
  }
  const trainTopics = new Set(train.rows.map((r) => norm(r.topic)));
  const trainHaikus = new Set(train.rows.map((r) => norm(r.haiku)));
  for (const r of evals.rows) {
    if (trainTopics.has(norm(r.topic))) {
      problems.push(`${evalPath}: topic also in train: "${r.topic}"`);
    }
    if (trainHaikus.has(norm(r.haiku))) {
      problems.push(
        `${evalPath}: haiku also in train: "${r.haiku.replace(/\n/g, " / ")}"`,
      );
    }
  }
  return problems;
}

if (import.meta.main) {
  const here = (name: string) => new URL(name, import.meta.url).pathname;
  const [trainPath, evalPath] = Deno.args.length === 2
    ? Deno.args
    : [here("train.json"), here("eval.json")];
  const problems = checkHaikuDataset(trainPath, evalPath);
  for (const p of problems) console.log(p);
  const n = (p: string) => readHaikuFile(p).rows.length;
  console.log(
    `train ${n(trainPath)} rows, eval ${
      n(evalPath)
    } rows, ${problems.length} problems`,
  );
  if (problems.length > 0) Deno.exit(1);
}
