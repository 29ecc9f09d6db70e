/**
 * HTTP with the hub: headers, retries, and the HEAD request that tells a
 * file's commit, etag and size (following only same-host redirects, and
 * stopping at the redirect to a CDN, which carries the hub's headers).
 *
 * @module
 */
import type { RepoType } from "./cache.ts";
import {
  accessError,
  HubError,
  notFoundError,
  type RequestContext,
} from "./errors.ts";
import type { HubSettings } from "./settings.ts";

/** What the HEAD request says about a file. */
export interface FileMetadata {
  commit: string;
  etag: string;
  size?: number;
  /** Where to GET the bytes (a CDN URL when the hub redirects). */
  downloadUrl: string;
}

/** `{endpoint}/[datasets/]{repo}/resolve/{revision}/{file}`. */
export function resolveUrl(
  settings: HubSettings,
  repoType: RepoType | undefined,
  repo: string,
  revision: string,
  file: string,
): string {
  const prefix = repoType === "dataset" ? "datasets/" : "";
  const path = file.split("/").map(encodeURIComponent).join("/");
  return `${settings.endpoint}/${prefix}${repo}/resolve/${
    encodeURIComponent(revision)
  }/${path}`;
}

/** How often and how patiently to retry. */
export interface RetryPolicy {
  retries: number;
  delayMs: number;
}

/** Request headers; the token goes only to the hub's own origin. */
export function authHeaders(settings: HubSettings, url: string): Headers {
  // Compressed transfer would break byte counts and Range resumes.
  const headers = new Headers({
    "accept-encoding": "identity",
    "user-agent": "tunebook",
  });
  if (
    settings.token && new URL(url).origin === new URL(settings.endpoint).origin
  ) {
    headers.set("authorization", `Bearer ${settings.token}`);
  }
  return headers;
}

/** HEAD the resolve URL, following only same-host redirects (renamed repos). */
export async function fetchMetadata(
  ctx: RequestContext,
  settings: HubSettings,
  repoType: RepoType,
  retry: RetryPolicy,
): Promise<FileMetadata | { missing: true; commit?: string }> {
  let url = resolveUrl(settings, repoType, ctx.repo, ctx.revision, ctx.file);
  for (let hop = 0;; hop++) {
    const response = await withRetries(retry, url, async () => {
      const r = await fetch(url, {
        method: "HEAD",
        headers: authHeaders(settings, url),
        redirect: "manual",
      });
      await r.body?.cancel();
      return r;
    });
    const headers = response.headers;
    const errorCode = headers.get("x-error-code");
    if (response.status === 401 || response.status === 403) {
      throw accessError(response.status, { ...ctx, errorCode });
    }
    if (response.status === 404) {
      if (
        errorCode === "RepoNotFound" || errorCode === "RevisionNotFound"
      ) {
        throw notFoundError({ ...ctx, errorCode }, url);
      }
      return {
        missing: true,
        commit: headers.get("x-repo-commit") ?? undefined,
      };
    }
    const location = headers.get("location");
    const redirect = response.status >= 300 && response.status < 400 &&
      location;
    if (
      redirect && location.startsWith("/") && !location.startsWith("//") &&
      hop < 5
    ) {
      url = new URL(location, url).href;
      continue;
    }
    if (!redirect && !response.ok) {
      throw new HubError(
        "bad-response",
        `${url} answered HTTP ${response.status} ${response.statusText}`,
      );
    }
    const commit = headers.get("x-repo-commit") ?? ctx.revision;
    const rawEtag = headers.get("x-linked-etag") ?? headers.get("etag");
    // On a redirect to a CDN the hub states the size in X-Linked-Size.
    const sizeHeader = headers.get(
      redirect ? "x-linked-size" : "content-length",
    );
    const size = sizeHeader === null ? NaN : Number(sizeHeader);
    return {
      commit,
      etag: await safeEtag(rawEtag, `${commit}/${ctx.file}`),
      size: Number.isSafeInteger(size) && size >= 0 ? size : undefined,
      downloadUrl: redirect ? new URL(location, url).href : url,
    };
  }
}

/** The etag as a blob file name; a hash stands in when it is absent or odd. */
async function safeEtag(raw: string | null, fallback: string): Promise<string> {
  const etag = raw?.replace(/^W\//, "").replace(/^"|"$/g, "");
  if (etag && /^[\w.-]+$/.test(etag)) return etag;
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(etag ?? fallback),
  );
  return Array.from(
    new Uint8Array(digest),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

/** A failure worth retrying: the network, a 5xx, a body cut short. */
export class TransientError extends Error {}

/** Runs `attempt`, retrying network errors and 5xx/429 answers. */
export async function withRetries(
  retry: RetryPolicy,
  url: string,
  attempt: () => Promise<Response>,
): Promise<Response> {
  for (let i = 0;; i++) {
    let failure: string;
    let cause: unknown;
    try {
      const response = await attempt();
      if (response.status < 500 && response.status !== 429) return response;
      failure = `failed (HTTP ${response.status} ${response.statusText}`;
    } catch (error) {
      cause = error;
      failure = `could not be reached (${(error as Error).message}`;
    }
    if (i >= retry.retries) {
      const attempts = `${i + 1} attempt${i ? "s" : ""}`;
      throw new HubError(
        "unreachable",
        `${new URL(url).origin} ${failure}, ${attempts})`,
        { cause },
      );
    }
    await sleep(retry.delayMs * 2 ** i);
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
