import assert from "node:assert/strict";
import {
  bnbNf4Tensors,
  type BnbTensor,
  type BnbTensorToWrite,
  dequantizeAbsmax,
  dequantizeBnbWeight,
  dequantizeNf4,
  doubleQuantizeAbsmax,
  dynamicMap8bit,
  NF4_CODE,
  quantizeNf4,
  readBnbNf4Weight,
} from "../../lib/model/nf4.ts";
import { readSafetensors } from "../../lib/safetensors/safetensors.ts";
import { Rng } from "../../lib/util/random.ts";

const f = Math.fround;
const PREFIX = "model.layers.0.mlp.down_proj";

/** The float32 just above `x` (x > 0 or x < 0, not 0). */
function nextUp(x: number): number {
  const bits = new Uint32Array(Float32Array.of(x).buffer);
  bits[0] += x > 0 ? 1 : -1;
  return new Float32Array(bits.buffer)[0];
}

/** Midpoints between adjacent NF4 levels, in float32 as bnb computes them. */
const MIDPOINTS = NF4_CODE.slice(1).map((c, i) => f(f(NF4_CODE[i] + c) / 2));

/** Code index of each of `length` elements, high nibble first. */
function unpack(packed: Uint8Array, length: number): number[] {
  return Array.from(
    { length },
    (_, i) => i % 2 === 0 ? packed[i >> 1] >> 4 : packed[i >> 1] & 15,
  );
}

function randomNormal(rng: Rng, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal() * scale);
}

/**
 * Writes `tensors` to a temporary safetensors file and reads it back with
 * readSafetensors. The file is assembled here because writeSafetensors
 * writes float tensors only; F32 data goes first so it stays aligned.
 */
