/**
 * Downloading one file from a Hugging Face repository into the hub cache,
 * like `hf_hub_download`: a HEAD request learns the commit, the content id
 * (etag) and the size; a cached copy is used when present; otherwise the
 * file is streamed into `blobs/<etag>.incomplete`, resumed with a Range
 * request after a dropped connection (also across runs), then moved into
 * place and linked from `snapshots/<commit>/`.
 *
 * ```ts
 * const { path } = await downloadHubFile("google/gemma-3-270m-it", "config.json");
 * ```
 *
 * @module
 */
import { fetchBlob } from "./blob.ts";
import { RepoCache, type RepoType } from "./cache.ts";
import {
  HubError,
  notFoundError,
  offlineError,
  type RequestContext,
} from "./errors.ts";
import { fetchMetadata, type FileMetadata, resolveUrl } from "./http.ts";
import { type ProgressReporter, stderrProgress } from "./progress.ts";
import { type HubSettings, hubSettings } from "./settings.ts";

/** Options shared by the hub functions. */
export interface HubOptions {
  /** Branch, tag or commit hash (default "main"). */
  revision?: string;
  /** Default "model". */
  repoType?: RepoType;
  /** Default: {@link hubSettings} from the environment and `.env`. */
  settings?: HubSettings;
  /** Progress display; default a throttled line on stderr; `false` for none. */
  progress?: ProgressReporter | false;
  /** Extra attempts after a network failure, 5xx or cut-off body (default 3). */
  retries?: number;
  /** Wait before the first retry, doubled each time (default 1000 ms). */
  retryDelayMs?: number;
}

/** A file fetched (or found in the cache). */
export interface HubFile {
  /** Path inside the snapshot folder; undefined when the repo lacks the file. */
  path?: string;
  /** The commit the file belongs to. */
  commit: string;
}

const SAFE_REPO = /^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?$/;
const SAFE_REVISION = /^[\w.\-/]+$/;

/** Per-file options of {@link downloadHubFile}. */
export interface DownloadFileOptions extends HubOptions {
  /** A file the repo lacks gives `{ path: undefined }` instead of an error. */
  optional?: boolean;
  /**
   * When the hub cannot be reached, return the cached copy if there is one
   * (default true); with `false` the "unreachable" error is thrown at once.
   */
  cacheFallback?: boolean;
}

/**
 * Fetches `file` of `repo` into the cache and returns its snapshot path.
 * With `optional`, a file the repo lacks gives `{ path: undefined }`
 * instead of an error (and is remembered in the cache).
 */
export async function downloadHubFile(
  repo: string,
  file: string,
  options: DownloadFileOptions = {},
): Promise<HubFile> {
  const revision = options.revision ?? "main";
  checkNames(repo, revision, file);
  const settings = options.settings ?? hubSettings();
  const cache = new RepoCache(settings.cacheDir, repo, options.repoType);
  const fromCache = async (
    reason: string,
    cause?: unknown,
  ): Promise<HubFile> => {
    const commit = await cache.commitFor(revision);
    const path = commit && await cache.cachedFile(commit, file);
    if (commit && path) return { path, commit };
    if (
      commit && options.optional && await cache.isMarkedMissing(commit, file)
    ) return { commit };
    throw offlineError({
      repo,
      revision,
      cacheDir: settings.cacheDir,
      reason,
      missing: [file],
    }, cause);
  };
  if (settings.offline) return await fromCache("HF_HUB_OFFLINE is set");

  const ctx: RequestContext = {
    endpoint: settings.endpoint,
    repo,
    file,
    revision,
    tokenSource: settings.token ? settings.tokenSource : undefined,
  };
  const retry = {
    retries: options.retries ?? 3,
    delayMs: options.retryDelayMs ?? 1000,
  };
  let meta: FileMetadata | { missing: true; commit?: string };
  try {
    meta = await fetchMetadata(
      ctx,
      settings,
      options.repoType ?? "model",
      retry,
    );
  } catch (error) {
    const fallback = options.cacheFallback ?? true;
    if (fallback && error instanceof HubError && error.kind === "unreachable") {
      return await fromCache(error.message, error);
    }
    throw error;
  }
  if ("missing" in meta) {
    if (meta.commit) await cache.markMissing(meta.commit, file);
    if (options.optional && meta.commit) return { commit: meta.commit };
    if (options.optional) {
      return { commit: await cache.commitFor(revision) ?? revision };
    }
    throw notFoundError(
      { ...ctx, errorCode: "EntryNotFound" },
      resolveUrl(settings, options.repoType, repo, revision, file),
    );
  }
  await cache.writeRef(revision, meta.commit);
  const cached = await cache.cachedFile(meta.commit, file);
  if (cached) return { path: cached, commit: meta.commit };
  if (!(await exists(cache.blobPath(meta.etag)))) {
    const progress = options.progress === false
      ? undefined
      : options.progress ?? stderrProgress();
    await fetchBlob(meta, cache, ctx, settings, retry, progress);
  }
  return {
    path: await cache.linkBlob(meta.etag, meta.commit, file),
    commit: meta.commit,
  };
}

function checkNames(repo: string, revision: string, file: string): void {
  if (!SAFE_REPO.test(repo) || repo.includes("..")) {
    throw new Error(
      `"${repo}" is not a hub repository id (expected "org/name")`,
    );
  }
  if (!SAFE_REVISION.test(revision) || revision.split("/").includes("..")) {
    throw new Error(
      `"${revision}" is not a valid revision (a branch, tag or commit hash)`,
    );
  }
  if (file === "" || file.startsWith("/") || file.split("/").includes("..")) {
    throw new Error(`"${file}" is not a valid file path inside a repository`);
  }
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}
