/**
 * Listing the files of a hub repository at a revision with the tree API,
 * `GET {endpoint}/api/{models|datasets}/{repo}/tree/{revision}[/{path}]?recursive=true`,
 * following the `Link: <…>; rel="next"` pages the hub splits long listings
 * into.
 *
 * ```ts
 * const files = await listRepoFiles("openai/gsm8k", { repoType: "dataset" });
 * // [{ path: "main/test-00000-of-00001.parquet", size: 419088 }, …]
 * ```
 *
 * @module
 */
import type { RepoType } from "./cache.ts";
import type { HubOptions } from "./download.ts";
import {
  accessError,
  HubError,
  notFoundError,
  type RequestContext,
} from "./errors.ts";
import { authHeaders, withRetries } from "./http.ts";
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
  const repoType: RepoType = options.repoType ?? "model";
  const folder = options.path
    ? `/${options.path.split("/").map(encodeURIComponent).join("/")}`
    : "";
  let url: string | undefined =
    `${settings.endpoint}/api/${repoType}s/${repo}/tree/${
      encodeURIComponent(revision)
    }${folder}?recursive=true`;
  const ctx: RequestContext = {
    endpoint: settings.endpoint,
    repo,
    revision,
    file: `the file list${options.path ? ` of ${options.path}/` : ""}`,
    tokenSource: settings.token ? settings.tokenSource : undefined,
  };
  const retry = {
    retries: options.retries ?? 3,
    delayMs: options.retryDelayMs ?? 1000,
  };
  const files: RepoFile[] = [];
  for (let page = 0; url && page < MAX_PAGES; page++) {
    const target: string = url;
    const response = await withRetries(
      retry,
      target,
      () => fetch(target, { headers: authHeaders(settings, target) }),
    );
    const errorCode = response.headers.get("x-error-code");
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw accessError(response.status, { ...ctx, errorCode });
    }
    if (response.status === 404) {
      await response.body?.cancel();
      throw notFoundError({ ...ctx, errorCode }, target);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new HubError(
        "bad-response",
        `${target} answered HTTP ${response.status} ${response.statusText}`,
      );
    }
    let entries: unknown;
    try {
      entries = await response.json();
    } catch (error) {
      throw new HubError(
        "bad-response",
        `${target} did not answer a JSON file list (${
          (error as Error).message
        })`,
      );
    }
    if (!Array.isArray(entries)) {
      throw new HubError("bad-response", `${target} did not answer a list`);
    }
    for (const entry of entries) {
      if (entry?.type !== "file" || typeof entry.path !== "string") continue;
      files.push({
        path: entry.path,
        size: typeof entry.size === "number" ? entry.size : undefined,
      });
    }
    url = nextPage(response.headers.get("link"), target);
  }
  return files;
}

/** The `rel="next"` URL of a Link header, on the same origin only. */
function nextPage(link: string | null, current: string): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(",")) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (!m) continue;
    const next = new URL(m[1], current);
    if (next.origin !== new URL(current).origin) {
      throw new HubError(
        "bad-response",
        `the file list's next page points to another host (${next.origin})`,
      );
    }
    return next.href;
  }
  return undefined;
}
