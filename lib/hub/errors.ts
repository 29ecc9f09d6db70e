/**
 * Hub errors whose messages say what happened and what to do about it.
 * None of them ever contains the token.
 *
 * @module
 */

/** What went wrong, for callers that react differently to each. */
export type HubErrorKind =
  /** 401/403: gated, private, or a bad token. */
  | "access"
  /** 404: no such repository, revision or file. */
  | "not-found"
  /** Network failure or repeated 5xx: the cache may still help. */
  | "unreachable"
  /** No network allowed or reachable, and the cache is incomplete. */
  | "offline"
  /** The server answered something inconsistent (size mismatch, bad range). */
  | "bad-response";

/** An error from the hub client. */
export class HubError extends Error {
  constructor(
    readonly kind: HubErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "HubError";
  }
}

/** What the messages need to know about the request. */
export interface RequestContext {
  endpoint: string;
  repo: string;
  file: string;
  revision: string;
  /** Where the token came from, if one was sent. */
  tokenSource?: string;
  /**
   * The hub's `X-Error-Code` header, when present: RepoNotFound,
   * RevisionNotFound, EntryNotFound, GatedRepo.
   */
  errorCode?: string | null;
}

/** 401 / 403. */
export function accessError(status: number, ctx: RequestContext): HubError {
  const page = `${ctx.endpoint}/${ctx.repo}`;
  if (ctx.errorCode === "RepoNotFound") {
    return new HubError(
      "access",
      `repository "${ctx.repo}" was not found at ${ctx.endpoint} (HTTP ${status}), or it is private and ` +
        `your token cannot see it. Check the id at ${page}` +
        (ctx.tokenSource
          ? "."
          : "; for a private repo, set HF_TOKEN (environment or the project's .env)."),
    );
  }
  const token = ctx.tokenSource
    ? `A token was sent (from ${ctx.tokenSource}) but refused: check that it has read access and that ` +
      `its account has accepted the model's license.`
    : `No token was sent (HF_TOKEN is not set).`;
  return new HubError(
    "access",
    `access to ${ctx.repo} was refused (HTTP ${status}) while fetching ${ctx.file}. ${token} ` +
      `Gated models such as Gemma and Llama need both: accept the license on ${page} while logged in, ` +
      `and put a read token from https://huggingface.co/settings/tokens in HF_TOKEN ` +
      `(environment, or a line HF_TOKEN=hf_… in the project's .env file).`,
  );
}

/** 404: the repo, the revision or the file does not exist. */
export function notFoundError(ctx: RequestContext, url: string): HubError {
  if (ctx.errorCode === "RepoNotFound") {
    return new HubError(
      "not-found",
      `repository "${ctx.repo}" not found at ${ctx.endpoint} (${url})`,
    );
  }
  if (ctx.errorCode === "RevisionNotFound") {
    return new HubError(
      "not-found",
      `revision "${ctx.revision}" not found in ${ctx.repo} (a branch, tag or commit hash is expected; ${url})`,
    );
  }
  return new HubError(
    "not-found",
    `${ctx.file} not found in ${ctx.repo} at revision "${ctx.revision}" (${url})`,
  );
}

/** Details for {@link offlineError}. */
export interface OfflineContext {
  repo: string;
  revision: string;
  cacheDir: string;
  /** Why the network was not used: "HF_HUB_OFFLINE is set", or the failure. */
  reason: string;
  /** What the cache lacks; empty when it has no snapshot at all. */
  missing: string[];
}

/** No network, and the cache cannot stand in: explains how to bring the files. */
export function offlineError(ctx: OfflineContext, cause?: unknown): HubError {
  const name = ctx.repo.split("/").at(-1)!;
  const revision = ctx.revision === "main" ? "" : ` --revision ${ctx.revision}`;
  const folder = `models--${ctx.repo.replaceAll("/", "--")}`;
  const cacheState = ctx.missing.length
    ? `holds no complete copy (missing: ${ctx.missing.join(", ")})`
    : "holds no snapshot of it";
  return new HubError(
    "offline",
    [
      `cannot load ${ctx.repo} (revision "${ctx.revision}"): ${ctx.reason}, and the hub cache ` +
      `${ctx.cacheDir} ${cacheState}.`,
      `To provide the files:`,
      `  1. on a machine with internet, run`,
      `       huggingface-cli download ${ctx.repo}${revision} --local-dir ${name}`,
      `     (newer huggingface_hub: hf download …; gated models need HF_TOKEN there too),`,
      `     copy the folder here and pass its path instead of "${ctx.repo}"; or`,
      `  2. copy a Hugging Face cache that holds this model (its ${folder} folder, usually under`,
      `     ~/.cache/huggingface/hub) and set HF_HUB_CACHE to the folder containing ${folder}` +
      ` (now: ${ctx.cacheDir}).`,
    ].join("\n"),
    cause === undefined ? undefined : { cause },
  );
}
