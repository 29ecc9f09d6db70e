/**
 * Atomic file writes: the content goes to a temporary file in the target's
 * folder, is flushed to disk, then renamed over the target. A crash or an
 * error mid-write leaves the previous file intact and no half-written one.
 *
 * @module
 */

/**
 * Writes `path` atomically through `write`, which receives an open file
 * positioned at byte 0. On error the temporary file is removed.
 */
export async function writeAtomic(
  path: string,
  write: (file: Deno.FsFile) => Promise<void>,
): Promise<void> {
  const temp = temporaryPathFor(path);
  let file: Deno.FsFile | undefined;
  try {
    file = await Deno.open(temp, { write: true, createNew: true });
    await write(file);
    await file.sync();
    file.close();
    file = undefined;
    await Deno.rename(temp, path);
  } catch (error) {
    file?.close();
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

/** Writes bytes or UTF-8 text to `path` atomically. */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
): Promise<void> {
  const bytes = typeof data === "string"
    ? new TextEncoder().encode(data)
    : data;
  await writeAtomic(path, (file) => writeAll(file, bytes));
}

/** Writes every byte (a single `write` call may write fewer). */
export async function writeAll(
  file: Deno.FsFile,
  bytes: Uint8Array,
): Promise<void> {
  let done = 0;
  while (done < bytes.length) done += await file.write(bytes.subarray(done));
}

/** A hidden sibling of `path`, unique to this process and call. */
function temporaryPathFor(path: string): string {
  const slash = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  const dir = path.slice(0, slash + 1);
  const base = path.slice(slash + 1);
  const nonce = crypto.randomUUID().slice(0, 8);
  return `${dir}.${base}.tmp-${Deno.pid}-${nonce}`;
}
