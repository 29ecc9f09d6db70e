/**
 * Streaming a file's bytes into `blobs/<etag>`: the download accumulates in
 * `<etag>.incomplete`, a dropped connection is resumed with a Range request
 * (within a run by retrying, across runs from what is on disk), and only a
 * complete file is renamed into place.
 *
 * @module
 */
import type { RepoCache } from "./cache.ts";
import {
  accessError,
  HubError,
  notFoundError,
  type RequestContext,
} from "./errors.ts";
import {
  authHeaders,
  type FileMetadata,
  type RetryPolicy,
  sleep,
  TransientError,
} from "./http.ts";
import type { ProgressReporter } from "./progress.ts";
import type { HubSettings } from "./settings.ts";

/** GETs the file into `blobs/<etag>`, resuming from `.incomplete`. */
export async function fetchBlob(
  meta: FileMetadata,
  cache: RepoCache,
  ctx: RequestContext,
  settings: HubSettings,
  retry: RetryPolicy,
  progress: ProgressReporter | undefined,
): Promise<void> {
  const partial = cache.incompletePath(meta.etag);
  await Deno.mkdir(cache.blobPath(""), { recursive: true });
  for (let attempt = 0;; attempt++) {
    let have = await sizeOf(partial);
    try {
      if (meta.size !== undefined && have > meta.size) {
        await Deno.remove(partial);
        have = 0;
      }
      if (meta.size !== undefined && have === meta.size) break;
      await fetchInto(partial, have, meta, ctx, settings, progress);
      break;
    } catch (error) {
      const transient = error instanceof TransientError ||
        error instanceof TypeError;
      if (!transient) throw error;
      const kept = await sizeOf(partial);
      if (attempt >= retry.retries) {
        throw new HubError(
          "unreachable",
          `downloading ${ctx.file} of ${ctx.repo} failed after ${
            attempt + 1
          } attempt(s) (${(error as Error).message}); ` +
            `${kept} bytes are kept in ${partial} and the next run resumes from there`,
          { cause: error },
        );
      }
      await sleep(retry.delayMs * 2 ** attempt);
    }
  }
  await Deno.rename(partial, cache.blobPath(meta.etag));
}

/** One GET (with Range when resuming), streamed onto the end of `partial`. */
async function fetchInto(
  partial: string,
  have: number,
  meta: FileMetadata,
  ctx: RequestContext,
  settings: HubSettings,
  progress: ProgressReporter | undefined,
): Promise<void> {
  const headers = authHeaders(settings, meta.downloadUrl);
  if (have > 0) headers.set("range", `bytes=${have}-`);
  const response = await fetch(meta.downloadUrl, { headers });
  if (!response.ok) {
    await response.body?.cancel();
    if (response.status === 401 || response.status === 403) {
      throw accessError(response.status, ctx);
    }
    if (response.status === 404) throw notFoundError(ctx, meta.downloadUrl);
    if (response.status === 416) {
      await Deno.remove(partial).catch(() => {}); // stale partial: start over
      throw new TransientError("the server refused to resume (HTTP 416)");
    }
    const message = `HTTP ${response.status} ${response.statusText}`;
    if (response.status >= 500 || response.status === 429) {
      throw new TransientError(message);
    }
    throw new HubError(
      "bad-response",
      `${meta.downloadUrl} answered ${message}`,
    );
  }
  const resumed = response.status === 206;
  if (
    resumed &&
    !response.headers.get("content-range")?.startsWith(`bytes ${have}-`)
  ) {
    await response.body?.cancel();
    throw new HubError(
      "bad-response",
      `${meta.downloadUrl} sent a range other than bytes=${have}-`,
    );
  }
  const start = resumed ? have : 0; // 200 means the server ignored Range
  const length = Number(response.headers.get("content-length") ?? NaN);
  const total = meta.size ??
    (Number.isSafeInteger(length) ? start + length : undefined);
  const file = await Deno.open(partial, {
    write: true,
    create: true,
    append: resumed,
    truncate: !resumed,
  });
  const event = {
    file: ctx.file,
    received: start,
    total,
    resumedFrom: start,
    startedAt: performance.now(),
    done: false,
  };
  try {
    for await (const chunk of response.body!) {
      for (let done = 0; done < chunk.length;) {
        done += await file.write(chunk.subarray(done));
      }
      event.received += chunk.length;
      progress?.(event);
    }
  } finally {
    file.close();
  }
  if (total !== undefined && event.received < total) {
    throw new TransientError(
      `the connection closed after ${event.received} of ${total} bytes`,
    );
  }
  if (total !== undefined && event.received > total) {
    await Deno.remove(partial);
    throw new HubError(
      "bad-response",
      `${meta.downloadUrl} sent ${event.received} bytes, expected ${total}`,
    );
  }
  progress?.({ ...event, done: true });
}

async function sizeOf(path: string): Promise<number> {
  return await Deno.stat(path).then((s) => s.size, () => 0);
}
