/**
 * Listing the files of a hub repository at a revision, with
 * `@huggingface/hub`'s `listFiles` (the tree API,
 * `GET {endpoint}/api/{models|datasets}/{repo}/tree/{revision}[/{path}]?recursive=true`,
 * and the `Link: <…>; rel="next"` pages the hub splits long listings into).
 * tunebook adds the token, retries and its messages through {@link hubFetch}.
 *
 * ```ts
 * const files = await listRepoFiles("openai/gsm8k", { repoType: "dataset" });
 * // [{ path: "main/test-00000-of-00001.parquet", size: 419088 }, …]
 * ```
 *
 * @module
 */
import { listFiles } from "@huggingface/hub";
import type { HubOptions } from "./download.ts";
import { HubError, type RequestContext } from "./errors.ts";
import { hubFetch, type LastRequest } from "./hub_fetch.ts";
import { hubSettings } from "./settings.ts";

/** One file of a repository listing. */
export interface RepoFile {
  /** Path from the repository root. */
  path: string;
  /** Size in bytes, when the hub says. */
  size?: number;
}

/** Options of {@link listRepoFiles}. */
export interface ListFilesOptions extends HubOptions {
  /** Only this folder (and below). */
  path?: string;
}

/** A bound on pages, so a server that keeps sending "next" cannot loop us. */
const MAX_PAGES = 10_000;

/** Every file of `repo` at `options.revision` (default "main"). */
export async function listRepoFiles(
  repo: string,
  options: ListFilesOptions = {},
): Promise<RepoFile[]> {
  const settings = options.settings ?? hubSettings();
  const revision = options.revision ?? "main";
  const ctx: RequestContext = {
    endpoint: settings.endpoint,
    repo,
    revision,
    file: `the file list${options.path ? ` of ${options.path}/` : ""}`,
    tokenSource: settings.token ? settings.tokenSource : undefined,
  };
  const last: LastRequest = {};
  const fetchPage = hubFetch(settings, ctx, {
    retries: options.retries ?? 3,
    delayMs: options.retryDelayMs ?? 1000,
  }, last);
  let pages = 0;
  const files: RepoFile[] = [];
  try {
    for await (
      const entry of listFiles({
        repo: { type: options.repoType ?? "model", name: repo },
        // The package puts both into the URL as given; the hub wants a
        // branch like refs/convert/parquet as one encoded path segment.
        revision: encodeURIComponent(revision),
        path: options.path?.split("/").map(encodeURIComponent).join("/"),
        recursive: true,
        hubUrl: settings.endpoint,
        fetch: (input, init) => {
          if (++pages > MAX_PAGES) {
            throw new HubError(
              "bad-response",
              `${ctx.file} of ${repo} did not end after ${MAX_PAGES} pages`,
            );
          }
          return fetchPage(input, init);
        },
      })
    ) {
      if (entry?.type !== "file" || typeof entry.path !== "string") continue;
      files.push({
        path: entry.path,
        size: typeof entry.size === "number" ? entry.size : undefined,
      });
    }
  } catch (error) {
    if (error instanceof HubError) throw error;
    // The package parses the page itself: a page that is not a JSON list
    // surfaces here as a SyntaxError or TypeError.
    throw new HubError(
      "bad-response",
      `${last.url} did not answer a JSON file list (${
        (error as Error).message
      })`,
      { cause: error },
    );
  }
  return files;
}
