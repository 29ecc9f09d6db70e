/**
 * safetensors element types: their byte sizes and conversion to and from
 * float32. Half-precision formats have no typed array in JS, so they travel
 * as raw `Uint16Array` bit patterns and are converted here.
 *
 * @module
 */

/** Element types tunebook can read (all convert to float32). */
export type ReadableDtype =
  | "F64"
  | "F32"
  | "F16"
  | "BF16"
  | "I64"
  | "I32"
  | "I16"
  | "I8"
  | "U64"
  | "U32"
  | "U16"
  | "U8"
  | "BOOL";

/** Element types tunebook writes from float32 data. */
export type FloatDtype = "F32" | "F16" | "BF16";

/**
 * Byte size of every dtype in the safetensors spec that has whole-byte
 * elements, including the 8-bit floats tunebook validates but cannot convert.
 */
export const DTYPE_BYTES: Readonly<Record<string, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  F8_E4M3: 1,
  F8_E5M2: 1,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
};

const READABLE = new Set<string>([
  "F64",
  "F32",
  "F16",
  "BF16",
  "I64",
  "I32",
  "I16",
  "I8",
  "U64",
  "U32",
  "U16",
  "U8",
  "BOOL",
]);

/** Whether tunebook can convert this dtype to float32. */
export function isReadableDtype(dtype: string): dtype is ReadableDtype {
  return READABLE.has(dtype);
}

/** Every dtype name whose size is known, for error messages. */
export function knownDtypes(): string[] {
  return Object.keys(DTYPE_BYTES);
}

/** bfloat16 bit patterns to float32: the 16 bits become the high half. */
export function bf16ToF32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) outBits[i] = bits[i] << 16;
  return out;
}

/**
 * float32 to bfloat16 bit patterns, rounding to nearest with ties to even
 * (what PyTorch does), so values that bf16 represents exactly survive and
 * the rest land on the closest bf16. NaN stays a (quiet) NaN.
 */
export function f32ToBf16(values: Float32Array): Uint16Array {
  const bits = new Uint32Array(
    values.buffer,
    values.byteOffset,
    values.length,
  );
  const out = new Uint16Array(values.length);
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i];
    if ((b & 0x7fffffff) > 0x7f800000) {
      out[i] = (b >>> 16) | 0x0040;
    } else {
      out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
    }
  }
  return out;
}

let halfTable: Float32Array | undefined;

/** float32 value of every float16 bit pattern, built once (256 KB). */
function halfToFloatTable(): Float32Array {
  if (halfTable) return halfTable;
  const table = new Float32Array(65536);
  const tableBits = new Uint32Array(table.buffer);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exponent = (h >>> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0) {
      // Zero or subnormal: mantissa × 2^-24, exact in float32.
      table[h] = (sign ? -1 : 1) * mantissa * 2 ** -24;
    } else if (exponent === 0x1f) {
      // Inf or NaN; keeping the payload keeps NaNs distinguishable.
      tableBits[h] = sign | 0x7f800000 | (mantissa << 13);
    } else {
      tableBits[h] = sign | ((exponent + 112) << 23) | (mantissa << 13);
    }
  }
  halfTable = table;
  return table;
}

/** IEEE float16 bit patterns to float32 (subnormals, ±inf and NaN included). */
export function f16ToF32(bits: Uint16Array): Float32Array {
  const table = halfToFloatTable();
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]];
  return out;
}

/**
 * float32 to IEEE float16 bit patterns, rounding to nearest with ties to
 * even; too-large values become ±inf, tiny ones subnormals or ±0.
 */
export function f32ToF16(values: Float32Array): Uint16Array {
  const bits = new Uint32Array(
    values.buffer,
    values.byteOffset,
    values.length,
  );
  const out = new Uint16Array(values.length);
  for (let i = 0; i < bits.length; i++) out[i] = floatBitsToHalf(bits[i]);
  return out;
}

function floatBitsToHalf(b: number): number {
  const sign = (b >>> 16) & 0x8000;
  const exponent = (b >>> 23) & 0xff;
  const mantissa = b & 0x7fffff;
  if (exponent === 0xff) {
    return sign | 0x7c00 | (mantissa ? 0x200 | (mantissa >>> 13) : 0);
  }
  const e = exponent - 112; // rebias 127 → 15
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half: significand × 2^(e-14) counted in units of 2^-24.
    const shift = 14 - e;
    if (shift > 24) return sign;
    const significand = mantissa | 0x800000;
    let q = significand >>> shift;
    const rest = significand & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rest > half || (rest === half && (q & 1))) q++;
    return sign | q; // q may carry into the smallest normal, which is right
  }
  let h = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h++; // may carry to inf
  return sign | h;
}

/**
 * Raw little-endian bytes of one tensor to float32. `bytes` must start at
 * an offset aligned to the element size (a freshly allocated buffer is).
 * For F32 the result is a view sharing `bytes`' memory, not a copy.
 * `what` names the tensor for errors.
 */
export function bytesToFloat32(
  bytes: Uint8Array,
  dtype: ReadableDtype,
  what: string,
): Float32Array {
  const { buffer, byteOffset, byteLength } = bytes;
  const count = byteLength / DTYPE_BYTES[dtype];
  switch (dtype) {
    case "F32":
      return new Float32Array(buffer, byteOffset, count);
    case "BF16":
      return bf16ToF32(new Uint16Array(buffer, byteOffset, count));
    case "F16":
      return f16ToF32(new Uint16Array(buffer, byteOffset, count));
    case "F64":
      return Float32Array.from(new Float64Array(buffer, byteOffset, count));
    case "I32":
      return Float32Array.from(new Int32Array(buffer, byteOffset, count));
    case "I16":
      return Float32Array.from(new Int16Array(buffer, byteOffset, count));
    case "I8":
      return Float32Array.from(new Int8Array(buffer, byteOffset, count));
    case "U32":
      return Float32Array.from(new Uint32Array(buffer, byteOffset, count));
    case "U16":
      return Float32Array.from(new Uint16Array(buffer, byteOffset, count));
    case "U8":
      return Float32Array.from(new Uint8Array(buffer, byteOffset, count));
    case "BOOL":
      return Float32Array.from(
        new Uint8Array(buffer, byteOffset, count),
        (v) => (v ? 1 : 0),
      );
    case "I64":
    case "U64": {
      const wide = dtype === "I64"
        ? new BigInt64Array(buffer, byteOffset, count)
        : new BigUint64Array(buffer, byteOffset, count);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        const v = Number(wide[i]);
        if (!Number.isSafeInteger(v)) {
          throw new Error(
            `${what}: ${dtype} element ${i} (${
              wide[i]
            }) is beyond ±2^53 and cannot be read as a number`,
          );
        }
        out[i] = v;
      }
      return out;
    }
  }
}
