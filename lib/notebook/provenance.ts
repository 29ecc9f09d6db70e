/**
 * Which command executed a notebook, at which commit, in which mode — the
 * line a committed notebook shows at its top, so a reader can tell how its
 * outputs were made and run the same thing.
 *
 * ```ts
 * await show.markdown(await provenance());
 * // Executed by `./tunebook task notebooks notebooks/haiku.ipynb` (full settings) at tunebook commit `0c4023d`.
 * ```
 *
 * `deno task notebooks` and the test suite name themselves through
 * {@link COMMAND_ENV}; a notebook run by hand says it was run interactively.
 *
 * @module
 */
import { fastMode } from "../util/fast.ts";
import { repoPath } from "../util/paths.ts";

/** The environment variable that carries the executing command to the kernel. */
export const COMMAND_ENV = "TUNEBOOK_NOTEBOOK_COMMAND";

/** The checkout's commit, and whether tracked files differ from it (null without git). */
export async function checkoutCommit(): Promise<
  { commit: string; modified: boolean } | null
> {
  const git = async (...args: string[]) => {
    const out = await new Deno.Command("git", {
      args: ["-C", repoPath("."), ...args],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!out.success) throw new Error(`git ${args[0]} failed`);
    return new TextDecoder().decode(out.stdout).trim();
  };
  try {
    const commit = await git("rev-parse", "--short", "HEAD");
    const status = await git("status", "--porcelain", "--untracked-files=no");
    return { commit, modified: status !== "" };
  } catch {
    return null; // no git, or not a checkout: say nothing rather than guess
  }
}

/** One markdown line: the executing command, the mode and the commit. */
export async function provenance(): Promise<string> {
  const command = Deno.env.get(COMMAND_ENV);
  const how = command ? `Executed by \`${command}\`` : "Executed interactively";
  const mode = fastMode() ? "fast mode" : "full settings";
  const checkout = await checkoutCommit();
  const at = checkout
    ? ` at tunebook commit \`${checkout.commit}\`${
      checkout.modified ? " with uncommitted changes" : ""
    }`
    : "";
  return `${how} (${mode})${at}.`;
}
