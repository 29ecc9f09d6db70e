/**
 * Parquet rows through hyparquet, one row group at a time, reading only the
 * byte ranges it asks for (a large file is never loaded whole). Snappy is
 * built into hyparquet; gzip, brotli, zstd and lz4 come from
 * hyparquet-compressors. Integers stored as INT64 come back as numbers when
 * they fit exactly, else as bigints.
 *
 * @module
 */
import {
  type AsyncBuffer,
  type FileMetaData,
  parquetMetadataAsync,
  parquetReadObjects,
} from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { type Row, setRowLocation } from "./rows.ts";

/** Yields the rows of a parquet file as plain objects. */
export async function* iterateParquetRows(path: string): AsyncGenerator<Row> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`data file not found: ${path}`);
    }
    throw new Error(`${path}: cannot read: ${(error as Error).message}`);
  }
  try {
    const buffer = await fileBuffer(file);
    let metadata: FileMetaData;
    try {
      metadata = await parquetMetadataAsync(buffer);
    } catch (error) {
      throw new Error(
        `${path}: not a readable parquet file (${(error as Error).message}); ` +
          `a truncated or interrupted download lacks the footer, so fetch it again`,
      );
    }
    let rowStart = 0;
    for (const [group, rowGroup] of metadata.row_groups.entries()) {
      const rowEnd = rowStart + Number(rowGroup.num_rows);
      let rows: Row[];
      try {
        rows = await parquetReadObjects({
          file: buffer,
          metadata,
          rowStart,
          rowEnd,
          compressors,
        }) as Row[];
      } catch (error) {
        throw new Error(
          `${path} rows ${rowStart + 1}-${rowEnd} (row group ${group + 1}): ` +
            `cannot decode: ${(error as Error).message}`,
        );
      }
      for (const [i, row] of rows.entries()) {
        const plain = plainValues(row) as Row;
        setRowLocation(plain, `row ${rowStart + i + 1}`);
        yield plain;
      }
      rowStart = rowEnd;
    }
  } finally {
    file.close();
  }
}

/**
 * hyparquet's random-access view of an open file. hyparquet may ask for
 * several ranges at once, and a file has one position, so reads queue.
 */
async function fileBuffer(file: Deno.FsFile): Promise<AsyncBuffer> {
  const { size } = await file.stat();
  let queue: Promise<unknown> = Promise.resolve();
  const read = async (start: number, end: number): Promise<ArrayBuffer> => {
    const bytes = new Uint8Array(Math.max(0, end - start));
    await file.seek(start, Deno.SeekMode.Start);
    for (let done = 0; done < bytes.length;) {
      const n = await file.read(bytes.subarray(done));
      if (n === null) {
        throw new Error(`unexpected end of file at byte ${start + done}`);
      }
      done += n;
    }
    return bytes.buffer;
  };
  return {
    byteLength: size,
    slice(start: number, end = size): Promise<ArrayBuffer> {
      const result = queue.then(() => read(start, end));
      queue = result.catch(() => {});
      return result;
    },
  };
}

/** Bigints that fit become numbers, recursively (lists, structs). */
function plainValues(value: unknown): unknown {
  if (typeof value === "bigint") {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value;
  }
  if (Array.isArray(value)) return value.map(plainValues);
  if (
    typeof value === "object" && value !== null &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    const out: Row = {};
    for (const [k, v] of Object.entries(value)) out[k] = plainValues(v);
    return out;
  }
  return value;
}
