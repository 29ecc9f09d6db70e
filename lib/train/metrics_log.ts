/**
 * Training metrics as JSON Lines, one record per logging event, named as TRL
 * and transformers name them (loss, learning_rate, grad_norm, eval_loss, …).
 * On resume the records after the checkpoint's step are dropped, so the file
 * reads as one uninterrupted run.
 *
 * @module
 */
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
    let kept = "";
    try {
      const lines = (await Deno.readTextFile(path)).split("\n");
      kept = lines
        .filter((line) => line.trim() !== "")
        .filter((line, i) => {
          try {
            return (JSON.parse(line) as MetricsRecord).step <= keepThroughStep;
          } catch {
            throw new Error(`${path} line ${i + 1}: not a JSON record`);
          }
        })
        .map((line) => line + "\n")
        .join("");
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    await Deno.writeTextFile(path, kept);
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
