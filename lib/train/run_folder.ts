/**
 * A training run's hold on its output_dir, from start to end:
 *
 * - {@link RunFolder.claim}, before any model loads: takes the folder's
 *   lock (lib/util/dir_lock.ts), chooses where to start, and refuses a
 *   folder holding files tunebook did not write, a fresh start over an
 *   earlier run's results without `--overwrite`, and a resume from a
 *   checkpoint recorded with other settings (run_record.ts);
 * - {@link RunFolder.begin}, once the trainer has checked its data: removes
 *   what an earlier run left (all of it with `--overwrite`) and opens
 *   metrics.jsonl, so a run that fails validation leaves the folder as it
 *   found it;
 * - {@link RunFolder.release}: lets go of the lock and, when the run never
 *   began, removes the folders it created.
 *
 * For the run's whole life it also listens for SIGINT and SIGTERM
 * (lib/util/interrupts.ts).
 *
 * @module
 */
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from "../peft/mod.ts";
import { describeHolder, LOCK_FILE, lockDir } from "../util/dir_lock.ts";
import { InputError, Interrupted, UsageError } from "../util/errors.ts";
import {
  type InterruptWatch,
  signalExitCode,
  watchInterrupts,
} from "../util/interrupts.ts";
import {
  listCheckpoints,
  readTrainerState,
  removeCheckpoint,
  type TrainerState,
} from "./checkpoints.ts";
import { MetricsLog } from "./metrics_log.ts";
import {
  compareRecords,
  describeDifference,
  type RunRecord,
} from "./run_record.ts";

/** How a run starts (the trainers' `--resume` / `--overwrite`). */
export interface StartOptions {
  /** Continue from the newest checkpoint in the output folder (or this checkpoint folder). */
  resume?: boolean | string;
  /** Start over even if the output folder holds an earlier run. */
  overwrite?: boolean;
  /**
   * How to continue after an interruption, for the closing message (default
   * "continue with --resume"; a study that resumes by being run again says so).
   */
  resumeHint?: string;
  /**
   * Names at the top of the output folder that the caller wrote there for
   * this run (the haiku study builds its DPO stage's preference set in the
   * stage's folder): left in place by a fresh start and --overwrite, and
   * not taken for someone else's files.
   */
  keep?: readonly string[];
}

/** The tokenizer files a full fine-tune's final folder carries. */
export const TOKENIZER_FILES = [
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "chat_template.jinja",
];

/** Final weights: what a finished run leaves besides checkpoints. */
const RESULT_FILES = [ADAPTER_WEIGHTS_FILE, "model.safetensors"];
/** Files a run writes at the top of its folder. */
const RUN_FILES = new Set([
  "metrics.jsonl",
  "completions.jsonl",
  ADAPTER_CONFIG_FILE,
  "config.json",
  "generation_config.json",
  ...RESULT_FILES,
  ...TOKENIZER_FILES,
]);
const CHECKPOINT = /^checkpoint-\d+$/;
/** Folders and files being written or removed when a process died. */
const TEMPORARY = [
  /^\.checkpoint-\d+\.partial$/,
  /^\.checkpoint-\d+\.removing$/,
  /^\..+\.tmp-\d+-[0-9a-f]{8}$/, // lib/util/atomic.ts
];

/** Where a resumed run starts. */
export interface ResumePoint {
  dir: string;
  step: number;
  state: TrainerState;
}

/** A claimed output folder. */
export class RunFolder {
  #begun = false;
  #released = false;

  private constructor(
    readonly name: string,
    readonly dir: string,
    readonly record: RunRecord,
    /** Where to start: a checkpoint, or null for a fresh run. */
    readonly resumeFrom: ResumePoint | null,
    private readonly overwrite: boolean,
    private readonly created: string[],
    private readonly releaseLock: () => void,
    private readonly watch: InterruptWatch,
    private readonly resumeHint: string,
    private readonly keep: readonly string[],
  ) {}

