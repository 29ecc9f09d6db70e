/**
 * One writer per folder: `<dir>/.tunebook.lock` names the process that holds
 * the folder (pid, host, start time), and an advisory `flock` on that file
 * does the locking. The kernel drops a `flock` when its process ends, however
 * it ends (kill -9 included), so a lock file whose lock nobody holds was left
 * by a process that died: the next run takes it over and says whose it was.
 * No pid is ever tested for being alive, so a reused pid cannot block a run.
 *
 * ```ts
 * const lock = await lockDir("out/run");   // throws when another run holds it
 * try { … } finally { lock.release(); }
 * ```
 *
 * @module
 */
import { writeAll } from "./atomic.ts";
import { InputError, messageOf } from "./errors.ts";

/** The lock file's name inside the locked folder. */
export const LOCK_FILE = ".tunebook.lock";

/** Who holds (or held) a lock. */
export interface LockHolder {
  pid: number;
  host: string;
  /** When it took the lock (ISO 8601). */
  started: string;
}

/** A held lock. */
export interface DirLock {
  /** The lock file. */
  readonly path: string;
  /**
   * The process that held the lock before and died holding it (its lock
   * file was left behind), or null.
   */
  readonly previous: LockHolder | null;
  /** Removes the lock file and lets go of the lock (idempotent). */
  release(): void;
}

/**
 * Takes the lock of `dir` (which must exist). Refuses, naming the holder's
 * pid and host, when a live process holds it, and when the lock file was
 * left by a process on another host (whether it still runs cannot be known
 * from here). Where the file system cannot lock files, warns and goes on
 * unlocked.
 */
export async function lockDir(dir: string): Promise<DirLock> {
  const path = `${dir}/${LOCK_FILE}`;
  // A holder that releases unlinks the file while still locking it; a file
  // opened just before that is no longer the lock file, so open it again.
  for (let attempt = 0; attempt < 20; attempt++) {
    const file = await Deno.open(path, {
      read: true,
      write: true,
      create: true,
    });
    let locked: boolean;
    try {
      locked = await file.tryLock(true);
    } catch (error) {
      file.close();
      console.error(
        `warning: ${path}: cannot lock (${
          messageOf(error)
        }); nothing stops a second run from writing into ${dir}`,
      );
      return { path, previous: null, release() {} };
    }
    if (!locked) {
      // A holder writes its name just after taking the lock: give it a moment.
      let holder = await readHolder(file);
      for (let wait = 0; holder === null && wait < 50; wait++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        holder = await readHolder(file);
      }
      file.close();
      throw new InputError(
        `${dir} is in use by another run (${
          describeHolder(holder)
        }); wait for it to end or choose another output_dir`,
      );
    }
    if (!(await isFileAt(file, path))) {
      file.close();
      continue;
    }
    const previous = await readHolder(file);
    const host = hostname();
    if (previous && previous.host !== host) {
      file.close();
      throw new InputError(
        `${path} was left by ${
          describeHolder(previous)
        }, and from ${host} it cannot be told whether that run still runs; if it does not, delete ${path}`,
      );
    }
    await file.truncate(0);
    await file.seek(0, Deno.SeekMode.Start);
    const self: LockHolder = {
      pid: Deno.pid,
      host,
      started: new Date().toISOString(),
    };
    await writeAll(file, new TextEncoder().encode(JSON.stringify(self)));
    let released = false;
    return {
      path,
      previous,
      release() {
        if (released) return;
        released = true;
        // Unlink before unlocking: see the loop above.
        try {
          Deno.removeSync(path);
        } catch {
          // Already gone (someone deleted the folder): nothing to release.
        }
        file.close();
      },
    };
  }
  throw new Error(`${path}: the lock file kept being replaced; try again`);
}

/** "pid 123 on host box, since 2025-01-01T00:00:00.000Z". */
export function describeHolder(holder: LockHolder | null): string {
  return holder
    ? `pid ${holder.pid} on host ${holder.host}, since ${holder.started}`
    : "its lock file names no process";
}

async function readHolder(file: Deno.FsFile): Promise<LockHolder | null> {
  await file.seek(0, Deno.SeekMode.Start);
  const buffer = new Uint8Array(4096), decoder = new TextDecoder();
  let text = "";
  for (
    let n = await file.read(buffer);
    n !== null;
    n = await file.read(buffer)
  ) {
    text += decoder.decode(buffer.subarray(0, n), { stream: true });
  }
  try {
    const json = JSON.parse(text);
    return Number.isInteger(json.pid) && typeof json.host === "string"
      ? { pid: json.pid, host: json.host, started: String(json.started) }
      : null;
  } catch {
    return null; // empty: its process died between creating and writing it
  }
}

async function isFileAt(file: Deno.FsFile, path: string): Promise<boolean> {
  const open = await file.stat();
  const named = await Deno.stat(path).catch(() => null);
  if (!named) return false;
  return open.ino === null ||
    (open.ino === named.ino && open.dev === named.dev);
}

function hostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "unknown"; // no permission to ask
  }
}
