/**
 * Reading and writing `.safetensors` files as float32 arrays.
 *
 * ```ts
 * using file = await SafetensorsFile.open("model.safetensors");
 * const embed = await file.read("model.embed_tokens.weight"); // only its bytes
 * await writeSafetensors("adapter_model.safetensors", {
 *   "base_model.model.lm_head.lora_A.weight": { shape: [8, 640], data, dtype: "BF16" },
 * }, { metadata: { format: "pt" } });
 * ```
 *
 * Reading opens the file, parses and validates the header (see header.ts),
 * then reads each requested tensor's bytes on demand: a 2 GB checkpoint is
 * never held in memory as raw bytes and converted floats at once, and
 * tensors that are not asked for are never read. Writing streams tensor by
 * tensor into a temporary file that is renamed into place.
 *
 * @module
 */
import { writeAll, writeAtomic } from "../util/atomic.ts";
import {
  bytesToFloat32,
  DTYPE_BYTES,
  f32ToBf16,
  f32ToF16,
  type FloatDtype,
  isReadableDtype,
} from "./dtypes.ts";
import {
  parseHeader,
  parseHeaderLength,
  type SafetensorsHeader,
  type TensorEntry,
} from "./header.ts";

export type { TensorEntry } from "./header.ts";

/** A tensor read from a checkpoint, converted to float32. */
export interface LoadedTensor {
  shape: number[];
  /** The dtype stored in the file (the data is always float32). */
  dtype: string;
  data: Float32Array;
}

/**
 * A tensor to write: float32 data stored as `dtype` (default F32), or bytes
 * stored as U8 (bitsandbytes' packed 4-bit weights and quant states).
 */
export type TensorToWrite =
  | { shape: readonly number[]; data: Float32Array; dtype?: FloatDtype }
  | { shape: readonly number[]; data: Uint8Array; dtype: "U8" };

/** Tensors to write, by name. */
export type TensorsToWrite =
  | Record<string, TensorToWrite>
  | Map<string, TensorToWrite>;

/** Options for {@link writeSafetensors}. */
export interface WriteOptions {
  /**
   * `__metadata__` strings. `format: "pt"` is added unless given, because
   * transformers refuses files whose metadata lacks a known format.
   */
  metadata?: Record<string, string>;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** An open safetensors file whose tensors are read on demand. */
export class SafetensorsFile {
  readonly #byName: Map<string, TensorEntry>;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(
    /** Path the file was opened from (used in errors). */
    readonly path: string,
    private readonly file: Deno.FsFile,
    private readonly header: SafetensorsHeader,
  ) {
    this.#byName = new Map(header.tensors.map((t) => [t.name, t]));
  }

  /** Opens `path` and validates its header; tensor data is not read yet. */
  static async open(path: string): Promise<SafetensorsFile> {
    requireLittleEndian();
    const file = await Deno.open(path, { read: true });
    try {
      const { size } = await file.stat();
      const first8 = await readExactly(file, 0, Math.min(8, size), path);
      const headerLength = parseHeaderLength(first8, size, path);
      const headerBytes = await readExactly(file, 8, headerLength, path);
      return new SafetensorsFile(
        path,
        file,
        parseHeader(headerBytes, size, path),
      );
    } catch (error) {
      file.close();
      throw error;
    }
  }

  /** The `__metadata__` strings (empty when the file has none). */
  get metadata(): Record<string, string> {
    return { ...this.header.metadata };
  }

  /** Tensor names, in the order of their data in the file. */
  names(): string[] {
    return this.header.tensors.map((t) => t.name);
  }

  /** Whether the file holds a tensor of this name. */
  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /** dtype, shape and data offsets of one tensor. */
  info(name: string): TensorEntry {
    const entry = this.#byName.get(name);
    if (!entry) {
      throw new Error(
        `${this.path}: no tensor named "${name}" (the file holds ${this.#byName.size} tensors)`,
      );
    }
    return { ...entry, shape: [...entry.shape] };
  }

  /** The raw little-endian bytes of one tensor, in a buffer of its own. */
  readBytes(name: string): Promise<Uint8Array> {
    const entry = this.info(name);
    // One handle serves all reads; chaining keeps concurrent calls from
    // interleaving their seek + read pairs.
    const next = this.#queue.then(() =>
      readExactly(
        this.file,
        this.header.dataStart + entry.begin,
        entry.end - entry.begin,
        `${this.path}: tensor "${name}"`,
      )
    );
    this.#queue = next.catch(() => {});
    return next;
  }

  /** One tensor as float32 (F32 is read straight into the result). */
  async read(name: string): Promise<LoadedTensor> {
    const entry = this.info(name);
    if (!isReadableDtype(entry.dtype)) {
      throw new Error(
        `${this.path}: tensor "${name}" has dtype ${entry.dtype}, which tunebook cannot convert to float32`,
      );
    }
    const bytes = await this.readBytes(name);
    const data = bytesToFloat32(
      bytes,
      entry.dtype,
      `${this.path}: tensor "${name}"`,
    );
    return { shape: entry.shape, dtype: entry.dtype, data };
  }

  /** All tensors (or those `keep` accepts), read in file order. */
  readAll(
    keep: (name: string) => boolean = () => true,
  ): Promise<Map<string, LoadedTensor>> {
    return readTensors(this, keep);
  }

  /** Releases the file handle. */
  close(): void {
    this.file.close();
  }

  /** Lets `using file = await SafetensorsFile.open(…)` close it. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** Anything that lists tensor names and reads one by name (a file, a sharded checkpoint). */
