/**
 * NF4 weight quantization as bitsandbytes does it, bit for bit: the
 * reference backend's `quantize_4bit` / `dequantize_4bit` /
 * `quantize_blockwise` (`bitsandbytes/backends/default/ops.py`), the tables
 * of `get_4bit_type("nf4")` and `create_dynamic_map()`
 * (`bitsandbytes/functional.py`), and the checkpoint layout `Linear4bit`
 * saves (`QuantState.as_dict(packed=True)`). Arithmetic is float32 as in
 * torch. The CUDA kernel differs only on all-zero blocks (code 0, not 7);
 * both dequantize to zero.
 *
 * @module
 */

const f = Math.fround;

/** The 16 NF4 levels, sorted, exactly as `get_4bit_type("nf4")` lists them. */
// deno-fmt-ignore
export const NF4_CODE: readonly number[] = Object.freeze([
  -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
  -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
  0.07958029955625534, 0.16093020141124725, 0.24611230194568634,
  0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
  0.7229568362236023, 1.0,
]);

// bnb's allowed 4-bit block sizes and the weight dtypes it records.
const BLOCKSIZES = [32, 64, 128, 256, 512, 1024, 2048, 4096];
const WEIGHT_DTYPES = ["float32", "float16", "bfloat16"];
// bnb divides by absmax.clamp(min=1e-38) so a zero block scales to 0, not
// NaN; torch rounds 1e-38 to this float32 subnormal.
const TINY = f(1e-38);

const isPositive = (v: unknown) => Number.isSafeInteger(v) && Number(v) > 0;

function checkBlocksize(blocksize: unknown, what: string): number {
  if (BLOCKSIZES.includes(blocksize as number)) return blocksize as number;
  throw new Error(`${what}: blocksize ${blocksize} is not in ${BLOCKSIZES}`);
}

function checkPositive(value: unknown, what: string): number {
  if (isPositive(value)) return value as number;
  throw new Error(`${what} must be a positive integer, got ${value}`);
}

function checkLength(array: ArrayLike<number>, count: number, what: string) {
  if (array.length !== count) {
    throw new Error(`${what} has ${array.length} values, expected ${count}`);
  }
}

/**
 * The reference backend's blockwise quantizer: per-block absmax, values
 * scaled into [-1, 1], then torch.bucketize over the midpoints of the
 * sorted `code`. bucketize counts the midpoints strictly below x, so a value
 * on a midpoint takes the lower level.
 */
function quantizeBlockwise(
  values: Float32Array,
  code: ArrayLike<number>,
  blocksize: number,
): { indices: Uint8Array; absmax: Float32Array } {
  const bounds = new Float32Array(code.length - 1);
  for (let i = 0; i < bounds.length; i++) {
    bounds[i] = f(f(code[i] + code[i + 1]) / 2);
  }
  const n = values.length, indices = new Uint8Array(n);
  const absmax = new Float32Array(Math.ceil(n / blocksize));
  for (let b = 0; b < absmax.length; b++) {
    const start = b * blocksize, end = Math.min(n, start + blocksize);
    let max = 0;
    for (let i = start; i < end; i++) {
      if (!Number.isFinite(values[i])) {
        throw new Error(`value ${i} is ${values[i]}: cannot quantize it`);
      }
      max = Math.max(max, Math.abs(values[i]));
    }
    // Full blocks multiply by a float32 reciprocal and keep the raw absmax;
    // the trailing partial block divides and keeps the clamped one.
    const partial = end - start < blocksize;
    const inverse = f(1 / Math.max(max, TINY));
    absmax[b] = partial ? Math.max(max, TINY) : max;
    for (let i = start; i < end; i++) {
      const x = partial ? f(values[i] / absmax[b]) : f(values[i] * inverse);
      const scaled = Math.min(1, Math.max(-1, x));
      let lo = 0, hi = bounds.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (bounds[mid] < scaled) lo = mid + 1;
        else hi = mid;
      }
      indices[i] = lo;
    }
  }
  return { indices, absmax };
}

/**
 * Quantizes `values` (a weight flattened row-major) to NF4 as bnb's
 * `quantize_4bit(quant_type="nf4")`: a float32 absmax per block of
 * `blocksize` (a trailing partial block gets its own), two codes per byte
 * with element 2i in the high nibble. An odd length is padded, as bnb pads
 * before coding, with the value 0, whose code is 7.
 */
