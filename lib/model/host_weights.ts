/**
 * Frozen weight matrices kept in ordinary JavaScript memory ("host memory")
 * instead of the tensor heap, and the ops that compute with them.
 *
 * The wasm backend holds every tensor in one WebAssembly heap of at most
 * 4 GiB, too small for Gemma 3 1B or Llama 3.2 1B in float32. Frozen base
 * weights need no gradient of their own, so they can live in a plain
 * `Float32Array` (the machine's RAM, not the heap) and be multiplied through
 * OpenBLAS over Deno FFI: activations are read from the heap where they lie
 * and results are written straight into a fresh heap tensor, so nothing is
 * copied but the product itself. Gradients still flow to the activations
 * (dx = dy·W), which is all that LoRA training needs.
 *
 * OpenBLAS is one library per process, so these products run with the
 * thread count the engine gave it (`threads` / `TUNEBOOK_THREADS`, all cores
 * by default; OpenBLAS's own default when the engine's matmul is not BLAS).
 *
 * @module
 */
import { loadOpenBlas, type OpenBlas } from "../engine/blas.ts";
import type { WasmBackendLike } from "../engine/kernels/wasm_types.ts";
import { tf } from "../engine/mod.ts";
import { type ModelConfig, parameterCount } from "./config.ts";
import { dequantizeNf4 } from "./nf4.ts";
import { weightSpecs } from "./weights.ts";

/**
 * A matrix stored as NF4 codes (bitsandbytes' 4-bit NormalFloat, nf4.ts):
 * two codes a byte, high nibble first, and a float32 scale per block of
 * `blocksize` values in row-major order.
 */
export interface Nf4Values {
  packed: Uint8Array;
  absmax: Float32Array;
  blocksize: number;
  /** The 16 levels (a checkpoint's `quant_map`, or NF4_CODE). */
  code: ArrayLike<number>;
}

// Products with NF4 weights dequantize into this one buffer (JS runs one
// product at a time), grown to the largest matrix seen.
let scratch = new Float32Array(0);

/**
 * A frozen matrix [rows, cols] in host memory, in HF's [out, in] layout:
 * float32 values, or NF4 codes (QLoRA) dequantized to float32 inside each
 * product.
 */
export class HostMatrix {
  readonly shape: [number, number];
  /** x·Wᵀ with a gradient for x; built once, tfjs keeps no state in it. */
  private readonly linearOp: (x: tf.Tensor2D) => tf.Tensor2D;
  readonly #dense: Float32Array | null;
  readonly #nf4: Nf4Values | null;

  /**
   * Takes ownership of `values` (row-major, rows × cols float32 values, or
   * their NF4 codes): they are not copied.
   */
  constructor(
    readonly rows: number,
    readonly cols: number,
    values: Float32Array | Nf4Values,
  ) {
    const dense = values instanceof Float32Array ? values : null;
    const nf4 = values instanceof Float32Array ? null : values;
    if (dense && dense.length !== rows * cols) {
      throw new Error(
        `HostMatrix: ${dense.length} values do not fill [${rows}, ${cols}]`,
      );
    }
    if (nf4 && nf4.packed.length !== Math.ceil(rows * cols / 2)) {
      throw new Error(
        `HostMatrix: ${nf4.packed.length} NF4 bytes do not fill [${rows}, ${cols}]`,
      );
    }
    this.#dense = dense;
    this.#nf4 = nf4;
    this.shape = [rows, cols];
    const op = tf.customGrad((...args: unknown[]) => {
      const x = args[0] as tf.Tensor2D;
      return {
        value: this.timesTransposed(x),
        gradFunc: (dy: tf.Tensor | tf.Tensor[]) => [
          this.times(dy as tf.Tensor2D),
        ],
      };
    });
    this.linearOp = (x) => op(x) as tf.Tensor2D;
  }

  /** Number of values. */
  get size(): number {
    return this.rows * this.cols;
  }

  /** Whether the values are NF4 codes (a QLoRA base weight). */
  get quantized(): boolean {
    return this.#nf4 !== null;
  }

  /** Bytes the values take in host memory. */
  get bytes(): number {
    const q = this.#nf4;
    return q ? q.packed.byteLength + q.absmax.byteLength : this.size * 4;
  }

