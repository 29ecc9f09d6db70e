/**
 * The rows of the offline TLDR dataset (data/tldr/{train,eval}.jsonl) and
 * their file: a passage to summarise in the `prompt` column of
 * `mlabonne/smoltldr` (so one loader serves both), its provenance, and a
 * hand-written `completion` where one exists. Reading names the line and
 * field at fault; writing keeps a fixed key order; a rebuild keeps the
 * written summaries whose passage is unchanged.
 *
 * @module
 */

/** The two corpora passages come from. */
export type TldrSource = "moby-dick" | "sotu";

/** One row of data/tldr/{train,eval}.jsonl. */
export interface TldrRow {
  /** Stable id: document key plus the 1-based first and last paragraph/sentence. */
  id: string;
  /** The passage to summarise (paragraphs separated by a blank line). */
  prompt: string;
  source: TldrSource;
  /** Whitespace-separated word count of `prompt`. */
  words: number;
  /** Moby-Dick chapter number. */
  chapter?: number;
  /** Moby-Dick chapter title. */
  title?: string;
  /** Year of the State of the Union address. */
  year?: number;
  /** President who gave the address. */
  president?: string;
  /** Hand-written reference summary, where one exists. */
  completion?: string;
}

// Column order of the JSONL rows.
const ROW_KEYS = ("id prompt source words chapter title year president " +
  "completion").split(" ") as (keyof TldrRow)[];

/** Reads a TLDR JSONL file; errors name the file, line and field. */
export function readTldrJsonl(path: string): TldrRow[] {
  const rows: TldrRow[] = [];
  Deno.readTextFileSync(path).split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let row: TldrRow;
    try {
      row = JSON.parse(line);
    } catch (e) {
      throw new Error(
        `${path}:${i + 1}: invalid JSON: ${(e as Error).message}`,
      );
    }
    for (const key of ["id", "prompt", "source"] as const) {
      if (typeof row[key] !== "string" || row[key] === "") {
        throw new Error(
          `${path}:${i + 1}: field "${key}" must be a non-empty string`,
        );
      }
    }
    if (row.completion !== undefined && typeof row.completion !== "string") {
      throw new Error(`${path}:${i + 1}: field "completion" must be a string`);
    }
    rows.push(row);
  });
  return rows;
}

/** Serialises rows with a fixed key order, one JSON object per line. */
export function formatTldrJsonl(rows: TldrRow[]): string {
  return rows.map((row) => {
    const ordered: Record<string, unknown> = {};
    for (const k of ROW_KEYS) if (row[k] !== undefined) ordered[k] = row[k];
    return JSON.stringify(ordered);
  }).join("\n") + "\n";
}

/**
 * Copies `completion` from existing rows onto fresh rows with the same id and
 * the same prompt. Returns the ids whose summary could not be kept (the id
 * vanished or its passage text changed), so the caller can say so.
 */
export function mergeCompletions(
  fresh: TldrRow[],
  existing: TldrRow[],
): { rows: TldrRow[]; lost: string[] } {
  const byId = new Map(fresh.map((r) => [r.id, r]));
  const lost: string[] = [];
  const merged = new Map<string, string>();
  for (const old of existing) {
    if (old.completion === undefined) continue;
    const now = byId.get(old.id);
    if (now && now.prompt === old.prompt) merged.set(old.id, old.completion);
    else lost.push(old.id);
  }
  const rows = fresh.map((r) =>
    merged.has(r.id) ? { ...r, completion: merged.get(r.id) } : { ...r }
  );
  return { rows, lost };
}
