import assert from "node:assert/strict";
import {
  bf16ToF32,
  bytesToFloat32,
  f16ToF32,
  f32ToBf16,
  f32ToF16,
} from "../../lib/safetensors/dtypes.ts";

const bitsOf = (values: number[]) =>
  new Uint32Array(new Float32Array(values).buffer);
const hex = (bits: ArrayLike<number>) =>
  Array.from(bits, (b) => "0x" + b.toString(16).padStart(4, "0"));

Deno.test("bf16: values bf16 represents exactly survive, bit for bit", () => {
  const values = [
    0,
    -0,
    1,
    -2,
    0.5,
    3.140625,
    0.0078125,
    65536,
    Infinity,
    -Infinity,
  ];
  const back = bf16ToF32(f32ToBf16(new Float32Array(values)));
  assert.deepEqual([...bitsOf([...back])], [...bitsOf(values)]);
  // Largest finite bf16 and the smallest subnormal are exact too.
  const edge = new Float32Array(
    new Uint32Array([0x7f7f0000, 0x00010000]).buffer,
  );
  assert.deepEqual([...f32ToBf16(edge)], [0x7f7f, 0x0001]);
  assert.ok(Number.isNaN(bf16ToF32(f32ToBf16(new Float32Array([NaN])))[0]));
});

Deno.test("bf16: rounding is to nearest, ties to even", () => {
  const input = new Float32Array([
    1 + 2 ** -8, // halfway between 1 and 1+2^-7: even is 1
    1 + 3 * 2 ** -8, // halfway between 1+2^-7 (odd) and 1+2^-6: even is 1+2^-6
    1 + 2 ** -8 + 2 ** -20, // just above halfway: up
    1 + 2 ** -8 - 2 ** -20, // just below halfway: down
    -(1 + 3 * 2 ** -8),
    3.4e38, // beyond the largest bf16 by more than half an ulp: inf
  ]);
  const out = bf16ToF32(f32ToBf16(input));
  assert.deepEqual([...out], [
    1,
    1 + 2 ** -6,
    1 + 2 ** -7,
    1,
    -(1 + 2 ** -6),
    Infinity,
  ]);
});

Deno.test("bf16: every non-NaN bit pattern converts to float32 and back unchanged", () => {
  const all = new Uint16Array(65536).map((_, i) => i);
  const back = f32ToBf16(bf16ToF32(all));
  for (let i = 0; i < 65536; i++) {
    const isNaN = (i & 0x7f80) === 0x7f80 && (i & 0x7f) !== 0;
    if (!isNaN) assert.equal(back[i], i, `pattern 0x${i.toString(16)}`);
  }
});

Deno.test("f16: known encodings, subnormals, overflow and ties", () => {
  const cases: [number, number][] = [
    [1, 0x3c00],
    [-2, 0xc000],
    [0.1, 0x2e66],
    [1 / 3, 0x3555],
    [65504, 0x7bff], // largest finite half
    [65519, 0x7bff], // below the halfway point to 65536
    [65520, 0x7c00], // halfway: ties to even, which is inf
    [1e6, 0x7c00],
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -14 - 2 ** -24, 0x03ff], // largest subnormal
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // halfway between 0 and 2^-24: even is 0
    [2 ** -25 + 2 ** -30, 0x0001],
    [3 * 2 ** -25, 0x0002], // halfway between 1 and 2 units: even is 2
    [5 * 2 ** -25, 0x0002], // halfway between 2 and 3 units: even is 2
    [-(2 ** -24), 0x8001],
    [-0, 0x8000],
    [1e-10, 0x0000],
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00],
  ];
  const encoded = f32ToF16(new Float32Array(cases.map(([v]) => v)));
  assert.deepEqual(hex(encoded), hex(cases.map(([, bits]) => bits)));
  const decoded = f16ToF32(
    new Uint16Array([0x0001, 0x03ff, 0x8001, 0x7c00, 0xfc00, 0x7e00]),
  );
  assert.deepEqual([...decoded.slice(0, 5)], [
    2 ** -24,
    2 ** -14 - 2 ** -24,
    -(2 ** -24),
    Infinity,
    -Infinity,
  ]);
  assert.ok(Number.isNaN(decoded[5]));
});

Deno.test("f16: every non-NaN bit pattern converts to float32 and back unchanged", () => {
  const all = new Uint16Array(65536).map((_, i) => i);
  const floats = f16ToF32(all);
  const back = f32ToF16(floats);
  for (let i = 0; i < 65536; i++) {
    const isNaN = (i & 0x7c00) === 0x7c00 && (i & 0x3ff) !== 0;
    if (isNaN) assert.ok(Number.isNaN(floats[i]));
    else assert.equal(back[i], i, `pattern 0x${i.toString(16)}`);
  }
});

Deno.test("integer dtypes convert to float32; I64 beyond 2^53 is an error naming the tensor", () => {
  const i64 = new BigInt64Array([-3n, 7n, 2n ** 40n]);
  assert.deepEqual(
    [...bytesToFloat32(new Uint8Array(i64.buffer), "I64", "t")],
    [-3, 7, 2 ** 40],
  );
  const i32 = new Int32Array([-5, 9]);
  assert.deepEqual(
    [...bytesToFloat32(new Uint8Array(i32.buffer), "I32", "t")],
    [-5, 9],
  );
  assert.deepEqual(
    [...bytesToFloat32(new Uint8Array([0, 1, 255]), "U8", "t")],
    [0, 1, 255],
  );
  assert.deepEqual(
    [...bytesToFloat32(new Uint8Array([0, 1, 2]), "BOOL", "t")],
    [0, 1, 1],
  );
  const huge = new BigInt64Array([2n ** 60n]);
  assert.throws(
    () =>
      bytesToFloat32(
        new Uint8Array(huge.buffer),
        "I64",
        `x.safetensors: tensor "step"`,
      ),
    /tensor "step": I64 element 0 .* beyond ±2\^53/,
  );
});
