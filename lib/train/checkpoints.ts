/**
 * Training checkpoint folders, as transformers' Trainer lays them out:
 * `<output_dir>/checkpoint-<step>/` with the weights (adapter or full model),
 * the optimizer state and `trainer_state.json`. A folder is written under a
 * temporary name and renamed into place when complete, so a run killed
 * mid-save never leaves a checkpoint that looks whole but is not.
 *
 * @module
 */
import { writeFileAtomic } from "../util/atomic.ts";
import { readJsonFile } from "../util/json_files.ts";

/** What a trainer needs, besides weights and optimizer, to continue exactly. */
export interface TrainerState {
  /** Optimizer steps completed. */
  globalStep: number;
  /** Data-order state (see data_order.ts). */
  sampler: unknown;
  /** Anything else the trainer keeps (RNG states, counters). */
  extra: Record<string, unknown>;
}

const STATE_FILE = "trainer_state.json";
const PATTERN = /^checkpoint-(\d+)$/;

/**
 * Writes `checkpoint-<step>` in `outputDir`: `writeContents(dir)` fills a
 * temporary folder, then the trainer state is added and the folder renamed
 * into place. Keeps at most `keep` checkpoints (0: all), removing the oldest.
 */
export async function writeCheckpoint(
  outputDir: string,
  state: TrainerState,
  writeContents: (dir: string) => Promise<void>,
  keep = 0,
): Promise<string> {
  const final = `${outputDir}/checkpoint-${state.globalStep}`;
  const temp = `${outputDir}/.checkpoint-${state.globalStep}.partial`;
  await Deno.remove(temp, { recursive: true }).catch(() => {});
  await Deno.mkdir(temp, { recursive: true });
  await writeContents(temp);
  await writeFileAtomic(
    `${temp}/${STATE_FILE}`,
    JSON.stringify(state, null, 1) + "\n",
  );
  await Deno.remove(final, { recursive: true }).catch(() => {});
  await Deno.rename(temp, final);
  if (keep > 0) {
    const all = await listCheckpoints(outputDir);
    for (const old of all.slice(0, Math.max(0, all.length - keep))) {
      await Deno.remove(old.dir, { recursive: true });
    }
  }
  return final;
}

/** Complete checkpoints in `outputDir`, oldest first. */
export async function listCheckpoints(
  outputDir: string,
): Promise<{ dir: string; step: number }[]> {
  const found: { dir: string; step: number }[] = [];
  try {
    for await (const entry of Deno.readDir(outputDir)) {
      const match = entry.isDirectory ? PATTERN.exec(entry.name) : null;
      if (!match) continue;
      const dir = `${outputDir}/${entry.name}`;
      try {
        await Deno.stat(`${dir}/${STATE_FILE}`);
        found.push({ dir, step: Number(match[1]) });
      } catch {
        // A folder without trainer state was not written by us completely.
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return found.sort((a, b) => a.step - b.step);
}

/** The newest complete checkpoint, or null. */
export async function latestCheckpoint(
  outputDir: string,
): Promise<{ dir: string; step: number } | null> {
  return (await listCheckpoints(outputDir)).at(-1) ?? null;
}

/** Reads `trainer_state.json` of a checkpoint folder. */
export async function readTrainerState(dir: string): Promise<TrainerState> {
  const path = `${dir}/${STATE_FILE}`;
  const json = await readJsonFile(path, "trainer state") as Record<
    string,
    unknown
  >;
  if (!Number.isInteger(json.globalStep) || (json.globalStep as number) < 0) {
    throw new Error(
      `${path}: field "globalStep" must be a non-negative integer`,
    );
  }
  return {
    globalStep: json.globalStep as number,
    sampler: json.sampler,
    extra: (json.extra ?? {}) as Record<string, unknown>,
  };
}
