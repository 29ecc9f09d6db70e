/**
 * Cross-backend comparison helpers for the engine tests: run the same tensor
 * function on the cpu reference backend and on wasm (with each matmul kernel),
 * and check that values agree within a float32 tolerance.
 *
 * ```ts
 * await compareBackends("softmax", () => tf.softmax(randn([3, 7], 1)));
 * await compareGradients("tanh", () => [randn([13], 2)], (x) => tf.tanh(x));
 * ```
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  engineInfo,
  type EngineOptions,
  initEngine,
  tf,
} from "../../lib/engine/mod.ts";

/** A backend configuration a test function runs on. */
export interface Target {
  /** Name used in failure messages, e.g. "wasm/blas". */
  label: string;
  options: EngineOptions;
}

/** The reference: tfjs's pure-JavaScript kernels. */
export const CPU: Target = {
  label: "cpu",
  options: { backend: "cpu", verbose: false },
};

/** wasm with the OpenBLAS FFI matmul. */
export const WASM_BLAS: Target = {
  label: "wasm/blas",
  options: { backend: "wasm", matmul: "blas", verbose: false },
};

/** wasm with the transpose shim over XNNPACK. */
export const WASM_XNNPACK: Target = {
  label: "wasm/xnnpack",
  options: { backend: "wasm", matmul: "xnnpack", verbose: false },
};

/** wasm with tfjs's own BatchMatMul (matmul tests only). */
export const WASM_STOCK: Target = {
  label: "wasm/stock",
  options: { backend: "wasm", matmul: "stock", verbose: false },
};

/** The wasm configurations every op is checked on. */
export const WASM_TARGETS: readonly Target[] = [WASM_BLAS, WASM_XNNPACK];

/** Every wasm configuration, for matmul. */
export const ALL_WASM_TARGETS: readonly Target[] = [
  WASM_BLAS,
  WASM_XNNPACK,
  WASM_STOCK,
];

/** One output tensor, read back to JavaScript. */
export interface Output {
  shape: number[];
  dtype: tf.DataType;
  values: ArrayLike<number>;
}

/** Absolute and relative tolerance: |a − e| ≤ atol + rtol·|e|. */
export interface Tolerance {
  atol: number;
  rtol: number;
}

const FLOAT32_EPS = 2 ** -23;

/**
 * A float32 tolerance for results that sum `terms` products of magnitude
 * about `scale`. Two correct implementations that add in a different order
 * (blocked BLAS against a sequential JS loop) differ by roughly
 * √terms·ε·scale, so the bound grows with √terms; the constant leaves room
 * for the worst of many outputs and for libm-versus-V8 transcendental ulps.
 */
export function f32Tolerance(terms = 1, scale = 1): Tolerance {
  return {
    atol: 16 * FLOAT32_EPS * scale * Math.sqrt(Math.max(terms, 1)),
    rtol: 16 * FLOAT32_EPS,
  };
}

/** Seeded standard-normal float32 tensor (identical on every backend). */
export function randn(shape: number[], seed: number, scale = 1): tf.Tensor {
  return tf.randomNormal(shape, 0, scale, "float32", seed);
}

/** Seeded uniform float32 tensor in [min, max). */
export function randu(
  shape: number[],
  seed: number,
  min = 0,
  max = 1,
): tf.Tensor {
  return tf.randomUniform(shape, min, max, "float32", seed);
}

/**
 * Runs `fn` on one target inside `tf.tidy`, reads every returned tensor and
 * disposes it. Fails if the engine did not switch to the target or if any
 * tensor outlives the call.
 */
export async function runOn(
  target: Target,
  fn: () => tf.Tensor | tf.Tensor[],
): Promise<Output[]> {
  await initEngine(target.options);
  assert.equal(
    tf.getBackend(),
    target.options.backend,
    `${target.label}: engine is on ${tf.getBackend()}`,
  );
  if (target.options.backend === "wasm") {
    const wanted = target.options.matmul === "xnnpack"
      ? "transpose"
      : target.options.matmul;
    assert.equal(engineInfo()?.matmul, wanted, `${target.label}: matmul mode`);
  }
  const before = tf.memory().numTensors;
  const result = tf.tidy(fn);
  const tensors = Array.isArray(result) ? result : [result];
  const outputs = tensors.map((t) => ({
    shape: t.shape,
    dtype: t.dtype,
    values: t.dataSync().slice(),
  }));
  tf.dispose(tensors);
  const leaked = tf.memory().numTensors - before;
  assert.equal(leaked, 0, `${target.label}: ${leaked} tensors leaked`);
  return outputs;
}

