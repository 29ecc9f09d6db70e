/**
 * The git state of a checkout, for results that say which code made them.
 *
 * ```ts
 * await gitState(repoPath("."));
 * // { commit: "0c4023d…", modified: false }, or null outside git
 * ```
 *
 * @module
 */

/** A checkout's commit and whether its files differ from it. */
export interface GitState {
  /** The full hash of HEAD. */
  commit: string;
  /** True when tracked files changed or untracked (not ignored) files exist. */
  modified: boolean;
}

/**
 * The commit checked out in `dir` and whether the work tree differs from
 * it; null when git is missing, `dir` is not a checkout, or running
 * subprocesses is not permitted.
 */
export async function gitState(dir: string): Promise<GitState | null> {
  const commit = await git(dir, ["rev-parse", "HEAD"]);
  if (commit === null || !/^[0-9a-f]{40}$/.test(commit)) return null;
  const status = await git(dir, ["status", "--porcelain"]);
  if (status === null) return null;
  return { commit, modified: status !== "" };
}

async function git(dir: string, args: string[]): Promise<string | null> {
  try {
    const out = await new Deno.Command("git", {
      args: ["-C", dir, ...args],
      stdout: "piped",
      stderr: "null",
    }).output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : null;
  } catch {
    return null; // no git, or no --allow-run
  }
}
