/**
 * Training metrics as JSON Lines, one record per logging event, named as TRL
 * and transformers name them (loss, learning_rate, grad_norm, eval_loss, …).
 * On resume the records after the checkpoint's step are dropped, so the file
 * reads as one uninterrupted run, and so is an unfinished last line that a
 * process killed while appending left behind (a malformed line anywhere
 * else is refused: that file was not written by an append that was cut).
 *
 * @module
 */
import { writeFileAtomic } from "../util/atomic.ts";
import { appendJsonl } from "../util/json_files.ts";

/** One logged record; `step` is the optimizer step it belongs to. */
export type MetricsRecord = { step: number } & Record<string, number | string>;

/** Appends records to a JSONL file. */
export class MetricsLog {
  private constructor(readonly path: string) {}

  /** Opens `path`, keeping only records with step ≤ `keepThroughStep` (a fresh run passes -1). */
  static async open(
    path: string,
    keepThroughStep: number,
  ): Promise<MetricsLog> {
    let text = "";
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    const lines = text.split("\n");
    // What follows the last newline: nothing, or a line cut by a kill.
    const unfinished = lines.pop()!;
    const step = (line: string) => (JSON.parse(line) as MetricsRecord).step;
    const kept = lines.filter((line, i) => {
      if (line.trim() === "") return false;
      try {
        return step(line) <= keepThroughStep;
      } catch {
        throw new Error(`${path} line ${i + 1}: not a JSON record`);
      }
    });
    if (unfinished.trim() !== "") {
      try {
        // Whole, but cut just before its newline.
        if (step(unfinished) <= keepThroughStep) kept.push(unfinished);
      } catch {
        console.error(
          `${path} line ${
            lines.length + 1
          }: dropped an unfinished record (a run was stopped while writing it)`,
        );
      }
    }
    // Atomic: a kill while rewriting must not lose the records kept.
    await writeFileAtomic(path, kept.map((line) => line + "\n").join(""));
    return new MetricsLog(path);
  }

  /** Appends one record. */
  async append(record: MetricsRecord): Promise<void> {
    await appendJsonl(this.path, [record]);
  }

  /** Every record in the file. */
  static async read(path: string): Promise<MetricsRecord[]> {
    const text = await Deno.readTextFile(path);
    return text.split("\n").flatMap((line, i) => {
      if (line.trim() === "") return [];
      try {
        return [JSON.parse(line) as MetricsRecord];
      } catch {
        throw new Error(`${path} line ${i + 1}: not a JSON record`);
      }
    });
  }
}

/** A record with its non-integer numbers rounded to 6 decimals, for the log. */
export function roundRecord(record: MetricsRecord): MetricsRecord {
  const out: MetricsRecord = { step: record.step };
  for (const [k, v] of Object.entries(record)) {
    out[k] = typeof v === "number" && !Number.isInteger(v)
      ? Math.round(v * 1e6) / 1e6
      : v;
  }
  return out;
}
