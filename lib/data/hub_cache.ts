/**
 * Datasets without the network: a split from the cached snapshot of a hub
 * dataset (`<cache>/datasets--org--name/snapshots/<commit>/`), or an error
 * that says how to bring the files over.
 *
 * @module
 */
import { RepoCache } from "../hub/cache.ts";
import { HubError } from "../hub/errors.ts";
import type { DataFileChoice } from "./data_files.ts";
import { chooseInFolder, listFolder, readAll } from "./folder.ts";
import { DATA_EXTENSIONS } from "./read.ts";
import type { Row } from "./rows.ts";

/** The hub's parquet conversion of every dataset lives on this branch. */
export const PARQUET_BRANCH = "refs/convert/parquet";

/** A split read from the cache. */
export interface CachedSplit {
  rows: Row[];
  files: string[];
  config?: string;
  commit: string;
  how: string;
}

/** What to look for in the cache. */
export interface CacheRequest {
  repo: string;
  revision: string;
  /** Split name, without a slice. */
  split: string;
  config?: string;
  cacheDir: string;
}

/**
 * The split from the cached snapshot of the revision, or of the parquet
 * branch; else `{ problem }`, what the cache lacks.
 */
export async function loadFromCache(
  request: CacheRequest,
): Promise<CachedSplit | { problem: string }> {
  const { repo, revision, split, config } = request;
  const cache = new RepoCache(request.cacheDir, repo, "dataset");
  const problems: string[] = [];
  for (const branch of [revision, PARQUET_BRANCH]) {
    const commit = await cache.commitFor(branch);
    if (!commit) continue;
    const dir = cache.snapshotDir(commit);
    try {
      const choice = branch === PARQUET_BRANCH
        ? parquetChoice(await listFolder(dir), config ?? "default", split)
        : await chooseInFolder(dir, repo, split, config);
      const files = choice.files.map((f) => `${dir}/${f}`);
      return {
        rows: await readAll(files),
        files,
        config: choice.config,
        commit,
        how: `${choice.how}, from the cache`,
      };
    } catch (error) {
      problems.push(`${branch}: ${(error as Error).message}`);
    }
  }
  return {
    problem: problems.length
      ? `has a snapshot but not this split (${problems.join("; ")})`
      : "holds no snapshot of it",
  };
}

/** The parquet conversion's files of one split: `<config>/<split>/*.parquet`. */
export function parquetChoice(
  paths: readonly string[],
  config: string,
  split: string,
): DataFileChoice {
  const files = paths.filter((p) =>
    p.startsWith(`${config}/${split}/`) && p.endsWith(".parquet")
  ).sort();
  if (files.length === 0) {
    throw new Error(`no parquet files under ${config}/${split}/`);
  }
  return {
    files,
    config,
    split,
    how: `the hub's parquet conversion (${config}/${split}/)`,
  };
}

/** Details for {@link datasetOfflineError}. */
export interface OfflineDatasetContext {
  repo: string;
  revision: string;
  /** The split as asked, slice included. */
  split: string;
  config?: string;
  cacheDir: string;
  /** Why the network was not used. */
  reason: string;
  /** What the cache lacks (from {@link loadFromCache}). */
  cacheState: string;
}

/** No network and no usable cache: explains how to provide the data. */
export function datasetOfflineError(
  ctx: OfflineDatasetContext,
  cause?: unknown,
): HubError {
  const { repo, revision, cacheDir } = ctx;
  const name = repo.split("/").at(-1)!;
  const folder = `datasets--${repo.replaceAll("/", "--")}`;
  const rev = revision === "main" ? "" : ` --revision ${revision}`;
  const what = [
    ctx.config ? `config "${ctx.config}"` : undefined,
    `split "${ctx.split}"`,
    `revision "${revision}"`,
  ].filter(Boolean).join(", ");
  return new HubError(
    "offline",
    [
      `cannot load dataset ${repo} (${what}): ${ctx.reason}, and the hub cache ${cacheDir} ${ctx.cacheState}.`,
      `To provide the data:`,
      `  1. on a machine with internet, run`,
      `       huggingface-cli download ${repo} --repo-type dataset${rev} --local-dir ${name}`,
      `     (newer huggingface_hub: hf download …; gated datasets need HF_TOKEN there too),`,
      `     copy the folder here and pass its path instead of "${repo}" (config and split pick`,
      `     the files inside it the same way), or pass one data file (${
        DATA_EXTENSIONS.join(", ")
      }); or`,
      `  2. copy a Hugging Face cache that holds it (its ${folder} folder, usually under`,
      `     ~/.cache/huggingface/hub) and set HF_HUB_CACHE to the folder containing ${folder}` +
      ` (now: ${cacheDir}).`,
    ].join("\n"),
    cause === undefined ? undefined : { cause },
  );
}