export function quantizeNf4(
  values: Float32Array,
  blocksize = 64,
): { packed: Uint8Array; absmax: Float32Array } {
  checkBlocksize(blocksize, "quantizeNf4");
  const { indices, absmax } = quantizeBlockwise(values, NF4_CODE, blocksize);
  const packed = new Uint8Array(Math.ceil(values.length / 2));
  for (let i = 0; i < packed.length; i++) {
    const low = 2 * i + 1 < indices.length ? indices[2 * i + 1] : 7;
    packed[i] = (indices[2 * i] << 4) | low;
  }
  return { packed, absmax };
}

/**
 * code[nibble]·absmax[block] in float32 for the first `length` elements:
 * the inverse of {@link quantizeNf4}, with a checkpoint's `quant_map` as
 * `code` when it has one; written into `out` when given (a reused buffer,
 * as products with NF4 weights dequantize on every call).
 */
export function dequantizeNf4(
  packed: Uint8Array,
  absmax: Float32Array,
  length: number,
  blocksize = 64,
  code: ArrayLike<number> = NF4_CODE,
  out: Float32Array = new Float32Array(length),
): Float32Array {
  checkBlocksize(blocksize, "dequantizeNf4");
  checkLength(packed, Math.ceil(length / 2), "dequantizeNf4: packed");
  checkLength(absmax, Math.ceil(length / blocksize), "dequantizeNf4: absmax");
  if (out.length < length) {
    throw new Error(`dequantizeNf4: out holds ${out.length} of ${length}`);
  }
  // Per block: the 16 levels times its scale (the same float32 products as
  // level·scale per value), then two table lookups a byte.
  const levels = new Float32Array(16);
  for (let b = 0; b < absmax.length; b++) {
    const scale = absmax[b];
    for (let k = 0; k < 16; k++) levels[k] = code[k] * scale;
    const end = Math.min(length, (b + 1) * blocksize);
    let i = b * blocksize; // an even index: blocks start on a byte
    for (; i + 1 < end; i += 2) {
      const byte = packed[i >> 1];
      out[i] = levels[byte >> 4];
      out[i + 1] = levels[byte & 15];
    }
    if (i < end) out[i] = levels[packed[i >> 1] >> 4];
  }
  return out;
}

/** float32 torch.linspace as torch's CPU kernel computes it. */
function linspace(start: number, end: number, steps: number): number[] {
  const s = f(start), e = f(end), step = f(f(e - s) / (steps - 1));
  // The first half counts up from start, the rest down from end. torch's
  // AVX2 build fuses start + step·i into one rounding (an fma); the float64
  // sum does the same, being exact for these operands.
  const half = Math.floor(steps / 2);
  return Array.from(
    { length: steps },
    (_, i) => i < half ? f(s + step * i) : f(e - step * (steps - 1 - i)),
  );
}

let dynamicMap: Float32Array | undefined;

/**
 * bnb's `create_dynamic_map(signed=True)`, the 256 sorted levels double
 * quantization codes absmax with: for each decade 10^(i−6), i < 7, the
 * midpoints of 2^i + 1 points spread evenly over [0.1, 1], with both signs;
 * then 0 and 1. Its minimum is −0.99296875 (in float32), not −1.
 */
export function dynamicMap8bit(): Float32Array {
  if (!dynamicMap) {
    const levels = [0, 1];
    [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1].forEach((decade, i) => {
      const edges = linspace(0.1, 1, 2 ** i + 1);
      for (let k = 0; k + 1 < edges.length; k++) {
        const level = f(f(decade) * f(f(edges[k] + edges[k + 1]) / 2));
        levels.push(level, -level);
      }
    });
    dynamicMap = Float32Array.from(levels.sort((a, b) => a - b));
  }
  return dynamicMap.slice();
}

/** Block scales quantized to 8 bits, as bnb's nested quant state holds them. */
export interface DoubleQuantizedAbsmax {
  /** A dynamic-map index per block scale. */
  quantized: Uint8Array;
  /** A float32 scale per nested block of scales. */
  nestedAbsmax: Float32Array;
  /** mean(absmax), subtracted before quantizing (a float32). */
  offset: number;
  /** The 256 levels the indices point into. */
  map: Float32Array;
}

/**
 * bnb's double quantization (`compress_statistics`): offset = mean(absmax),
 * then absmax − offset quantized blockwise with the signed dynamic map. The
 * mean is summed in float64, so it may differ from torch's float32 sum in
 * the last bit; readers use the stored offset.
 */
export function doubleQuantizeAbsmax(
  absmax: Float32Array,
  nestedBlocksize = 256,
): DoubleQuantizedAbsmax {
  checkPositive(nestedBlocksize, "doubleQuantizeAbsmax: nestedBlocksize");
  if (absmax.length === 0) throw new Error("doubleQuantizeAbsmax: no scales");
  const offset = f(absmax.reduce((sum, a) => sum + a, 0) / absmax.length);
  const map = dynamicMap8bit(), centred = absmax.map((a) => a - offset);
  const q = quantizeBlockwise(centred, map, nestedBlocksize);
  return { quantized: q.indices, nestedAbsmax: q.absmax, offset, map };
}