async function throughFile(
  tensors: Map<string, BnbTensorToWrite>,
): Promise<Map<string, BnbTensor>> {
  const header: Record<string, unknown> = {};
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let offset = 0;
  for (const dtype of ["F32", "U8"]) {
    for (const [name, t] of tensors) {
      if (t.dtype !== dtype) continue;
      const bytes = new Uint8Array(t.data.slice().buffer);
      const data_offsets = [offset, offset += bytes.length];
      header[name] = { dtype, shape: t.shape, data_offsets };
      chunks.push(bytes);
    }
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8);
  const length = new Uint8Array(8);
  new DataView(length.buffer).setBigUint64(0, BigInt(json.length), true);
  const body = [length, new TextEncoder().encode(json), ...chunks];
  const dir = await Deno.makeTempDir({ prefix: "tunebook-nf4-" });
  try {
    const path = `${dir}/model.safetensors`;
    await Deno.writeFile(
      path,
      new Uint8Array(await new Blob(body).arrayBuffer()),
    );
    return (await readSafetensors(path)).tensors;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("NF4_CODE is bnb's get_4bit_type('nf4') table: 16 sorted float32 levels, 0 at index 7", () => {
  // bitsandbytes/functional.py get_4bit_type("nf4")
  // deno-fmt-ignore
  const bnb = [
    -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
    -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
    0.07958029955625534, 0.16093020141124725, 0.24611230194568634,
    0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
    0.7229568362236023, 1.0,
  ];
  assert.deepEqual([...NF4_CODE], bnb);
  for (let i = 1; i < 16; i++) assert.ok(NF4_CODE[i - 1] < NF4_CODE[i]);
  assert.ok(NF4_CODE.every((c) => f(c) === c));
  assert.equal(NF4_CODE[7], 0);
});

Deno.test("dynamicMap8bit is create_dynamic_map(signed=True) bit for bit, as torch builds it", () => {
  const map = dynamicMap8bit();
  assert.equal(map.length, 256);
  for (let i = 1; i < 256; i++) assert.ok(map[i - 1] < map[i], `entry ${i}`);
  for (let i = 0; i < 127; i++) assert.equal(map[i], -map[254 - i]);
  // Entries of the table torch prints for create_dynamic_map() (as copied
  // into mistral.rs' bitsandbytes port), chosen where an unfused float32
  // linspace or a float64 computation would differ in the last bit.
  // deno-fmt-ignore
  const golden: Record<number, number> = {
    0: -0.992968738079071, 20: -0.7117187976837158, 25: -0.6414062976837158,
    30: -0.5710937976837158, 34: -0.5148437023162842,
    36: -0.48671871423721313, 41: -0.4164062440395355,
    65: -0.09578125923871994, 77: -0.062031250447034836,
    100: -0.0074687497690320015, 126: -5.500000384017767e-07, 127: 0,
    143: 0.001281249918974936, 236: 0.7398437261581421,
    254: 0.992968738079071, 255: 1,
  };
  for (const [i, value] of Object.entries(golden)) {
    assert.equal(map[Number(i)], value, `entry ${i}`);
  }
  map[0] = 5;
  assert.notEqual(dynamicMap8bit()[0], 5, "each call returns a fresh copy");
});

Deno.test("quantizeNf4 packs a hand-made odd-length block byte for byte, high nibble first, padding with code 7", () => {
  // absmax 2 → scaled [1, -1, 0, 0.5, -0.25] → codes [15, 0, 7, 12, 4] + pad 7
  const { packed, absmax } = quantizeNf4(
    Float32Array.of(2, -2, 0, 1, -0.5),
    32,
  );
  assert.deepEqual([...packed], [0xf0, 0x7c, 0x47]);
  assert.deepEqual([...absmax], [2]);
  assert.deepEqual(
    [...dequantizeNf4(packed, absmax, 5, 32)],
    [2, -2, 0, 2 * NF4_CODE[12], 2 * NF4_CODE[4]],
  );
});

Deno.test("quantizeNf4 codes exact levels exactly and sends a value on a midpoint to the lower level", () => {
  // absmax 2 (a power of two) keeps x·(1/absmax) exact, so the scaled
  // values are exactly the levels and float32 midpoints written here.
  const values = new Float32Array(64);
  const expected = new Array(64).fill(7);
  values[0] = -2, expected[0] = 0;
  NF4_CODE.forEach((c, k) => (values[1 + k] = 2 * c, expected[1 + k] = k));
  MIDPOINTS.forEach((m, k) => {
    values[17 + k] = 2 * m, expected[17 + k] = k; // tie → lower level
    values[32 + k] = 2 * nextUp(m), expected[32 + k] = k + 1;
  });
  const { packed, absmax } = quantizeNf4(values, 64);
  assert.deepEqual([...absmax], [2]);
  assert.deepEqual(unpack(packed, 64), expected);
  assert.equal(packed.length, 32);
  assert.equal(packed[0], 0x00, "codes 0 (−2) and 0 (−1·2)");
  assert.equal(packed[8], (15 << 4) | 0, "code 15 (level 1), then midpoint 0");
  const back = dequantizeNf4(packed, absmax, 64);
  for (let k = 0; k < 16; k++) assert.equal(back[1 + k], values[1 + k]);
});

Deno.test("quantizeNf4 gives a trailing partial block its own absmax", () => {
  const values = new Float32Array(64 + 3);
  values[10] = -4; // block 0: absmax 4
  values.set([0.5, -0.25, 0.125], 64); // block 1 (3 values): absmax 0.5 → scaled [1, -0.5, 0.25]
  const { packed, absmax } = quantizeNf4(values, 64);
  assert.deepEqual([...absmax], [4, 0.5]);
  assert.equal(packed.length, 34);
  assert.deepEqual(unpack(packed, 67).slice(64), [15, 2, 10]);
  assert.equal(packed[33] & 15, 7, "odd length: the pad nibble is code 7");
});

Deno.test("an all-zero block keeps absmax 0 (a trailing one bnb's clamp 1e-38), codes 7, and dequantizes to zeros, not NaN", () => {
  const values = new Float32Array(64 + 32 + 5);
  values.fill(1, 64, 96); // block 2 ones; 0, 1 and the partial 3 zero
  const { packed, absmax } = quantizeNf4(values, 32);
  assert.deepEqual([...absmax], [0, 0, 1, f(1e-38)]);
  assert.ok(packed.subarray(0, 32).every((b) => b === 0x77));
  const back = dequantizeNf4(packed, absmax, values.length, 32);
  assert.ok(back.every((v, i) => v === values[i] && !Number.isNaN(v)));
});

Deno.test("quantizeNf4 accepts only bnb's block sizes (powers of two, 32 to 4096) and finite values", () => {
  const values = new Float32Array(8);
  for (const bad of [16, 48, 100, 8192, 0]) {
    assert.throws(
      () => quantizeNf4(values, bad),
      new RegExp(`blocksize ${bad}`),
    );
  }
  for (const good of [32, 64, 128, 256, 512, 1024, 2048, 4096]) {
    assert.equal(quantizeNf4(values, good).absmax.length, 1);
  }
  assert.throws(() => quantizeNf4(Float32Array.of(1, NaN)), /value 1 is NaN/);
  assert.throws(
    () => dequantizeNf4(new Uint8Array(3), Float32Array.of(1), 8),
    /packed has 3 values, expected 4/,
  );
});

Deno.test("dequantize(quantize(x)) is within half the largest NF4 gap times the block absmax", () => {
  const gaps = NF4_CODE.slice(1).map((c, i) => c - NF4_CODE[i]);
  const halfGap = Math.max(...gaps) / 2;
  const rng = new Rng(7);
  for (const [n, blocksize] of [[4096, 64], [1001, 32], [777, 256]]) {
    const values = randomNormal(rng, n, 0.02);
    const { packed, absmax } = quantizeNf4(values, blocksize);
    const back = dequantizeNf4(packed, absmax, n, blocksize);
    for (let i = 0; i < n; i++) {
      const bound = halfGap * absmax[Math.floor(i / blocksize)] * (1 + 1e-6);
      assert.ok(Math.abs(back[i] - values[i]) <= bound, `element ${i}`);
    }
    for (let b = 0; b < absmax.length; b++) {
      const block = values.subarray(b * blocksize, (b + 1) * blocksize);
      assert.equal(absmax[b], Math.max(...block.map(Math.abs)));
    }
  }
});

Deno.test("double quantization: offset is the mean, absmax comes back within the dynamic map's resolution", () => {
  const rng = new Rng(11);
  const absmax = Float32Array.from(
    { length: 600 },
    () => 0.01 + 0.1 * rng.uniform(),
  );
  const dq = doubleQuantizeAbsmax(absmax);
  const mean = absmax.reduce((a, b) => a + b, 0) / absmax.length;
  assert.equal(dq.offset, f(mean));
  assert.equal(dq.quantized.length, 600);
  assert.equal(dq.nestedAbsmax.length, 3, "600 scales in blocks of 256");
  assert.deepEqual(dq.map, dynamicMap8bit());
  const back = dequantizeAbsmax(dq);
  let maxGap = 0;
  for (let i = 1; i < 256; i++) {
    maxGap = Math.max(maxGap, dq.map[i] - dq.map[i - 1]);
  }
  for (let j = 0; j < 600; j++) {
    const scale = dq.nestedAbsmax[Math.floor(j / 256)];
    assert.ok(scale >= Math.abs(absmax[j] - dq.offset) - 1e-9);
    const bound = (maxGap / 2) * scale * (1 + 1e-5) + 1e-9;
    assert.ok(Math.abs(back[j] - absmax[j]) <= bound, `scale ${j}`);
  }
  assert.throws(() => dequantizeAbsmax(dq, 512), /nestedAbsmax has 3 values/);
});

Deno.test("bnbNf4Tensors writes bnb's Linear4bit layout: names, dtypes, shapes and the quant_state JSON", () => {
  const values = randomNormal(new Rng(3), 4 * 96);
  const plain = bnbNf4Tensors(PREFIX, values, [4, 96], { dtype: "bfloat16" });
  const w = `${PREFIX}.weight`;
  const layout = (m: Map<string, BnbTensorToWrite>) =>
    Object.fromEntries([...m].map(([k, t]) => [k, [t.dtype, t.shape]]));
  assert.deepEqual(layout(plain), {
    [w]: ["U8", [192, 1]],
    [`${w}.absmax`]: ["F32", [6]],
    [`${w}.quant_map`]: ["F32", [16]],
    [`${w}.quant_state.bitsandbytes__nf4`]: ["U8", [77]],
  });
  const text = (m: Map<string, BnbTensorToWrite>) =>
    new TextDecoder().decode(
      m.get(`${w}.quant_state.bitsandbytes__nf4`)!.data as Uint8Array,
    );
  assert.equal(
    text(plain),
    '{"quant_type": "nf4", "blocksize": 64, "dtype": "bfloat16", "shape": [4, 96]}',
  );
  const nested = bnbNf4Tensors(PREFIX, values, [4, 96], { doubleQuant: true });
  assert.deepEqual(layout(nested)[`${w}.absmax`], ["U8", [6]]);
  assert.deepEqual(layout(nested)[`${w}.nested_absmax`], ["F32", [1]]);
  assert.deepEqual(layout(nested)[`${w}.nested_quant_map`], ["F32", [256]]);
  const state = JSON.parse(text(nested));
  assert.deepEqual(Object.keys(state), [
    "quant_type",
    "blocksize",
    "dtype",
    "shape",
    "nested_blocksize",
    "nested_dtype",
    "nested_offset",
  ]);
  assert.equal(state.nested_blocksize, 256);
  assert.equal(state.nested_dtype, "float32");
  assert.throws(() => bnbNf4Tensors(PREFIX, values, [4, 95]), /shape \[4,95\]/);
});

Deno.test("readBnbNf4Weight reads back bnbNf4Tensors' layout through a safetensors file, with and without double quant", async () => {
  const values = randomNormal(new Rng(5), 24 * 40, 0.05);
  const shape: [number, number] = [24, 40];
  const { packed, absmax } = quantizeNf4(values, 128);
  for (const doubleQuant of [false, true]) {
    const tensors = bnbNf4Tensors(PREFIX, values, shape, {
      blocksize: 128,
      doubleQuant,
    });
    const read = await throughFile(tensors);
    const w = readBnbNf4Weight((name) => read.get(name), PREFIX);
    assert.deepEqual(w.shape, shape);
    assert.equal(w.blocksize, 128);
    assert.equal(w.dtype, "float32");
    assert.deepEqual(w.packed, packed);
    assert.deepEqual([...w.codeMap], [...NF4_CODE]);
    const expected = doubleQuant
      ? dequantizeAbsmax(doubleQuantizeAbsmax(absmax))
      : absmax;
    assert.deepEqual(w.absmax, expected);
    assert.deepEqual(
      dequantizeBnbWeight(w),
      dequantizeNf4(packed, expected, values.length, 128),
    );
  }
});

Deno.test("readBnbNf4Weight dequantizes with the checkpoint's stored quant_map, not its own table", () => {
  const values = randomNormal(new Rng(9), 8 * 64);
  const tensors = bnbNf4Tensors(PREFIX, values, [8, 64]);
  const plain = dequantizeBnbWeight(
    readBnbNf4Weight((name) => tensors.get(name), PREFIX),
  );
  const doubled = Float32Array.from(NF4_CODE, (c) => 2 * c);
  tensors.set(`${PREFIX}.weight.quant_map`, {
    data: doubled,
    shape: [16],
    dtype: "F32",
  });
  const w = readBnbNf4Weight((name) => tensors.get(name), PREFIX);
  assert.deepEqual(dequantizeBnbWeight(w), plain.map((v) => 2 * v));
});

Deno.test("readBnbNf4Weight refuses fp4 and names missing or malformed tensors", () => {
  const w = `${PREFIX}.weight`;
  const fresh = () =>
    bnbNf4Tensors(PREFIX, randomNormal(new Rng(1), 2 * 64), [2, 64]);
  const read = (m: Map<string, BnbTensorToWrite>) =>
    readBnbNf4Weight((name) => m.get(name), PREFIX);
  const state = (quantType: string, blocksize: number) => {
    const text = `{"quant_type": "${quantType}", "blocksize": ${blocksize}, ` +
      `"dtype": "float32", "shape": [2, 64]}`;
    const data = new TextEncoder().encode(text);
    return { data, shape: [data.length], dtype: "U8" as const };
  };

  const fp4 = fresh();
  fp4.delete(`${w}.quant_state.bitsandbytes__nf4`);
  fp4.set(`${w}.quant_state.bitsandbytes__fp4`, state("fp4", 64));
  assert.throws(
    () => read(fp4),
    /tensor "model.layers.0.mlp.down_proj.weight.quant_state.bitsandbytes__fp4": quant_type fp4 is not supported/,
  );

  const mislabelled = fresh();
  mislabelled.set(`${w}.quant_state.bitsandbytes__nf4`, state("fp4", 64));
  assert.throws(
    () => read(mislabelled),
    /bitsandbytes__nf4": quant_type fp4 is not supported/,
  );

  const noAbsmax = fresh();
  noAbsmax.delete(`${w}.absmax`);
  assert.throws(
    () => read(noAbsmax),
    /tensor "model.layers.0.mlp.down_proj.weight.absmax" is missing/,
  );

  const noState = fresh();
  noState.delete(`${w}.quant_state.bitsandbytes__nf4`);
  assert.throws(() => read(noState), /bitsandbytes__nf4" is missing/);

  const short = fresh();
  short.set(w, { data: new Uint8Array(63), shape: [63, 1], dtype: "U8" });
  assert.throws(
    () => read(short),
    /tensor "model.layers.0.mlp.down_proj.weight" has 63 values, expected 64/,
  );

  const badBlocksize = fresh();
  badBlocksize.set(`${w}.quant_state.bitsandbytes__nf4`, state("nf4", 48));
  assert.throws(() => read(badBlocksize), /blocksize 48 is not in/);

  const nested = bnbNf4Tensors(
    PREFIX,
    randomNormal(new Rng(2), 2 * 64),
    [2, 64],
    { doubleQuant: true },
  );
  nested.delete(`${w}.nested_absmax`);
  assert.throws(() => read(nested), /weight.nested_absmax" is missing/);
});