  /**
   * Creates `dir` if needed, locks it and chooses where to start; `name`
   * prefixes console lines, `record` is this run's settings. Leaves nothing
   * behind when it refuses.
   */
  static async claim(
    name: string,
    dir: string,
    options: StartOptions,
    record: RunRecord,
  ): Promise<RunFolder> {
    if (options.resume && options.overwrite) {
      throw new UsageError(
        "--resume and --overwrite contradict each other: pass one",
      );
    }
    const created = await makeFolder(dir);
    let releaseLock = () => {};
    try {
      const lock = await lockDir(dir);
      releaseLock = () => lock.release();
      if (lock.previous) {
        console.error(
          `[${name}] ${dir}: taking over the lock of ${
            describeHolder(lock.previous)
          }, which is no longer running`,
        );
      }
      const resumeFrom = await chooseStart(dir, options);
      if (resumeFrom) await checkSettings(name, resumeFrom, record);
      const watch = watchInterrupts((signal) =>
        console.error(
          `[${name}] ${signal}: finishing this step, then saving a checkpoint and stopping (${
            signal === "SIGINT" ? "Ctrl-C" : "SIGTERM"
          } again stops at once)`,
        )
      );
      return new RunFolder(
        name,
        dir,
        record,
        resumeFrom,
        options.overwrite ?? false,
        created,
        releaseLock,
        watch,
        options.resumeHint ?? "continue with --resume",
        options.keep ?? [],
      );
    } catch (error) {
      releaseLock();
      removeEmpty(created);
      throw error;
    }
  }

  /** The stop signal received, or null. */
  get signal(): "SIGINT" | "SIGTERM" | null {
    return this.watch.signal;
  }

  /** The error that ends a run stopped by a signal; `what` says what was saved. */
  interruption(what: string): Interrupted {
    const signal = this.signal ?? "SIGINT";
    return new Interrupted(
      `stopped by ${signal} ${what}; ${this.resumeHint} (output_dir ${this.dir})`,
      signalExitCode(signal),
    );
  }

  /**
   * Starts writing: clears an earlier run's files (a fresh start) or the
   * temporaries of a killed one (a resume), and opens metrics.jsonl.
   */
  async begin(): Promise<MetricsLog> {
    if (this.signal) throw this.interruption("before training began");
    const { ours, checkpoints } = await contents(this.dir, this.keep);
    // A fresh start removes everything an earlier run left; a resume only
    // the half-written or half-removed entries of a killed process.
    const stale = ours.filter((name) =>
      this.resumeFrom ? TEMPORARY.some((p) => p.test(name)) : true
    );
    // Checkpoints go first, each renamed away before it is deleted: a kill
    // part-way must not leave one that a later --resume would take.
    if (!this.resumeFrom) {
      for (const { dir } of checkpoints) await removeCheckpoint(dir);
    }
    for (const name of stale) {
      await Deno.remove(`${this.dir}/${name}`, { recursive: true })
        .catch((error) => {
          if (!(error instanceof Deno.errors.NotFound)) throw error;
        });
    }
    if (!this.resumeFrom && ours.length > 0) {
      console.error(
        this.overwrite
          ? `[${this.name}] --overwrite: removed the earlier run in ${this.dir}: ${
            summary(ours)
          }`
          : `[${this.name}] removed what an earlier run left in ${this.dir} without a checkpoint: ${
            summary(ours)
          }`,
      );
    }
    this.#begun = true;
    return await MetricsLog.open(
      `${this.dir}/metrics.jsonl`,
      this.resumeFrom ? this.resumeFrom.step : -1,
    );
  }

  /**
   * Stops listening for signals and releases the lock; a run that never
   * began also removes the folders it created (idempotent).
   */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.watch.stop();
    this.releaseLock();
    if (!this.#begun) removeEmpty(this.created);
  }
}

/** Which checkpoint to start from, or null; refuses what a fresh start must not touch. */
async function chooseStart(
  dir: string,
  options: StartOptions,
): Promise<ResumePoint | null> {
  const at = async (checkpoint: string) => {
    const state = await readTrainerState(checkpoint);
    return { dir: checkpoint, step: state.globalStep, state };
  };
  if (typeof options.resume === "string") return await at(options.resume);
  const found = await contents(dir, options.keep ?? []);
  const latest = found.checkpoints.at(-1);
  if (options.resume) {
    if (!latest) {
      throw new InputError(
        `--resume: no checkpoint-<step> folder with trainer_state.json in ${dir}`,
      );
    }
    return await at(latest.dir);
  }
  if (found.foreign.length > 0) {
    const file = `${dir}/${found.foreign[0]}`;
    throw new InputError(
      options.overwrite
        ? `--overwrite: ${file} was not written by tunebook, and --overwrite deletes only a run's own files; choose a new or empty output_dir`
        : `${file} was not written by tunebook: a run's output_dir must be new, empty or an earlier run's; choose another`,
    );
  }
  if (options.overwrite) return null;
  if (latest) {
    throw new InputError(
      `${dir} already has checkpoints (newest: ${latest.dir}); pass --resume to continue or --overwrite to start over`,
    );
  }
  const result = found.ours.find((name) => RESULT_FILES.includes(name));
  if (result) {
    throw new InputError(
      `${dir} already holds a finished run (${result}); pass --overwrite to start over`,
    );
  }
  return null;
}

