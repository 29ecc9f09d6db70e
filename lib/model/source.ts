/**
 * Turning a model source (a local folder or a hub id) into a folder of
 * Hugging Face files: `config.json`, the tokenizer and generation files when
 * the repo has them, and `model.safetensors` or the shard index plus shards.
 *
 * ```ts
 * const model = await resolveModelSource("google/gemma-3-270m-it");
 * model.dir;     // …/models--google--gemma-3-270m-it/snapshots/<commit>
 * model.weights; // { index: undefined, files: ["model.safetensors"] }
 * ```
 *
 * A hub id whose snapshot is already complete in the cache is used without
 * any request (pass `checkForUpdates` to ask the hub whether the branch
 * moved). Offline, or when the hub cannot be reached, a cached snapshot
 * with the config and all weights is enough; otherwise the error explains
 * how to bring the files over.
 *
 * @module
 */
import {
  readShardIndex,
  SHARD_INDEX_FILE,
  SINGLE_WEIGHTS_FILE,
} from "../safetensors/sharded.ts";
import { RepoCache } from "../hub/cache.ts";
import { downloadHubFile, type HubOptions } from "../hub/download.ts";
import { HubError, offlineError } from "../hub/errors.ts";
import { hubSettings } from "../hub/settings.ts";

/** Fetched when the repo has them; a model works without any of them. */
export const OPTIONAL_MODEL_FILES = [
  "generation_config.json",
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "chat_template.jinja",
];

/** A folder holding a model's files. */
export interface ModelSource {
  /** The folder (a snapshot folder for hub models). */
  dir: string;
  origin: "local" | "hub";
  repo?: string;
  revision?: string;
  commit?: string;
  /** Weight files inside `dir`; `index` is set for sharded checkpoints. */
  weights: { index?: string; files: string[] };
  /** Every file found in `dir` among those looked for, weights included. */
  files: string[];
}

/** Options for {@link resolveModelSource}. */
export interface ResolveOptions extends HubOptions {
  /** More optional files to fetch (e.g. "tokenizer.model"). */
  extraFiles?: string[];
  /** Ask the hub even when the cache has a complete snapshot. */
  checkForUpdates?: boolean;
  /** Notes such as "using the cache"; default stderr. */
  log?: (message: string) => void;
}

/**
 * Resolves `source`: an existing folder is used as is; otherwise it must be
 * a hub id (`org/name`, optionally `org/name@revision`).
 */
export async function resolveModelSource(
  source: string,
  options: ResolveOptions = {},
): Promise<ModelSource> {
  const wanted = [...OPTIONAL_MODEL_FILES, ...options.extraFiles ?? []];
  const stat = await Deno.stat(source).catch(() => undefined);
  if (stat?.isDirectory) {
    return await describeFolder(source, wanted, { origin: "local" });
  }
  if (stat) {
    throw new Error(
      `${source} is a file; pass the folder that holds config.json and the weights`,
    );
  }
  if (
    /^(\.{0,2}\/|~|[A-Za-z]:\\)/.test(source) || source.split("/").length > 2
  ) {
    throw new Error(`model folder not found: ${source}`);
  }
  const [repo, atRevision] = source.split("@", 2);
  if (atRevision && options.revision && atRevision !== options.revision) {
    throw new Error(
      `"${source}" names revision "${atRevision}" but options.revision is "${options.revision}"`,
    );
  }
  if (!/^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?$/.test(repo)) {
    throw new Error(
      `"${source}" is neither an existing folder nor a hub id like "google/gemma-3-270m-it"`,
    );
  }
  return await resolveHubModel(repo, {
    ...options,
    revision: atRevision ?? options.revision ?? "main",
  }, wanted);
}

async function resolveHubModel(
  repo: string,
  options: ResolveOptions & { revision: string },
  wanted: string[],
): Promise<ModelSource> {
  const settings = options.settings ?? hubSettings();
  const cache = new RepoCache(settings.cacheDir, repo, options.repoType);
  const { revision } = options;
  const fromCache = (strict: boolean) =>
    cachedSnapshot(cache, repo, revision, wanted, strict);

  if (!settings.offline && !options.checkForUpdates) {
    const cached = await fromCache(true);
    if ("source" in cached) return cached.source;
  }
  const unavailable = async (
    reason: string,
    cause?: unknown,
  ): Promise<ModelSource> => {
    const cached = await fromCache(false);
    if ("source" in cached) {
      if (cause) {
        (options.log ?? console.error)(
          `note: ${reason}; using the cached snapshot ${cached.source.dir}`,
        );
      }
      return cached.source;
    }
    throw offlineError({
      repo,
      revision,
      cacheDir: settings.cacheDir,
      reason,
      missing: cached.missing,
    }, cause);
  };
  if (settings.offline) return await unavailable("HF_HUB_OFFLINE is set");

  try {
    // One failed contact decides for the whole model: no per-file fallback,
    // which would wait through the retries once per file.
    return await downloadModel(repo, {
      ...options,
      settings,
      cacheFallback: false,
    }, wanted);
  } catch (error) {
    if (error instanceof HubError && error.kind === "unreachable") {
      return await unavailable(error.message, error);
    }
    throw error;
  }
}

