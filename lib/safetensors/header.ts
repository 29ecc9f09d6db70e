/**
 * The safetensors header: parsing and validation.
 *
 * Layout: an 8-byte little-endian unsigned header length N, N bytes of JSON
 * (`{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?:
 * {string: string}}`, possibly padded with spaces), then the data section,
 * which the tensors must cover exactly: no gaps, no overlaps, nothing after
 * the last one. Offsets are relative to the start of the data section.
 *
 * Every error names the file and, when one is to blame, the tensor.
 *
 * @module
 */
import { DTYPE_BYTES, knownDtypes } from "./dtypes.ts";

/** Headers above this are refused, like the reference implementation does. */
export const MAX_HEADER_BYTES = 100_000_000;

/** One tensor's entry in the header. */
export interface TensorEntry {
  name: string;
  /** safetensors dtype name, e.g. "BF16". */
  dtype: string;
  shape: number[];
  /** Start of the tensor's bytes, relative to the data section. */
  begin: number;
  /** End (exclusive) of the tensor's bytes, relative to the data section. */
  end: number;
}

/** A parsed and validated header. */
export interface SafetensorsHeader {
  /** Absolute file offset where the data section starts (8 + N). */
  dataStart: number;
  /** Tensors in the order of their data. */
  tensors: TensorEntry[];
  /** The `__metadata__` strings (empty when absent). */
  metadata: Record<string, string>;
}

/**
 * Reads N from the first 8 bytes and checks it against the file size.
 * `fileName` appears in errors.
 */
export function parseHeaderLength(
  first8: Uint8Array,
  fileSize: number,
  fileName: string,
): number {
  if (fileSize < 8 || first8.length < 8) {
    throw new Error(
      `${fileName}: the file is ${fileSize} bytes, too short to hold the 8-byte header length (not a safetensors file, or truncated)`,
    );
  }
  const view = new DataView(first8.buffer, first8.byteOffset, 8);
  const length = view.getBigUint64(0, true);
  if (length > BigInt(MAX_HEADER_BYTES)) {
    throw new Error(
      `${fileName}: header length ${length} bytes exceeds the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file?)`,
    );
  }
  const n = Number(length);
  if (8 + n > fileSize) {
    throw new Error(
      `${fileName}: header length ${n} bytes runs past the end of the file (${fileSize} bytes; truncated or not a safetensors file)`,
    );
  }
  return n;
}

/**
 * Parses the N header bytes and validates every entry against the data
 * section of a file of `fileSize` bytes.
 */
export function parseHeader(
  headerBytes: Uint8Array,
  fileSize: number,
  fileName: string,
): SafetensorsHeader {
  const fail = (message: string): never => {
    throw new Error(`${fileName}: ${message}`);
  };
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(headerBytes);
  } catch {
    return fail("the header is not valid UTF-8");
  }
  if (!text.startsWith("{")) {
    fail(
      `the header must start with "{" but starts with ${
        JSON.stringify(text.slice(0, 16))
      }`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return fail(`the header is not valid JSON (${(error as Error).message})`);
  }
  if (!isPlainObject(json)) return fail("the header is not a JSON object");

  const metadata = parseMetadata(json["__metadata__"], fail);
  const tensors: TensorEntry[] = [];
  for (const [name, raw] of Object.entries(json)) {
    if (name === "__metadata__") continue;
    tensors.push(parseEntry(name, raw, fail));
  }
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);

  const dataStart = 8 + headerBytes.length;
  checkCoverage(tensors, fileSize - dataStart, fail);
  return { dataStart, tensors, metadata };
}

function parseMetadata(
  raw: unknown,
  fail: (message: string) => never,
): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (!isPlainObject(raw)) fail(`"__metadata__" must be an object of strings`);
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof value !== "string") {
      fail(
        `"__metadata__.${key}" must be a string, got ${JSON.stringify(value)}`,
      );
    }
    metadata[key] = value as string;
  }
  return metadata;
}

function parseEntry(
  name: string,
  raw: unknown,
  fail: (message: string) => never,
): TensorEntry {
  const where = `tensor "${name}"`;
  if (!isPlainObject(raw)) fail(`${where}: entry is not an object`);
  const entry = raw as Record<string, unknown>;
  const { dtype, shape, data_offsets: offsets } = entry;
  if (typeof dtype !== "string") fail(`${where}: missing "dtype"`);
  const itemBytes = DTYPE_BYTES[dtype as string];
  if (itemBytes === undefined) {
    fail(
      `${where}: unknown dtype "${dtype}" (known: ${knownDtypes().join(", ")})`,
    );
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    fail(
      `${where}: "shape" must be an array of non-negative integers, got ${
        JSON.stringify(shape)
      }`,
    );
  }
  if (
    !Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)
  ) {
    fail(
      `${where}: "data_offsets" must be [begin, end] with non-negative integers, got ${
        JSON.stringify(offsets)
      }`,
    );
  }
  const [begin, end] = offsets as number[];
  if (end < begin) {
    fail(`${where}: data_offsets [${begin}, ${end}] end before they begin`);
  }
  const dims = shape as number[];
  const needed = dims.reduce((a, b) => a * b, 1) * itemBytes;
  if (needed !== end - begin) {
    fail(
      `${where}: shape [${
        dims.join(", ")
      }] of ${dtype} needs ${needed} bytes but data_offsets [${begin}, ${end}] span ${
        end - begin
      }`,
    );
  }
  return { name, dtype: dtype as string, shape: dims, begin, end };
}

/** The tensors, sorted by offset, must tile [0, dataBytes) exactly. */
function checkCoverage(
  tensors: TensorEntry[],
  dataBytes: number,
  fail: (message: string) => never,
): void {
  let covered = 0;
  let previous: TensorEntry | undefined;
  for (const t of tensors) {
    const span = `[${t.begin}, ${t.end})`;
    if (t.begin < covered) {
      fail(
        `tensor "${t.name}" bytes ${span} overlap tensor "${previous!.name}" [${
          previous!.begin
        }, ${previous!.end}) (inconsistent data_offsets)`,
      );
    }
    if (t.begin > covered) {
      const after = previous
        ? `after tensor "${previous.name}"`
        : "at the start of the data section";
      fail(
        `bytes [${covered}, ${t.begin}) ${after} belong to no tensor; tensor "${t.name}" starts at ${t.begin} (inconsistent data_offsets)`,
      );
    }
    if (t.end > dataBytes) {
      fail(
        `tensor "${t.name}" needs bytes ${span} of the data section, but the file holds only ${dataBytes} data bytes (truncated file?)`,
      );
    }
    covered = t.end;
    previous = t;
  }
  if (covered < dataBytes) {
    const where = previous
      ? `after the last tensor "${previous.name}"`
      : "but the header lists no tensors";
    fail(
      `${
        dataBytes - covered
      } data bytes ${where} belong to no tensor (inconsistent header)`,
    );
  }
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