/** Refuses a resume under settings other than the checkpoint's; notes allowed changes. */
async function checkSettings(
  name: string,
  from: ResumePoint,
  record: RunRecord,
): Promise<void> {
  if (!from.state.config) {
    throw new InputError(
      `${from.dir}/trainer_state.json records no training settings (it was written before tunebook recorded them), so this resume cannot be checked; start over with --overwrite, or resume with the tunebook version that wrote it`,
    );
  }
  const { binding, allowed } = await compareRecords(from.state.config, record);
  if (binding.length > 0) {
    throw new InputError(
      `--resume: ${from.dir} was trained with other settings (${
        binding.map(describeDifference).join("; ")
      }); resume with the checkpoint's settings, or start over with --overwrite`,
    );
  }
  if (allowed.length > 0) {
    const length = allowed.some((d) =>
      d.field === "max_steps" || d.field === "num_train_epochs"
    );
    console.error(
      `[${name}] resuming with changed settings: ${
        allowed.map(describeDifference).join("; ")
      }${length ? " (the learning-rate schedule follows the new length)" : ""}`,
    );
  }
}

/**
 * What `dir` holds: tunebook's entries (`ours`, the lock file and `keep` aside), the
 * complete checkpoints, and entries tunebook does not write (`foreign`).
 * Without a sign of a run (metrics.jsonl, a checkpoint, a temporary), even
 * names tunebook writes are someone else's: a model folder also has a
 * config.json and a model.safetensors.
 */
async function contents(dir: string, keep: readonly string[]) {
  const ours: string[] = [], foreign: string[] = [];
  let runSigns = 0;
  for await (const entry of Deno.readDir(dir)) {
    const name = entry.name;
    if (name === LOCK_FILE || keep.includes(name)) continue;
    const checkpoint = entry.isDirectory && CHECKPOINT.test(name);
    const temporary = TEMPORARY.some((p) => p.test(name));
    if (checkpoint || temporary || name === "metrics.jsonl") runSigns++;
    if (checkpoint || temporary || (entry.isFile && RUN_FILES.has(name))) {
      ours.push(name);
    } else foreign.push(name);
  }
  ours.sort(), foreign.sort();
  return {
    ours: runSigns > 0 ? ours : [],
    foreign: runSigns > 0 ? foreign : [...ours, ...foreign].sort(),
    checkpoints: await listCheckpoints(dir),
  };
}

function summary(names: string[]): string {
  const checkpoints = names.filter((n) => CHECKPOINT.test(n)).length;
  const files = names.filter((n) => !CHECKPOINT.test(n));
  return [
    ...(checkpoints > 0 ? [`${checkpoints} checkpoint(s)`] : []),
    ...files,
  ].join(", ");
}

/** Creates `dir` and its missing parents; returns those it created, deepest first. */
async function makeFolder(dir: string): Promise<string[]> {
  const missing: string[] = [];
  for (let d = dir; d && d !== "." && d !== "/"; d = parentOf(d)) {
    try {
      await Deno.stat(d);
      break;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      missing.push(d);
    }
  }
  await Deno.mkdir(dir, { recursive: true });
  return missing;
}

function removeEmpty(dirs: string[]): void {
  for (const d of dirs) {
    try {
      Deno.removeSync(d); // refuses a folder that is not empty
    } catch {
      return;
    }
  }
}

function parentOf(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  const slash = trimmed.lastIndexOf("/");
  return slash <= 0 ? (slash === 0 ? "/" : ".") : trimmed.slice(0, slash);
}
