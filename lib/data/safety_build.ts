/**
 * Builds the offline safety preference dataset, data/safety/{train,eval}.jsonl,
 * from its hand-written source: one text file per category in
 * data/safety/source/ (`weapons.txt`, `drugs.txt`, …). Nothing is generated:
 * every prompt and answer is written out in the source, and the builder only
 * numbers the rows, attaches topic, kind and category, and sorts them into
 * the split written next to each topic.
 *
 * Source format (comments start with `#`, blank lines separate rows):
 *
 * ```text
 * ## portrait-photography | benign | train
 * P: How do I shoot a good portrait of my friend?
 * C: Use soft light: …
 * R: I'm sorry, but I can't help with shooting people. …
 * ```
 *
 * `P` is the prompt, `C` the chosen reply, `R` the rejected reply; each is
 * one line. Regenerate the JSONL files after editing the source:
 *
 *     ./tunebook run -A lib/data/safety_build.ts
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import {
  formatSafetyJsonl,
  SAFETY_CATEGORIES,
  type SafetyKind,
  type SafetyRow,
  toSafetyRow,
} from "./safety_rows.ts";

/** The two splits; a topic's rows all go to the one its header names. */
export type SafetySplit = "train" | "eval";

/** The folder with the hand-written source files. */
export const SAFETY_SOURCE_DIR = fileURLToPath(
  new URL("../../data/safety/source/", import.meta.url),
);

/** The folder the JSONL files are written to. */
export const SAFETY_DATA_DIR = fileURLToPath(
  new URL("../../data/safety/", import.meta.url),
);

const HEADER =
  /^## ([a-z0-9]+(?:-[a-z0-9]+)*) \| (harmful|benign) \| (train|eval)$/;
const FIELDS = { P: "prompt", C: "chosen", R: "rejected" } as const;

/**
 * Parses one category's source text into rows with their split. Errors name
 * `file` and the line.
 */
export function parseSafetySource(
  text: string,
  category: SafetyRow["category"],
  file: string,
): { split: SafetySplit; row: SafetyRow }[] {
  const out: { split: SafetySplit; row: SafetyRow }[] = [];
  let topic: { name: string; kind: SafetyKind; split: SafetySplit } | null =
    null;
  let count = 0;
  let pending: Partial<Record<"prompt" | "chosen" | "rejected", string>> = {};
  let pendingLine = 0;
  const lines = text.split("\n");
  const flush = (lineNo: number) => {
    const got = Object.keys(pending);
    if (got.length === 0) return;
    const where = `${file}:${pendingLine}`;
    if (got.length !== 3) {
      throw new Error(
        `${where}: a row needs P:, C: and R: lines (ends before line ${lineNo})`,
      );
    }
    if (topic === null) throw new Error(`${where}: row before any ## header`);
    count += 1;
    const row = toSafetyRow({
      id: `${topic.name}-${count}`,
      topic: topic.name,
      kind: topic.kind,
      category,
      ...pending,
    }, where);
    out.push({ split: topic.split, row });
    pending = {};
  };
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.trimEnd();
    if (line === "") return flush(lineNo);
    if (line.startsWith("## ")) {
      flush(lineNo);
      const m = line.match(HEADER);
      if (!m) {
        throw new Error(
          `${file}:${lineNo}: header must be "## <topic> | harmful|benign | train|eval"`,
        );
      }
      topic = {
        name: m[1],
        kind: m[2] as SafetyKind,
        split: m[3] as SafetySplit,
      };
      count = 0;
      return;
    }
    if (line.startsWith("#")) return;
    const m = line.match(/^([PCR]): (\S.*)$/);
    if (!m) {
      throw new Error(
        `${file}:${lineNo}: expected "P: ", "C: " or "R: " and text`,
      );
    }
    const field = FIELDS[m[1] as keyof typeof FIELDS];
    if (pending[field] !== undefined) {
      throw new Error(`${file}:${lineNo}: second ${m[1]}: line in one row`);
    }
    if (Object.keys(pending).length === 0) pendingLine = lineNo;
    pending[field] = m[2];
  });
  flush(lines.length + 1);
  return out;
}

/**
 * Reads every category's source file and returns the two splits, rows in
 * category order and then source order. Throws on a topic written twice (in
 * one file or across files), a prompt written twice, or a missing file.
 */
export function buildSafetySplits(
  sourceDir: string = SAFETY_SOURCE_DIR,
): Record<SafetySplit, SafetyRow[]> {
  const splits: Record<SafetySplit, SafetyRow[]> = { train: [], eval: [] };
  const topicSeen = new Map<string, string>();
  const promptSeen = new Map<string, string>();
  for (const category of SAFETY_CATEGORIES) {
    const file = `${sourceDir.replace(/\/?$/, "/")}${category}.txt`;
    const parsed = parseSafetySource(
      Deno.readTextFileSync(file),
      category,
      file,
    );
    let lastTopic = "";
    for (const { split, row } of parsed) {
      if (row.topic !== lastTopic) {
        const before = topicSeen.get(row.topic);
        if (before !== undefined) {
          throw new Error(
            `${file}: topic "${row.topic}" already written in ${before}`,
          );
        }
        topicSeen.set(row.topic, file);
        lastTopic = row.topic;
      }
      const key = normalisePrompt(row.prompt);
      const before = promptSeen.get(key);
      if (before !== undefined) {
        throw new Error(`${file}: prompt of ${row.id} repeats ${before}`);
      }
      promptSeen.set(key, row.id);
      splits[split].push(row);
    }
  }
  return splits;
}

/** Prompt identity for duplicate checks: case, punctuation and spacing ignored. */
export function normalisePrompt(prompt: string): string {
  return prompt.toLowerCase().replace(/[^a-z0-9]+/g, " ").trim();
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  Deno.writeTextFileSync(tmp, text);
  Deno.renameSync(tmp, path);
}

if (import.meta.main) {
  const splits = buildSafetySplits();
  for (const name of ["train", "eval"] as const) {
    writeAtomic(
      `${SAFETY_DATA_DIR}${name}.jsonl`,
      formatSafetyJsonl(splits[name]),
    );
    const rows = splits[name];
    const harmful = rows.filter((r) => r.kind === "harmful").length;
    const topics = new Set(rows.map((r) => r.topic)).size;
    console.log(
      `${name}: ${rows.length} rows (${harmful} harmful, ${
        rows.length - harmful
      } benign), ${topics} topics`,
    );
  }
}