/** How {@link compareBackends} checks a function. */
export interface CompareOptions {
  /** Default: {@link f32Tolerance} for a single term. */
  tolerance?: Tolerance;
  /** Default: {@link WASM_TARGETS}. */
  targets?: readonly Target[];
  /**
   * What cpu runs instead of the function under test, for cases where tfjs's
   * cpu kernel itself is wrong (it must compute the same thing another way).
   */
  reference?: () => tf.Tensor | tf.Tensor[];
}

/**
 * Runs `fn` on cpu, then on each wasm target, and asserts that every output
 * has the same shape and dtype and values within the tolerance. Returns the
 * cpu outputs so a test can also check them against known values.
 */
export async function compareBackends(
  label: string,
  fn: () => tf.Tensor | tf.Tensor[],
  options: CompareOptions = {},
): Promise<Output[]> {
  const tolerance = options.tolerance ?? f32Tolerance();
  const expected = await runOn(CPU, options.reference ?? fn);
  for (const target of options.targets ?? WASM_TARGETS) {
    const actual = await runOn(target, fn);
    assert.equal(
      actual.length,
      expected.length,
      `${label} on ${target.label}: output count`,
    );
    actual.forEach((out, i) => {
      const where = `${label} on ${target.label}, output ${i}`;
      assert.deepEqual(out.shape, expected[i].shape, `${where}: shape`);
      assert.equal(out.dtype, expected[i].dtype, `${where}: dtype`);
      assertClose(out.values, expected[i].values, tolerance, where, out.shape);
    });
  }
  return expected;
}

/**
 * Compares `f(...inputs())` and its gradients with respect to every input on
 * cpu and wasm. The upstream gradient is a seeded random tensor rather than
 * ones, so a transposed or permuted gradient cannot pass by symmetry.
 */
export async function compareGradients(
  label: string,
  inputs: () => tf.Tensor[],
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  options: Omit<CompareOptions, "reference"> & {
    /** The same function written another way, differentiated on cpu. */
    reference?: (...xs: tf.Tensor[]) => tf.Tensor;
  } = {},
): Promise<Output[]> {
  const { reference, ...rest } = options;
  return await compareBackends(label, () => valueAndGrads(inputs(), f), {
    ...rest,
    reference: reference && (() => valueAndGrads(inputs(), reference)),
  });
}

/** `[f(...xs), ...df/dxs]` under a seeded random upstream gradient. */
export function valueAndGrads(
  xs: tf.Tensor[],
  f: (...xs: tf.Tensor[]) => tf.Tensor,
): tf.Tensor[] {
  const y = f(...xs);
  const dy = randn(y.shape, 9001);
  return [y, ...tf.grads(f)(xs, dy)];
}

/**
 * Asserts element-wise closeness. NaN must meet NaN and ±Infinity the same
 * infinity. On failure the message names the worst element (with its
 * coordinates when `shape` is given), both values, and how many elements
 * are off.
 */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: Tolerance | number,
  label: string,
  shape?: number[],
): void {
  const { atol, rtol } = typeof tolerance === "number"
    ? { atol: tolerance, rtol: 0 }
    : tolerance;
  assert.equal(actual.length, expected.length, `${label}: length`);
  let bad = 0, worst = -1, worstExcess = 1;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    let excess: number;
    if (Number.isNaN(e) || Number.isNaN(a)) {
      excess = Number.isNaN(e) && Number.isNaN(a) ? 0 : Infinity;
    } else if (!Number.isFinite(e) || !Number.isFinite(a)) {
      excess = a === e ? 0 : Infinity;
    } else {
      excess = Math.abs(a - e) / (atol + rtol * Math.abs(e));
    }
    if (excess > 1) {
      bad++;
      if (excess > worstExcess || worst < 0) {
        worst = i;
        worstExcess = excess;
      }
    }
  }
  if (bad === 0) return;
  const at = shape ? `[${unravel(worst, shape)}]` : `${worst}`;
  throw new assert.AssertionError({
    message: `${label}: ${bad} of ${actual.length} values differ ` +
      `beyond atol=${atol.toExponential(2)} rtol=${rtol.toExponential(2)}; ` +
      `worst at ${at}: actual ${actual[worst]}, expected ${expected[worst]}, ` +
      `|diff| ${Math.abs(actual[worst] - expected[worst]).toExponential(3)}`,
  });
}

/** Flat index → coordinates in a row-major shape. */
function unravel(flat: number, shape: number[]): number[] {
  const coords = new Array(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    coords[d] = shape[d] === 0 ? 0 : flat % shape[d];
    flat = shape[d] === 0 ? 0 : Math.floor(flat / shape[d]);
  }
  return coords;
}
