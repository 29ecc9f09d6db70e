/**
 * Checkpoint folders in Hugging Face's layout: either one `model.safetensors`
 * or shards `model-00001-of-00003.safetensors`, … listed by
 * `model.safetensors.index.json` (`{"metadata": {"total_size": …},
 * "weight_map": {tensor: shard file}}`).
 *
 * ```ts
 * using checkpoint = await ShardedCheckpoint.open("path/to/folder");
 * const q = await checkpoint.read("model.layers.0.self_attn.q_proj.weight");
 * await writeShardedSafetensors("out/", tensors, { maxShardBytes: 2e9 });
 * ```
 *
 * @module
 */
import { writeFileAtomic } from "../util/atomic.ts";
import { DTYPE_BYTES } from "./dtypes.ts";
import {
  type LoadedTensor,
  readTensors,
  SafetensorsFile,
  type TensorEntry,
  type TensorsToWrite,
  type TensorToWrite,
  writeSafetensors,
} from "./safetensors.ts";
import { readJsonFile } from "../util/json_files.ts";

/** The single-file weights name transformers looks for. */
export const SINGLE_WEIGHTS_FILE = "model.safetensors";
/** The shard index name transformers looks for. */
export const SHARD_INDEX_FILE = "model.safetensors.index.json";

/** A parsed shard index. */
export interface ShardIndex {
  /** The index's `metadata` object (e.g. `total_size`). */
  metadata: Record<string, unknown>;
  /** Tensor name → shard file name. */
  weightMap: Map<string, string>;
}

/** Reads and validates a `*.safetensors.index.json`. */
export async function readShardIndex(path: string): Promise<ShardIndex> {
  const json = await readJsonFile(path, "shard index");
  const weightMap = (json as { weight_map?: unknown })?.weight_map;
  if (
    typeof weightMap !== "object" || weightMap === null ||
    Array.isArray(weightMap)
  ) {
    throw new Error(
      `${path}: "weight_map" must be an object of tensor name → shard file`,
    );
  }
  const map = new Map<string, string>();
  for (const [name, shard] of Object.entries(weightMap)) {
    if (typeof shard !== "string" || !/^[^/\\]+\.safetensors$/.test(shard)) {
      throw new Error(
        `${path}: weight_map["${name}"] must be a .safetensors file name in the same folder, got ${
          JSON.stringify(shard)
        }`,
      );
    }
    map.set(name, shard);
  }
  const metadata = (json as { metadata?: unknown }).metadata;
  return {
    metadata: typeof metadata === "object" && metadata !== null
      ? metadata as Record<string, unknown>
      : {},
    weightMap: map,
  };
}

/** A checkpoint folder (single file or shards), read tensor by tensor. */
export class ShardedCheckpoint {
  private constructor(
    /** The folder (or file) the checkpoint was opened from. */
    readonly source: string,
    private readonly shards: Map<string, SafetensorsFile>,
    private readonly shardOfTensor: Map<string, string>,
    /** The index's metadata, or the single file's `__metadata__`. */
    readonly metadata: Record<string, unknown>,
  ) {}

  /**
   * Opens a folder holding `model.safetensors.index.json` (preferred) or
   * `model.safetensors`, or a path to either file. Every shard's header is
   * read and checked against the index; no tensor data is read yet.
   */
  static async open(path: string): Promise<ShardedCheckpoint> {
    const stat = await Deno.stat(path).catch(() => undefined);
    if (!stat) throw new Error(`checkpoint not found: ${path}`);
    if (stat.isFile) {
      return path.endsWith(".index.json")
        ? await ShardedCheckpoint.#openIndexed(path, parentOf(path))
        : await ShardedCheckpoint.#openSingle(path);
    }
    const index = `${path}/${SHARD_INDEX_FILE}`;
    if (await exists(index)) {
      return await ShardedCheckpoint.#openIndexed(index, path);
    }
    const single = `${path}/${SINGLE_WEIGHTS_FILE}`;
    if (await exists(single)) {
      return await ShardedCheckpoint.#openSingle(single);
    }
    throw new Error(
      `${path}: no weights found (expected ${SINGLE_WEIGHTS_FILE} or ${SHARD_INDEX_FILE} with its shards)`,
    );
  }