/** absmax_j = map[q_j]·nestedAbsmax[⌊j/nestedBlocksize⌋] + offset, in float32. */
export function dequantizeAbsmax(
  { quantized, nestedAbsmax, offset, map }: DoubleQuantizedAbsmax,
  nestedBlocksize = 256,
): Float32Array {
  checkPositive(nestedBlocksize, "dequantizeAbsmax: nestedBlocksize");
  const blocks = Math.ceil(quantized.length / nestedBlocksize);
  checkLength(nestedAbsmax, blocks, "dequantizeAbsmax: nestedAbsmax");
  const scale = (j: number) => nestedAbsmax[Math.floor(j / nestedBlocksize)];
  return Float32Array.from(quantized, (q, j) => f(map[q] * scale(j)) + offset);
}

/**
 * A checkpoint tensor. U8 data may come as float32 integers, as
 * `SafetensorsFile.read` gives it.
 */
export interface BnbTensor {
  data: Uint8Array | Float32Array;
  shape: readonly number[];
  dtype: string;
}

/** A tensor of bnb's layout, for a safetensors writer that takes U8 and F32. */
export type BnbTensorToWrite = BnbTensor & { dtype: "U8" | "F32" };

/** Looks a checkpoint tensor up by name. */
export type BnbTensorGetter = (name: string) => BnbTensor | undefined;

/** An NF4 linear weight read from a bnb checkpoint. */
export interface BnbNf4Weight {
  /** [out, in] of the full-precision weight. */
  shape: [number, number];
  /** Two codes per byte, element 2i in the high nibble. */
  packed: Uint8Array;
  /** A float32 scale per block, double quantization already undone. */
  absmax: Float32Array;
  blocksize: number;
  /** The stored `quant_map` (bnb's kernels use their own, equal, table). */
  codeMap: Float32Array;
  /** The dtype bnb casts the dequantized weight to ("bfloat16", …). */
  dtype: string;
}

/** The data of tensor `name`, checked for dtype and element count. */
function take(get: BnbTensorGetter, name: string, dtype: string, n?: number) {
  const t = get(name);
  if (!t) throw new Error(`tensor "${name}" is missing (bnb NF4 layout)`);
  if (t.dtype !== dtype) {
    throw new Error(`tensor "${name}" has dtype ${t.dtype}, expected ${dtype}`);
  }
  if (n !== undefined) checkLength(t.data, n, `tensor "${name}"`);
  return t.data;
}
const bytes = (get: BnbTensorGetter, name: string, n?: number) =>
  Uint8Array.from(take(get, name, "U8", n));
const floats = (get: BnbTensorGetter, name: string, n: number) =>
  Float32Array.from(take(get, name, "F32", n));

/** The `quant_state` JSON of an NF4 [out, in] weight, validated. */
function readState(get: BnbTensorGetter, name: string) {
  const fail = (why: string): never => {
    throw new Error(`tensor "${name}": ${why}`);
  };
  const text = new TextDecoder().decode(bytes(get, name));
  let state: Record<string, unknown> | null = null;
  try {
    state = JSON.parse(text);
  } catch { /* not JSON: reported just below */ }
  if (typeof state !== "object" || !state) return fail("not a JSON object");
  const { quant_type, dtype, shape, nested_blocksize, nested_offset } = state;
  if (quant_type !== "nf4") fail(`quant_type ${quant_type} is not supported`);
  if (!WEIGHT_DTYPES.includes(dtype as string)) fail(`dtype ${dtype} unknown`);
  const [rows, cols, ...rest] = Array.isArray(shape) ? shape : [];
  if (rest.length || !isPositive(rows) || !isPositive(cols)) {
    fail(`shape ${JSON.stringify(shape)} is not [out, in]`);
  }
  const nested = nested_blocksize === undefined ? undefined : {
    blocksize: checkPositive(nested_blocksize, `${name}: nested_blocksize`),
    offset: f(nested_offset as number),
  };
  if (nested && (state.nested_dtype !== "float32" || isNaN(nested.offset))) {
    fail("nested_dtype must be float32 and nested_offset a number");
  }
  const blocksize = checkBlocksize(state.blocksize, `tensor "${name}"`);
  return { blocksize, dtype: dtype as string, rows, cols, nested };
}