  /**
   * The float32 values, row-major: the matrix's own array (not a copy:
   * change it only through {@link addInPlace}), or for NF4 a fresh
   * dequantized copy.
   */
  get data(): Float32Array {
    if (this.#dense) return this.#dense;
    const q = this.#nf4!;
    return dequantizeNf4(q.packed, q.absmax, this.size, q.blocksize, q.code);
  }

  /** The values to multiply with: the array itself, or NF4 dequantized into the scratch buffer. */
  #values(): Float32Array {
    if (this.#dense) return this.#dense;
    const q = this.#nf4!;
    if (scratch.length < this.size) scratch = new Float32Array(this.size);
    return dequantizeNf4(
      q.packed,
      q.absmax,
      this.size,
      q.blocksize,
      q.code,
      scratch,
    );
  }

  /** y = x·Wᵀ for x [n, cols] → [n, rows], differentiable with respect to x. */
  linear(x: tf.Tensor2D): tf.Tensor2D {
    return this.linearOp(x);
  }

  /** x·Wᵀ for x [n, cols] → [n, rows]; no gradient is recorded. */
  timesTransposed(x: tf.Tensor2D): tf.Tensor2D {
    const [n, k] = x.shape;
    this.expectWidth(k, this.cols, "timesTransposed", x.shape);
    const { rows, cols } = this, blas = requireBlas();
    const data = this.#values();
    return produce([n, rows], x, (xs, out) => {
      if (n === 1) blas.sgemv(false, rows, cols, data, xs, out);
      else blas.sgemm(false, true, n, rows, cols, xs, data, out);
    }) as tf.Tensor2D;
  }

  /** g·W for g [n, rows] → [n, cols]; no gradient is recorded. */
  times(g: tf.Tensor2D): tf.Tensor2D {
    const [n, k] = g.shape;
    this.expectWidth(k, this.rows, "times", g.shape);
    const { rows, cols } = this, blas = requireBlas();
    const data = this.#values();
    return produce([n, cols], g, (gs, out) => {
      if (n === 1) blas.sgemv(true, rows, cols, data, gs, out);
      else blas.sgemm(false, false, n, cols, rows, gs, data, out);
    }) as tf.Tensor2D;
  }

  /** Rows `ids` of W (an embedding lookup): ids [...] → [..., cols]; no gradient. */
  gatherRows(ids: tf.Tensor): tf.Tensor {
    const index = ids.dataSync();
    const { rows, cols } = this, data = this.#values();
    for (let i = 0; i < index.length; i++) {
      const id = index[i];
      if (!Number.isInteger(id) || id < 0 || id >= rows) {
        throw new Error(
          `gatherRows: index ${id} at position ${i} is outside [0, ${rows})`,
        );
      }
    }
    return produce([...ids.shape, cols], undefined, (_none, out) => {
      for (let i = 0; i < index.length; i++) {
        const start = index[i] * cols;
        out.set(data.subarray(start, start + cols), i * cols);
      }
    });
  }

  /** W ← W + delta, in place (LoRA merge and unmerge); float32 values only. */
  addInPlace(delta: tf.Tensor): void {
    if (this.#nf4) {
      throw new Error(
        "cannot merge an adapter into NF4 (4-bit) base weights: dequantize–add–requantize loses the update to rounding; keep the adapter unmerged (PEFT's advice for QLoRA), or merge into the float32 model",
      );
    }
    if (delta.shape.join() !== this.shape.join()) {
      throw new Error(
        `delta [${delta.shape}] does not match the host matrix [${this.shape}]`,
      );
    }
    const values = delta.dataSync();
    const data = this.#dense!;
    for (let i = 0; i < data.length; i++) data[i] += values[i];
  }

  private expectWidth(got: number, want: number, op: string, shape: number[]) {
    if (got !== want) {
      throw new Error(
        `HostMatrix.${op}: input [${shape}] does not fit the matrix [${this.shape}]`,
      );
    }
  }
}

/**
 * A new float32 tensor of `shape` whose values `fill` writes, given the
 * values of `input`. On wasm both are heap views taken after the output is
 * allocated (allocation may grow and detach the heap) and nothing else
 * allocates before `fill` returns; other backends go through copies.
 */
function produce(
  shape: number[],
  input: tf.Tensor | undefined,
  fill: (input: Float32Array, out: Float32Array) => void,
): tf.Tensor {
  if (input && input.dtype !== "float32") {
    throw new Error(
      `host weights multiply float32 tensors, got ${input.dtype}`,
    );
  }
  if (shape.some((d) => d === 0)) return tf.zeros(shape);
  if (tf.getBackend() === "wasm") {
    const backend = tf.backend() as unknown as WasmBackendLike;
    const info = backend.makeOutput(shape, "float32");
    const out = backend.typedArrayFromHeap(info) as Float32Array;
    const values = input
      ? backend.typedArrayFromHeap(input) as Float32Array
      : new Float32Array(0);
    fill(values, out);
    return tf.engine().makeTensorFromTensorInfo(info);
  }
  const values = input ? input.dataSync() as Float32Array : new Float32Array(0);
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  fill(values, out);
  return tf.tensor(out, shape, "float32");
}

function requireBlas(): OpenBlas {
  const opened = loadOpenBlas();
  if (!opened.ok) {
    throw new Error(
      `host-memory weights are multiplied with OpenBLAS, which is not available: ${opened.reason}`,
    );
  }
  return opened.blas;
}

/**
 * Where a model's weights live:
 * - `none`: every weight is a tensor on the backend's heap;
 * - `frozen-linears`: the linear layers' weight matrices, the embedding and
 *   the LM head live in host memory (frozen); norms and biases stay on the heap;
 * - `auto` (default): `frozen-linears` when the weights would not fit the wasm
 *   heap, else `none`.
 */
export type OffloadMode = "auto" | "none" | "frozen-linears";

const MODES: OffloadMode[] = ["auto", "none", "frozen-linears"];

/**
 * The wasm backend keeps every tensor in one 32-bit WebAssembly heap of at
 * most 4 GiB (measured: 4 GiB of 0.5 GiB tensors allocate, the next fails).
 * Weights are float32 here, so beyond ~3.5 GiB of weights there is no room
 * left to run.
 */
export const WASM_WEIGHT_BUDGET = 3.5 * 2 ** 30;

/** The weights `frozen-linears` moves to host memory, in checkpoint order. */
export function offloadableNames(config: ModelConfig): string[] {
  return weightSpecs(config)
    .filter((s) => s.shape.length === 2)
    .map((s) => s.name);
}

/** What {@link planOffload} needs to decide. */
export interface OffloadRequest {
  /** Default `auto`. */
  offload?: OffloadMode;
  /** Every weight trainable (full fine-tuning): nothing can be offloaded. */
  trainable?: boolean;
  /** Names the model in errors (a folder, or "CausalLM.random"). */
  source: string;
}

/**
 * The names of the weights to keep in host memory. Throws, before any
 * weight is read, when the request is contradictory or the model cannot be
 * held at all, saying why and what to do.
 */
export function planOffload(
  config: ModelConfig,
  request: OffloadRequest,
): Set<string> {
  const mode = request.offload ?? "auto";
  if (!MODES.includes(mode)) {
    throw new Error(
      `${request.source}: unknown offload "${mode}"; expected ${
        MODES.join(", ")
      }`,
    );
  }
  const tooBig = tf.getBackend() === "wasm" &&
    parameterCount(config) * 4 > WASM_WEIGHT_BUDGET;
  if (mode === "none" || (mode === "auto" && !tooBig)) {
    if (tooBig) throw tooLarge(config, request.source, 'offload is "none"');
    return new Set();
  }
  if (request.trainable) {
    const why =
      "full fine-tuning (trainable: true) needs every weight on the heap, and only frozen weights can live in host memory; " +
      "train adapters (LoRA) on the frozen model instead";
    if (mode === "auto") throw tooLarge(config, request.source, why);
    throw new Error(
      `${request.source}: offload "frozen-linears" cannot be combined with trainable: true: ${why}`,
    );
  }
  const blas = loadOpenBlas();
  if (!blas.ok) {
    const why =
      `frozen weights can live in host memory only with OpenBLAS, which did not load: ${blas.reason} ` +
      "(./tunebook installs Debian's libopenblas0-pthread; Deno needs --allow-ffi)";
    if (mode === "auto") throw tooLarge(config, request.source, why);
    throw new Error(`${request.source}: offload "frozen-linears": ${why}`);
  }
  return new Set(offloadableNames(config));
}

function tooLarge(config: ModelConfig, source: string, why: string): Error {
  const count = parameterCount(config);
  return new Error(
    `${source}: this model has ${(count / 1e9).toFixed(2)}B parameters = ${
      (count * 4 / 2 ** 30).toFixed(1)
    } GiB as float32, more than the wasm backend's 4 GiB heap can hold with room to run, ` +
      `and its weights cannot move to host memory: ${why}. ` +
      `Otherwise use the native backend (TUNEBOOK_BACKEND=tensorflow with @tensorflow/tfjs-node or -gpu; see the README) ` +
      `or a smaller model (gemma-3-270m, SmolLM-135M/360M).`,
  );
}
