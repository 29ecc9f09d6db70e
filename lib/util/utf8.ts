/**
 * Strict UTF-8 decoding of files users bring (data, configs). A plain
 * `TextDecoder` (and `Deno.readTextFile`) replaces invalid bytes with U+FFFD
 * and carries on, so a Latin-1 or binary file would train on mangled text
 * without a word; here the first invalid byte is an error naming the file,
 * the line and the byte offset.
 *
 * ```ts
 * const text = decodeUtf8(await Deno.readFile(path), path);
 * // data.jsonl line 3: invalid UTF-8 at byte 57 (0xe9); save the file as UTF-8
 * ```
 *
 * A byte-order mark is kept (as U+FEFF), so callers strip it as before.
 *
 * @module
 */
import { InputError } from "./errors.ts";

const STRICT = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Where the bytes sit in their file, when they are a part of it (a line). */
export interface Utf8Origin {
  /** Line number of the first byte (default 1). */
  line?: number;
  /** Byte offset of the first byte in the file (default 0). */
  offset?: number;
}

/**
 * The text of `bytes`; throws {@link InputError} naming `path`, the line
 * and the file byte offset of the first invalid byte.
 */
export function decodeUtf8(
  bytes: Uint8Array,
  path: string,
  origin: Utf8Origin = {},
): string {
  try {
    return STRICT.decode(bytes);
  } catch {
    const at = invalidUtf8Offset(bytes);
    if (at < 0) throw new InputError(`${path}: invalid UTF-8`);
    let line = origin.line ?? 1;
    for (let i = 0; i < at; i++) if (bytes[i] === 0x0a) line++;
    const hex = bytes[at].toString(16).padStart(2, "0");
    throw new InputError(
      `${path} line ${line}: invalid UTF-8 at byte ${
        (origin.offset ?? 0) + at
      } (0x${hex}); save the file as UTF-8`,
    );
  }
}

/**
 * Offset of the first byte that does not start a well-formed UTF-8
 * sequence (overlong forms, surrogates and code points past U+10FFFF are
 * ill-formed, as the WHATWG decoder has it), or -1 when all are valid.
 */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    const tail = b >= 0xc2 && b <= 0xdf
      ? 1
      : b >= 0xe0 && b <= 0xef
      ? 2
      : b >= 0xf0 && b <= 0xf4
      ? 3
      : 0;
    if (tail === 0) return i;
    // The second byte's range rules out overlongs, surrogates and > U+10FFFF.
    const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    const second = bytes[i + 1];
    if (second === undefined || second < lo || second > hi) return i;
    for (let k = 2; k <= tail; k++) {
      const next = bytes[i + k];
      if (next === undefined || (next & 0xc0) !== 0x80) return i;
    }
    i += tail + 1;
  }
  return -1;
}