/**
 * Reads module `prefix`'s NF4 weight in the layout bnb's `Linear4bit`
 * saves: `P.weight` (U8 codes), `P.weight.absmax` (F32; U8 when
 * double-quantized, with `P.weight.nested_absmax` and
 * `P.weight.nested_quant_map`), `P.weight.quant_map` and the UTF-8 JSON of
 * `P.weight.quant_state.bitsandbytes__nf4`. Both maps come from the file.
 */
export function readBnbNf4Weight(
  get: BnbTensorGetter,
  prefix: string,
): BnbNf4Weight {
  const at = (part: string) => `${prefix}.weight${part}`;
  const stateName = at(".quant_state.bitsandbytes__nf4");
  const fp4 = at(".quant_state.bitsandbytes__fp4");
  if (!get(stateName) && get(fp4)) {
    throw new Error(`tensor "${fp4}": quant_type fp4 is not supported`);
  }
  const { blocksize, dtype, rows, cols, nested } = readState(get, stateName);
  const n = rows * cols, blocks = Math.ceil(n / blocksize);
  const packed = bytes(get, at(""), Math.ceil(n / 2));
  const codeMap = floats(get, at(".quant_map"), 16);
  let absmax: Float32Array;
  if (nested) {
    const nb = nested.blocksize, offset = nested.offset;
    const quantized = bytes(get, at(".absmax"), blocks);
    const nestedBlocks = Math.ceil(blocks / nb);
    const nestedAbsmax = floats(get, at(".nested_absmax"), nestedBlocks);
    const map = floats(get, at(".nested_quant_map"), 256);
    absmax = dequantizeAbsmax({ quantized, nestedAbsmax, offset, map }, nb);
  } else {
    absmax = floats(get, at(".absmax"), blocks);
  }
  return { shape: [rows, cols], packed, absmax, blocksize, codeMap, dtype };
}

/** The float32 weight [out·in], row-major (bnb then casts it to `w.dtype`). */
export function dequantizeBnbWeight(w: BnbNf4Weight): Float32Array {
  const n = w.shape[0] * w.shape[1];
  return dequantizeNf4(w.packed, w.absmax, n, w.blocksize, w.codeMap);
}

/**
 * The tensors bnb's `Linear4bit` saves for module `prefix` holding the
 * [out, in] weight `values` quantized to NF4: what {@link readBnbNf4Weight}
 * reads. `dtype` (default "float32") is only recorded; `doubleQuant`
 * (default false, as in transformers) nests the scales in blocks of 256.
 */
export function bnbNf4Tensors(
  prefix: string,
  values: Float32Array,
  shape: [number, number],
  options: { blocksize?: number; doubleQuant?: boolean; dtype?: string } = {},
): Map<string, BnbTensorToWrite> {
  const { blocksize = 64, doubleQuant = false, dtype = "float32" } = options;
  if (!shape.every(isPositive) || shape[0] * shape[1] !== values.length) {
    throw new Error(`bnbNf4Tensors: shape [${shape}] does not fit the values`);
  }
  if (!WEIGHT_DTYPES.includes(dtype)) {
    throw new Error(`bnbNf4Tensors: dtype ${dtype} is not ${WEIGHT_DTYPES}`);
  }
  const { packed, absmax } = quantizeNf4(values, blocksize);
  const out = new Map<string, BnbTensorToWrite>();
  const put = (part: string, data: Uint8Array | Float32Array) => {
    const shape = part === "" ? [data.length, 1] : [data.length];
    const type = data instanceof Uint8Array ? "U8" : "F32";
    out.set(`${prefix}.weight${part}`, { data, shape, dtype: type });
  };
  put("", packed);
  const state: Record<string, unknown> = {
    quant_type: "nf4",
    blocksize,
    dtype,
    shape,
  };
  const nested = doubleQuant ? doubleQuantizeAbsmax(absmax, 256) : undefined;
  put(".absmax", nested?.quantized ?? absmax);
  put(".quant_map", Float32Array.from(NF4_CODE));
  if (nested) {
    put(".nested_absmax", nested.nestedAbsmax);
    put(".nested_quant_map", nested.map);
    state.nested_blocksize = 256;
    state.nested_dtype = "float32";
    state.nested_offset = nested.offset;
  }
  // json.dumps' key order and ", " / ": " separators, as bnb packs it.
  const json = Object.entries(state).map(([k, v]) =>
    `"${k}": ${Array.isArray(v) ? `[${v.join(", ")}]` : JSON.stringify(v)}`
  );
  const text = `{${json.join(", ")}}`;
  put(".quant_state.bitsandbytes__nf4", new TextEncoder().encode(text));
  return out;
}