  static async #openSingle(path: string): Promise<ShardedCheckpoint> {
    const file = await SafetensorsFile.open(path);
    const name = path.slice(path.lastIndexOf("/") + 1);
    const shardOf = new Map(file.names().map((t) => [t, name]));
    return new ShardedCheckpoint(
      path,
      new Map([[name, file]]),
      shardOf,
      file.metadata,
    );
  }

  static async #openIndexed(
    indexPath: string,
    dir: string,
  ): Promise<ShardedCheckpoint> {
    const index = await readShardIndex(indexPath);
    const tensorsOfShard = new Map<string, string[]>();
    for (const [tensor, shard] of index.weightMap) {
      tensorsOfShard.set(shard, [...tensorsOfShard.get(shard) ?? [], tensor]);
    }
    const shards = new Map<string, SafetensorsFile>();
    try {
      for (const [shard, tensors] of tensorsOfShard) {
        const path = `${dir}/${shard}`;
        if (!(await exists(path))) {
          throw new Error(
            `${indexPath} lists shard "${shard}" for ${tensors.length} tensor(s) (e.g. "${
              tensors[0]
            }"), but ${path} is missing`,
          );
        }
        const file = await SafetensorsFile.open(path);
        shards.set(shard, file);
        for (const tensor of tensors) {
          if (!file.has(tensor)) {
            throw new Error(
              `tensor "${tensor}" is listed in ${indexPath} under shard "${shard}", but ${path} does not contain it`,
            );
          }
        }
        const listed = new Set(tensors);
        const stray = file.names().find((t) => !listed.has(t));
        if (stray !== undefined) {
          throw new Error(
            `${path} holds tensor "${stray}", which ${indexPath} does not map to this shard (mismatched index and shards)`,
          );
        }
      }
    } catch (error) {
      for (const file of shards.values()) file.close();
      throw error;
    }
    return new ShardedCheckpoint(dir, shards, index.weightMap, index.metadata);
  }

  /** Tensor names, in index order (file order for a single file). */
  names(): string[] {
    return [...this.shardOfTensor.keys()];
  }

  /** Whether any shard holds this tensor. */
  has(name: string): boolean {
    return this.shardOfTensor.has(name);
  }

  /** The shard file name that holds `name`. */
  shardOf(name: string): string {
    const shard = this.shardOfTensor.get(name);
    if (shard === undefined) {
      throw new Error(
        `${this.source}: no tensor named "${name}" (the checkpoint holds ${this.shardOfTensor.size} tensors)`,
      );
    }
    return shard;
  }

  /** dtype, shape and offsets of one tensor within its shard. */
  info(name: string): TensorEntry {
    return this.shards.get(this.shardOf(name))!.info(name);
  }

  /** One tensor as float32, reading only its bytes. */
  read(name: string): Promise<LoadedTensor> {
    return this.shards.get(this.shardOf(name))!.read(name);
  }

  /** All tensors (or those `keep` accepts), as float32. */
  readAll(
    keep: (name: string) => boolean = () => true,
  ): Promise<Map<string, LoadedTensor>> {
    return readTensors(this, keep);
  }

  /** Closes every shard. */
  close(): void {
    for (const shard of this.shards.values()) shard.close();
  }

  /** Lets `using checkpoint = await ShardedCheckpoint.open(…)` close it. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** Options for {@link writeShardedSafetensors}. */
export interface ShardedWriteOptions {
  /** Most tensor bytes per shard (default 5 GB, transformers' default). */
  maxShardBytes?: number;
  /** `__metadata__` of every shard (`format: "pt"` is added unless given). */
  metadata?: Record<string, string>;
  /** File name stem (default "model"). */
  baseName?: string;
}

/** What {@link writeShardedSafetensors} wrote. */
export interface ShardedWriteResult {
  /** Weight files written, in order. */
  files: string[];
  /** The index file name, when there is more than one shard. */
  index?: string;
}

/**
 * Writes tensors into `dir` as `model.safetensors` when they fit one shard,
 * else as `model-0000k-of-0000n.safetensors` plus the index. Shards are
 * filled in insertion order; a tensor larger than the limit gets a shard of
 * its own. Each file is written atomically and the index last; weight files
 * of the same stem left by an earlier save are then removed, so loaders
 * never mix old and new weights.
 */
export async function writeShardedSafetensors(
  dir: string,
  tensors: TensorsToWrite,
  options: ShardedWriteOptions = {},
): Promise<ShardedWriteResult> {
  const maxBytes = options.maxShardBytes ?? 5e9;
  const base = options.baseName ?? "model";
  const entries = tensors instanceof Map
    ? [...tensors.entries()]
    : Object.entries(tensors);
  const groups: [string, TensorToWrite][][] = [[]];
  let groupBytes = 0;
  let totalSize = 0;
  for (const entry of entries) {
    const bytes = entry[1].data.length * DTYPE_BYTES[entry[1].dtype ?? "F32"];
    totalSize += bytes;
    if (groups.at(-1)!.length > 0 && groupBytes + bytes > maxBytes) {
      groups.push([]);
      groupBytes = 0;
    }
    groups.at(-1)!.push(entry);
    groupBytes += bytes;
  }
  await Deno.mkdir(dir, { recursive: true });
  const metadata = { metadata: options.metadata };
  if (groups.length === 1) {
    const file = `${base}.safetensors`;
    await writeSafetensors(`${dir}/${file}`, new Map(groups[0]), metadata);
    await removeStale(dir, base, [file]);
    return { files: [file] };
  }
  const total = String(groups.length).padStart(5, "0");
  const files = groups.map((_, i) =>
    `${base}-${String(i + 1).padStart(5, "0")}-of-${total}.safetensors`
  );
  const weightMap: Record<string, string> = {};
  for (const [i, group] of groups.entries()) {
    await writeSafetensors(`${dir}/${files[i]}`, new Map(group), metadata);
    for (const [name] of group) weightMap[name] = files[i];
  }
  const index = `${base}.safetensors.index.json`;
  const json = { metadata: { total_size: totalSize }, weight_map: weightMap };
  await writeFileAtomic(
    `${dir}/${index}`,
    JSON.stringify(json, null, 2) + "\n",
  );
  await removeStale(dir, base, [...files, index]);
  return { files, index };
}

/** Removes weight files of stem `base` in `dir` that are not in `keep`. */
async function removeStale(
  dir: string,
  base: string,
  keep: string[],
): Promise<void> {
  const stem = base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const weights = new RegExp(
    `^${stem}(-\\d{5}-of-\\d{5})?\\.safetensors(\\.index\\.json)?$`,
  );
  for await (const entry of Deno.readDir(dir)) {
    if (
      entry.isFile && weights.test(entry.name) && !keep.includes(entry.name)
    ) {
      await Deno.remove(`${dir}/${entry.name}`);
    }
  }
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "." : slash === 0 ? "/" : path.slice(0, slash);
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}
