/**
 * The `fetch` tunebook hands to `@huggingface/hub`. The package builds the
 * URLs, reads the answers and follows the pages; this adds what it leaves
 * out: tunebook's headers, the token sent only to the hub's own origin (the
 * package is never given the token, so it cannot send it elsewhere, and a
 * mirror's token need not start with `hf_`), retries with backoff, no request
 * to another host, and tunebook's one-line messages for 401, 403 and 404 in
 * place of the package's `HubApiError`, which drops the hub's `X-Error-Code`.
 *
 * @module
 */
import {
  accessError,
  HubError,
  notFoundError,
  type RequestContext,
} from "./errors.ts";
import { authHeaders, type RetryPolicy, withRetries } from "./http.ts";
import type { HubSettings } from "./settings.ts";

/** What the package asked for last: for messages about its answer. */
export interface LastRequest {
  url?: string;
}

/**
 * A `fetch` for the package's functions. Every answer it returns is a 2xx;
 * anything else becomes a {@link HubError}. `last` is told each URL.
 */
export function hubFetch(
  settings: HubSettings,
  ctx: RequestContext,
  retry: RetryPolicy,
  last: LastRequest = {},
): typeof fetch {
  const hub = new URL(settings.endpoint).origin;
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    last.url = url;
    if (new URL(url).origin !== hub) {
      throw new HubError(
        "bad-response",
        `while fetching ${ctx.file} of ${ctx.repo}, the hub pointed to another host ` +
          `(${
            new URL(url).origin
          }); tunebook talks only to ${settings.endpoint}`,
      );
    }
    const headers = new Headers(init?.headers);
    for (const [name, value] of authHeaders(settings, url)) {
      headers.set(name, value);
    }
    const response = await withRetries(
      retry,
      url,
      () => fetch(url, { ...init, headers }),
    );
    if (response.ok) return response;
    await response.body?.cancel();
    const errorCode = response.headers.get("x-error-code");
    if (response.status === 401 || response.status === 403) {
      throw accessError(response.status, { ...ctx, errorCode });
    }
    if (response.status === 404) {
      throw notFoundError({ ...ctx, errorCode }, url);
    }
    throw new HubError(
      "bad-response",
      `${url} answered HTTP ${response.status} ${response.statusText}`,
    );
  };
}
