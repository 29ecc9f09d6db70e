/**
 * Training checkpoint folders, as transformers' Trainer lays them out:
 * `<output_dir>/checkpoint-<step>/` with the weights (adapter or full model),
 * the optimizer state and `trainer_state.json`. A folder is written under a
 * temporary name and renamed into place when complete, and a folder to be
 * deleted (a pruned checkpoint, or an older one of the same step) is first
 * renamed out of the pattern, so a run killed at any moment of a save never
 * leaves a checkpoint that looks whole but is not. Each checkpoint records
 * the settings of the run that wrote it (run_record.ts), which a resume
 * checks.
 *
 * @module
 */
import { writeFileAtomic } from "../util/atomic.ts";
import { crashPoint } from "../util/crash_points.ts";
import { readJsonFile } from "../util/json_files.ts";

/** What a trainer needs, besides weights and optimizer, to continue exactly. */
export interface TrainerState {
  /** Optimizer steps completed. */
  globalStep: number;
  /** Data-order state (see data_order.ts). */
  sampler: unknown;
  /** Anything else the trainer keeps (RNG states, counters). */
  extra: Record<string, unknown>;
  /**
   * The settings of the run that wrote it (run_record.ts); absent in
   * checkpoints written before tunebook recorded them.
   */
  config?: Record<string, unknown>;
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
  crashPoint("checkpoint:contents");
  await writeFileAtomic(
    `${temp}/${STATE_FILE}`,
    JSON.stringify(state, null, 1) + "\n",
  );
  crashPoint("checkpoint:state");
  // A checkpoint of this step already there (a run resumed from an earlier
  // one) is renamed away, not deleted in place: a kill in the middle of a
  // recursive delete could leave trainer_state.json without all weights.
  const replaced = await moveAside(final);
  await Deno.rename(temp, final);
  crashPoint("checkpoint:renamed");
  if (replaced) await Deno.remove(replaced, { recursive: true });
  if (keep > 0) {
    const all = await listCheckpoints(outputDir);
    for (const old of all.slice(0, Math.max(0, all.length - keep))) {
      await removeCheckpoint(old.dir);
    }
  }
  return final;
}

/**
 * Removes a checkpoint folder: renamed out of the checkpoint pattern first
 * (one atomic step), then deleted, so a kill mid-delete leaves no folder
 * that looks like a checkpoint.
 */
export async function removeCheckpoint(dir: string): Promise<void> {
  const aside = await moveAside(dir);
  crashPoint("checkpoint:removing");
  if (aside) await Deno.remove(aside, { recursive: true });
}

/**
 * Renames `dir` (if present) to a hidden name outside the checkpoint
 * pattern, in one atomic step, and returns that name.
 */
async function moveAside(dir: string): Promise<string | null> {
  const slash = dir.lastIndexOf("/");
  const aside = `${dir.slice(0, slash)}/.${dir.slice(slash + 1)}.removing`;
  await Deno.remove(aside, { recursive: true }).catch(() => {});
  try {
    await Deno.rename(dir, aside);
    return aside;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
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
  const config = json.config;
  return {
    globalStep: json.globalStep as number,
    sampler: json.sampler,
    extra: (json.extra ?? {}) as Record<string, unknown>,
    ...(isObject(config) ? { config } : {}),
  };
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}
