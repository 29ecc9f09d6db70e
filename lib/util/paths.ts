/**
 * Paths inside the tunebook checkout, independent of the working directory
 * (tasks run from the root, notebooks from notebooks/).
 *
 * @module
 */

const ROOT = new URL("../../", import.meta.url);

/** Absolute path of `relative` inside the checkout. */
export function repoPath(relative: string): string {
  return decodeURIComponent(new URL(relative, ROOT).pathname).replace(
    /\/$/,
    "",
  );
}
