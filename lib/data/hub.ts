/**
 * Loading a dataset split from a data file, a folder, or a Hugging Face hub
 * dataset repository.
 *
 * ```ts
 * const gsm8k = await loadDataset("openai/gsm8k", { config: "main", split: "test" });
 * const numina = await loadDataset("AI-MO/NuminaMath-TIR", { split: "train[:5%]" });
 * const local = await loadDataset("data/math/eval.jsonl");
 * const copy = await loadDataset("./gsm8k", { config: "main", split: "test" });
 * ```
 *
 * A hub id is resolved with the tree API (`/api/datasets/<id>/tree/<revision>`),
 * its files chosen by config and split (see `data_files.ts`), and downloaded
 * with the hub client into the `huggingface_hub` cache (`datasets--org--name`),
 * honouring `HF_TOKEN`, `HF_ENDPOINT`, `HF_HUB_CACHE` and `HF_HUB_OFFLINE`.
 * A repo without readable data files (a loading script, archives) is read
 * from the hub's parquet conversion, the `refs/convert/parquet` branch.
 * Offline, or when the hub cannot be reached, the cached snapshot serves if
 * it holds the split; otherwise the error says how to bring the files over.
 *
 * @module
 */
import { downloadHubFile, type HubOptions } from "../hub/download.ts";
import { HubError } from "../hub/errors.ts";
import { type HubSettings, hubSettings } from "../hub/settings.ts";
import { listRepoFiles } from "../hub/tree.ts";
import { chooseDataFiles } from "./data_files.ts";
import { chooseInFolder, readAll } from "./folder.ts";
import {
  datasetOfflineError,
  loadFromCache,
  PARQUET_BRANCH,
} from "./hub_cache.ts";
import { DATA_EXTENSIONS, isDataFile, readRows } from "./read.ts";
import type { Row } from "./rows.ts";
import {
  formatSplit,
  parseSplit,
  sliceRows,
  type SplitSpec,
} from "./split_spec.ts";

export { PARQUET_BRANCH } from "./hub_cache.ts";

/** Options of {@link loadDataset}. */
export interface LoadDatasetOptions extends Omit<HubOptions, "repoType"> {
  /** Split, optionally sliced: "train" (default), "test[:100]", "train[:5%]". */
  split?: string;
  /** Config (subset) name, e.g. "main" for openai/gsm8k. */
  config?: string;
  /** Notes such as "using the cache"; default stderr. */
  log?: (message: string) => void;
}

/** Rows of one split and where they came from. */
export interface LoadedDataset {
  rows: Row[];
  origin: "file" | "folder" | "hub";
  /** The files read, as local paths. */
  files: string[];
  /** The split as asked, e.g. "train[:5%]". */
  split: string;
  config?: string;
  repo?: string;
  revision?: string;
  commit?: string;
  /** How the files were chosen, for logs. */
  how: string;
}

/**
 * Loads one split of `source`: a data file (the split's slice still
 * applies), a folder (files chosen by config and split as on the hub), or a
 * hub dataset id `org/name` (optionally `org/name@revision`).
 */
export async function loadDataset(
  source: string,
  options: LoadDatasetOptions = {},
): Promise<LoadedDataset> {
  const splitText = options.split ?? "train";
  const spec = parseSplit(splitText);
  const stat = await Deno.stat(source).catch(() => undefined);
  if (stat?.isFile) {
    const rows = sliceRows(await readRows(source), spec);
    return {
      rows,
      origin: "file",
      files: [source],
      split: splitText,
      how: "a single file",
    };
  }
  if (stat?.isDirectory) {
    const choice = await chooseInFolder(
      source,
      source,
      spec.name,
      options.config,
    );
    const files = choice.files.map((f) => `${source.replace(/\/+$/, "")}/${f}`);
    return {
      rows: sliceRows(await readAll(files), spec),
      origin: "folder",
      files,
      split: splitText,
      config: choice.config,
      how: choice.how,
    };
  }
  if (
    /^(\.{0,2}\/|~|[A-Za-z]:\\)/.test(source) || source.split("/").length > 2 ||
    isDataFile(source)
  ) {
    throw new Error(`data file or folder not found: ${source}`);
  }
  const [repo, atRevision] = source.split("@", 2);
  if (!/^[A-Za-z0-9][\w.-]*\/[\w.-]+$/.test(repo)) {
    throw new Error(
      `"${source}" is neither an existing file or folder nor a hub dataset id like "openai/gsm8k"`,
    );
  }
  if (atRevision && options.revision && atRevision !== options.revision) {
    throw new Error(
      `"${source}" names revision "${atRevision}" but options.revision is "${options.revision}"`,
    );
  }
  const revision = atRevision ?? options.revision ?? "main";
  const loaded = await loadFromHub(repo, revision, spec, options);
  return {
    ...loaded,
    rows: sliceRows(loaded.rows, spec),
    split: splitText,
    repo,
    revision,
  };
}