async function downloadModel(
  repo: string,
  options: ResolveOptions & { revision: string; cacheFallback: false },
  wanted: string[],
): Promise<ModelSource> {
  const config = await downloadHubFile(repo, "config.json", options);
  // Every later file comes from the commit the config came from, even if
  // the branch moves meanwhile.
  const pinned = { ...options, revision: config.commit };
  for (const file of wanted) {
    await downloadHubFile(repo, file, { ...pinned, optional: true });
  }
  const single = await downloadHubFile(repo, SINGLE_WEIGHTS_FILE, {
    ...pinned,
    optional: true,
  });
  if (!single.path) {
    const index = await downloadHubFile(repo, SHARD_INDEX_FILE, {
      ...pinned,
      optional: true,
    });
    if (!index.path) {
      throw new HubError(
        "not-found",
        `${repo} (revision "${options.revision}") has neither ${SINGLE_WEIGHTS_FILE} nor ${SHARD_INDEX_FILE}; ` +
          `tunebook loads safetensors weights only`,
      );
    }
    const shards = new Set(
      (await readShardIndex(index.path)).weightMap.values(),
    );
    for (const shard of shards) await downloadHubFile(repo, shard, pinned);
  }
  const dir = new RepoCache(options.settings!.cacheDir, repo, options.repoType)
    .snapshotDir(config.commit);
  return await describeFolder(dir, wanted, {
    origin: "hub",
    repo,
    revision: options.revision,
    commit: config.commit,
  });
}

/**
 * The cached snapshot of `revision` if usable. `strict` also wants every
 * optional file known (present, or recorded as absent), so that using the
 * cache without asking the hub gives the same result as downloading.
 */
async function cachedSnapshot(
  cache: RepoCache,
  repo: string,
  revision: string,
  wanted: string[],
  strict: boolean,
): Promise<{ source: ModelSource } | { missing: string[] }> {
  const commit = await cache.commitFor(revision);
  if (!commit) return { missing: [] };
  const missing: string[] = [];
  if (!(await cache.cachedFile(commit, "config.json"))) {
    missing.push("config.json");
  }
  if (strict) {
    for (const file of wanted) {
      if (
        !(await cache.cachedFile(commit, file)) &&
        !(await cache.isMarkedMissing(commit, file))
      ) {
        missing.push(file);
      }
    }
  }
  const dir = cache.snapshotDir(commit);
  missing.push(...await missingWeights(dir));
  if (missing.length) return { missing };
  return {
    source: await describeFolder(dir, wanted, {
      origin: "hub",
      repo,
      revision,
      commit,
    }),
  };
}

/** Weight files a folder lacks: none, a shard, or any weights at all. */
async function missingWeights(dir: string): Promise<string[]> {
  if (await isFile(`${dir}/${SINGLE_WEIGHTS_FILE}`)) return [];
  if (!(await isFile(`${dir}/${SHARD_INDEX_FILE}`))) {
    return [`${SINGLE_WEIGHTS_FILE} (or ${SHARD_INDEX_FILE} with its shards)`];
  }
  const shards = new Set(
    (await readShardIndex(`${dir}/${SHARD_INDEX_FILE}`)).weightMap.values(),
  );
  const missing: string[] = [];
  for (const shard of shards) {
    if (!(await isFile(`${dir}/${shard}`))) missing.push(shard);
  }
  return missing;
}

async function describeFolder(
  dir: string,
  wanted: string[],
  about: Omit<ModelSource, "dir" | "weights" | "files">,
): Promise<ModelSource> {
  const problems: string[] = [];
  if (!(await isFile(`${dir}/config.json`))) problems.push("config.json");
  problems.push(...await missingWeights(dir));
  if (problems.length) {
    throw new Error(
      `${dir} is not a complete model folder: missing ${problems.join(", ")} ` +
        `(expected config.json and ${SINGLE_WEIGHTS_FILE} or ${SHARD_INDEX_FILE} with its shards)`,
    );
  }
  let weights: ModelSource["weights"];
  if (await isFile(`${dir}/${SINGLE_WEIGHTS_FILE}`)) {
    weights = { files: [SINGLE_WEIGHTS_FILE] };
  } else {
    const shards = new Set(
      (await readShardIndex(`${dir}/${SHARD_INDEX_FILE}`)).weightMap.values(),
    );
    weights = { index: SHARD_INDEX_FILE, files: [...shards] };
  }
  const present: string[] = ["config.json"];
  for (const file of wanted) {
    if (await isFile(`${dir}/${file}`)) present.push(file);
  }
  if (weights.index) present.push(weights.index);
  return { dir, ...about, weights, files: [...present, ...weights.files] };
}

async function isFile(path: string): Promise<boolean> {
  return await Deno.stat(path).then((s) => s.isFile, () => false);
}
