/**
 * The hub cache, laid out exactly like `huggingface_hub`'s so files that
 * Python already downloaded are reused (and ours are reused by Python):
 *
 * ```
 * <cache>/models--org--name/
 *   refs/main                      commit hash the branch pointed to
 *   blobs/<etag>                   file contents (+ <etag>.incomplete while downloading)
 *   snapshots/<commit>/<file>      symlink → ../../blobs/<etag>
 *   .no_exist/<commit>/<file>      empty marker: the repo has no such file
 * ```
 *
 * The folder name comes from `@huggingface/hub`'s `getRepoFolderName`. The
 * rest is tunebook's: the package writes no `refs/` or `.no_exist/` when it
 * downloads one file, and names the snapshot folder after the commit that
 * last changed that file rather than the one the revision points to, so a
 * model's files could land in different snapshots (see README, Dependencies).
 *
 * @module
 */
import { getRepoFolderName } from "@huggingface/hub";

/** Kind of hub repository; each has its own URL prefix and cache folder. */
export type RepoType = "model" | "dataset";

const COMMIT_HASH = /^[0-9a-f]{40}$/;

/** Whether a revision is already a full commit hash (it then needs no ref). */
export function isCommitHash(revision: string): boolean {
  return COMMIT_HASH.test(revision);
}

/** One repository's folder inside the hub cache. */
export class RepoCache {
  /** `<cache>/models--org--name`. */
  readonly repoDir: string;

  constructor(
    cacheDir: string,
    readonly repo: string,
    repoType: RepoType = "model",
  ) {
    this.repoDir = `${cacheDir}/${
      getRepoFolderName({ name: repo, type: repoType })
    }`;
  }

  /** The commit a revision names: itself if a hash, else what its ref holds. */
  async commitFor(revision: string): Promise<string | undefined> {
    if (isCommitHash(revision)) return revision;
    try {
      const commit =
        (await Deno.readTextFile(`${this.repoDir}/refs/${revision}`)).trim();
      return commit || undefined;
    } catch {
      return undefined;
    }
  }

  /** Records that `revision` (a branch or tag) points at `commit`. */
  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit) return;
    const path = `${this.repoDir}/refs/${revision}`;
    await Deno.mkdir(parentOf(path), { recursive: true });
    await Deno.writeTextFile(path, commit);
  }

  /** `snapshots/<commit>`. */
  snapshotDir(commit: string): string {
    return `${this.repoDir}/snapshots/${commit}`;
  }

  /** The snapshot path of `file` if it is there (following the symlink). */
  async cachedFile(commit: string, file: string): Promise<string | undefined> {
    const path = `${this.snapshotDir(commit)}/${file}`;
    return await isFile(path) ? path : undefined;
  }

  /** `blobs/<etag>`. */
  blobPath(etag: string): string {
    return `${this.repoDir}/blobs/${etag}`;
  }

  /** Where a download of `etag` accumulates until complete. */
  incompletePath(etag: string): string {
    return `${this.blobPath(etag)}.incomplete`;
  }

  /** Whether the repo was seen to lack `file` at `commit`. */
  async isMarkedMissing(commit: string, file: string): Promise<boolean> {
    return await isFile(`${this.repoDir}/.no_exist/${commit}/${file}`);
  }

  /** Remembers that the repo has no `file` at `commit`. */
  async markMissing(commit: string, file: string): Promise<void> {
    const path = `${this.repoDir}/.no_exist/${commit}/${file}`;
    await Deno.mkdir(parentOf(path), { recursive: true });
    await Deno.writeFile(path, new Uint8Array());
  }

  /**
   * Points `snapshots/<commit>/<file>` at `blobs/<etag>` with a relative
   * symlink; where symlinks are not allowed the blob is copied instead.
   */
  async linkBlob(etag: string, commit: string, file: string): Promise<string> {
    const path = `${this.snapshotDir(commit)}/${file}`;
    await Deno.mkdir(parentOf(path), { recursive: true });
    await Deno.remove(path).catch(() => {});
    const depth = file.split("/").length + 1; // up from snapshots/<commit>/<file>
    const target = `${"../".repeat(depth)}blobs/${etag}`;
    try {
      await Deno.symlink(target, path);
    } catch {
      await Deno.copyFile(this.blobPath(etag), path);
    }
    return path;
  }
}

async function isFile(path: string): Promise<boolean> {
  return await Deno.stat(path).then((s) => s.isFile, () => false);
}

function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}