type HubLoad = Omit<LoadedDataset, "split" | "repo" | "revision">;

async function loadFromHub(
  repo: string,
  revision: string,
  spec: SplitSpec,
  options: LoadDatasetOptions,
): Promise<HubLoad> {
  const settings = options.settings ?? hubSettings();
  const hub = { ...options, settings, repoType: "dataset" as const };
  const fromCache = async (reason: string, cause?: unknown) => {
    const cached = await loadFromCache({
      repo,
      revision,
      split: spec.name,
      config: options.config,
      cacheDir: settings.cacheDir,
    });
    if ("rows" in cached) {
      if (cause) {
        (options.log ?? console.error)(
          `note: ${reason}; using the cached snapshot ${cached.files[0]}`,
        );
      }
      return { ...cached, origin: "hub" as const };
    }
    throw datasetOfflineError({
      repo,
      revision,
      split: formatSplit(spec),
      config: options.config,
      cacheDir: settings.cacheDir,
      reason,
      cacheState: cached.problem,
    }, cause);
  };
  if (settings.offline) return await fromCache("HF_HUB_OFFLINE is set");
  try {
    return await downloadSplit(repo, revision, spec, options, hub);
  } catch (error) {
    if (error instanceof HubError && error.kind === "unreachable") {
      return await fromCache(error.message, error);
    }
    if (error instanceof HubError && error.kind !== "offline") {
      throw new HubError(error.kind, `dataset ${repo}: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}

async function downloadSplit(
  repo: string,
  revision: string,
  spec: SplitSpec,
  options: LoadDatasetOptions,
  hub: HubOptions & { settings: HubSettings; repoType: "dataset" },
): Promise<HubLoad> {
  const listing = await listRepoFiles(repo, { ...hub, revision });
  const paths = listing.map((f) => f.path);
  let commit: string | undefined;
  let readme: string | undefined;
  if (paths.includes("README.md")) {
    const card = await downloadHubFile(repo, "README.md", {
      ...hub,
      revision,
      cacheFallback: false,
    });
    commit = card.commit;
    readme = await Deno.readTextFile(card.path!);
  }
  if (!paths.some(isDataFile)) {
    return await downloadParquetConversion(repo, spec, options, hub);
  }
  const choice = chooseDataFiles(paths, {
    split: spec.name,
    config: options.config,
    readme,
    source: repo,
  });
  const pinned = await downloadPinned(
    repo,
    choice.files,
    commit ?? revision,
    hub,
  );
  const files = pinned.files;
  commit ??= pinned.commit;
  return {
    rows: await readAll(files),
    origin: "hub",
    files,
    config: choice.config,
    commit,
    how: choice.how,
  };
}

/**
 * Downloads `paths` of a dataset repo, all from one commit even if the
 * branch moves meanwhile: the first download resolves `revision` to a
 * commit and the rest are fetched at that commit.
 */
async function downloadPinned(
  repo: string,
  paths: readonly string[],
  revision: string | undefined,
  hub: HubOptions & { settings: HubSettings; repoType: "dataset" },
): Promise<{ files: string[]; commit: string | undefined }> {
  let commit: string | undefined;
  const files: string[] = [];
  for (const file of paths) {
    const got = await downloadHubFile(repo, file, {
      ...hub,
      revision: commit ?? revision,
      cacheFallback: false,
    });
    commit ??= got.commit;
    files.push(got.path!);
  }
  return { files, commit };
}

/** The split from the hub's parquet conversion: `<config>/<split>/*.parquet`. */
async function downloadParquetConversion(
  repo: string,
  spec: SplitSpec,
  options: LoadDatasetOptions,
  hub: HubOptions & { settings: HubSettings; repoType: "dataset" },
): Promise<HubLoad> {
  const config = options.config ?? "default";
  const folder = `${config}/${spec.name}`;
  const listing = await listRepoFiles(repo, {
    ...hub,
    revision: PARQUET_BRANCH,
    path: folder,
  })
    .catch((error) => {
      if (error instanceof HubError && error.kind === "not-found") {
        throw new HubError(
          "not-found",
          `dataset ${repo} has no data files tunebook reads (${
            DATA_EXTENSIONS.join(", ")
          }) ` +
            `and no parquet conversion of config "${config}" split "${spec.name}" on ${PARQUET_BRANCH}`,
          { cause: error },
        );
      }
      throw error;
    });
  const parquet = listing.map((f) => f.path).filter((p) =>
    p.endsWith(".parquet")
  ).sort();
  if (parquet.length === 0) {
    throw new HubError(
      "not-found",
      `dataset ${repo}: ${PARQUET_BRANCH} has no parquet files under ${folder}/`,
    );
  }
  const { files, commit } = await downloadPinned(
    repo,
    parquet,
    PARQUET_BRANCH,
    hub,
  );
  return {
    rows: await readAll(files),
    origin: "hub",
    files,
    config,
    commit,
    how: `the hub's parquet conversion (${PARQUET_BRANCH}, ${folder}/)`,
  };
}