export interface TensorSource {
  names(): string[];
  read(name: string): Promise<LoadedTensor>;
}

/** Reads the tensors of `source` that `keep` accepts, in its order. */
export async function readTensors(
  source: TensorSource,
  keep: (name: string) => boolean = () => true,
): Promise<Map<string, LoadedTensor>> {
  const out = new Map<string, LoadedTensor>();
  for (const name of source.names()) {
    if (keep(name)) out.set(name, await source.read(name));
  }
  return out;
}

/** Reads every tensor of a file, plus its metadata. */
export async function readSafetensors(path: string): Promise<{
  tensors: Map<string, LoadedTensor>;
  metadata: Record<string, string>;
}> {
  using file = await SafetensorsFile.open(path);
  return { tensors: await file.readAll(), metadata: file.metadata };
}

/**
 * Writes tensors to `path` atomically (temporary file + rename). Tensors are
 * laid out by element size, largest first, then by name, so each one's data
 * stays aligned to its element size; the header is space-padded to a
 * multiple of 8 bytes as the format recommends.
 */
export async function writeSafetensors(
  path: string,
  tensors: TensorsToWrite,
  options: WriteOptions = {},
): Promise<void> {
  requireLittleEndian();
  const entries = normalise(tensors, path);
  const metadata = { format: "pt", ...options.metadata };
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== "string") {
      throw new Error(
        `${path}: metadata "${key}" must be a string, got ${
          JSON.stringify(value)
        }`,
      );
    }
  }
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const { name, shape, dtype, data } of entries) {
    const end = offset + data.length * DTYPE_BYTES[dtype];
    header[name] = { dtype, shape, data_offsets: [offset, end] };
    offset = end;
  }
  let json = JSON.stringify(header);
  const byteLength = new TextEncoder().encode(json).length;
  json += " ".repeat((8 - (byteLength % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(headerBytes.length), true);

  await writeAtomic(path, async (file) => {
    await writeAll(file, prefix);
    await writeAll(file, headerBytes);
    for (const entry of entries) await writeTensorData(file, entry);
  });
}

type NormalisedTensor =
  & { name: string; shape: number[] }
  & (
    | { dtype: FloatDtype; data: Float32Array }
    | { dtype: "U8"; data: Uint8Array }
  );

function normalise(tensors: TensorsToWrite, path: string): NormalisedTensor[] {
  const list = tensors instanceof Map
    ? [...tensors.entries()]
    : Object.entries(tensors);
  const out = list.map(([name, t]): NormalisedTensor => {
    const where = `${path}: tensor "${name}"`;
    if (name === "" || name === "__metadata__") {
      throw new Error(`${path}: "${name}" cannot be used as a tensor name`);
    }
    const dtype = t.dtype ?? "F32";
    if (!["F32", "BF16", "F16", "U8"].includes(dtype)) {
      throw new Error(
        `${where}: cannot write dtype "${dtype}" (use F32, BF16, F16 or U8)`,
      );
    }
    const bytes = dtype === "U8";
    if (
      bytes
        ? !(t.data instanceof Uint8Array)
        : !(t.data instanceof Float32Array)
    ) {
      throw new Error(
        `${where}: data must be a ${bytes ? "Uint8Array" : "Float32Array"}`,
      );
    }
    const shape = [...t.shape];
    if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new Error(
        `${where}: shape [${shape.join(", ")}] must hold non-negative integers`,
      );
    }
    const count = shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new Error(
        `${where}: shape [${
          shape.join(", ")
        }] has ${count} elements but data has ${t.data.length}`,
      );
    }
    return { name, shape, dtype, data: t.data } as NormalisedTensor;
  });
  out.sort((a, b) =>
    DTYPE_BYTES[b.dtype] - DTYPE_BYTES[a.dtype] ||
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  );
  return out;
}

/** Converted in slices so a huge tensor never needs a second full copy. */
const CONVERT_SLICE = 1 << 20;

async function writeTensorData(
  file: Deno.FsFile,
  { dtype, data }: NormalisedTensor,
): Promise<void> {
  if (dtype === "F32" || dtype === "U8") {
    await writeAll(
      file,
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    );
    return;
  }
  const convert = dtype === "BF16" ? f32ToBf16 : f32ToF16;
  for (let start = 0; start < data.length; start += CONVERT_SLICE) {
    const half = convert(data.subarray(start, start + CONVERT_SLICE));
    await writeAll(file, new Uint8Array(half.buffer));
  }
}

/** Reads `length` bytes at `position` into a fresh buffer, or fails naming `what`. */
async function readExactly(
  file: Deno.FsFile,
  position: number,
  length: number,
  what: string,
): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  await file.seek(position, Deno.SeekMode.Start);
  let done = 0;
  while (done < length) {
    const n = await file.read(out.subarray(done));
    if (n === null) {
      throw new Error(
        `${what}: the file ended after ${done} of ${length} bytes (it changed since it was opened?)`,
      );
    }
    done += n;
  }
  return out;
}

function requireLittleEndian(): void {
  if (!LITTLE_ENDIAN) {
    throw new Error("safetensors I/O needs a little-endian machine");
  }
}
