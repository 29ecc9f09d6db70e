/**
 * Row gradients for a large trained embedding: torch's
 * `nn.Embedding(sparse=True)`, the way the optimizer step uses it.
 *
 * tfjs differentiates an embedding lookup into a dense gradient the size of
 * the whole table, then adds it to the LM head's gradient when the two are
 * tied: three table-sized buffers at once. For Gemma 3's 262 144 × 640
 * table that is 1.9 GiB of a 4 GiB heap, and full fine-tuning overflowed.
 * While the optimizer step's tape runs ({@link EmbeddingRowGradients.start}),
 * the lookup instead keeps the gradient of the rows it read; after the
 * tape, {@link EmbeddingRowGradients.addInto} adds them to the table's
 * gradient in place. The result is the dense path's bit for bit: rows are
 * summed per id in the same order, then added once per lookup, in backward
 * order.
 *
 * @module
 */
import { exclusiveHeapView } from "../engine/inplace.ts";
import { tf } from "../engine/mod.ts";

/** Tables at least this large take the row path. */
export const ROW_PATH_BYTES = 256 * 2 ** 20;

const SOURCES = new WeakMap<tf.Variable, EmbeddingRowGradients>();

/** The row-gradient source of `weight` when it applies now (trained and large, or forced). */
export function embeddingRowGradients(
  weight: tf.Variable,
): EmbeddingRowGradients | undefined {
  const source = SOURCES.get(weight);
  return source?.applies() ? source : undefined;
}

/** One lookup's ids and the gradient reaching its output rows ([n, D]). */
interface Pending {
  ids: Int32Array;
  rows: tf.Tensor;
}

/** The row path of one embedding table (see the module doc). */
export class EmbeddingRowGradients {
  /** Take the row path whatever the table's size (tests); default: from {@link ROW_PATH_BYTES}. */
  force = false;
  #anchor?: tf.Variable;
  #pending: Pending[] = [];
  #active = false;

  constructor(readonly weight: tf.Variable) {
    SOURCES.set(weight, this);
  }

  /** Whether the optimizer step should use the row path for this table. */
  applies(): boolean {
    return this.weight.trainable &&
      (this.force || this.weight.size * 4 >= ROW_PATH_BYTES);
  }

  /**
   * A one-value variable the lookups hang off: the tape reaches a lookup's
   * gradient through it (its own gradient is zero and unused).
   */
  get anchor(): tf.Variable {
    // tidy: the variable keeps the value; the initial tensor is freed.
    return this.#anchor ??= tf.tidy(() => tf.variable(tf.zeros([1]), true));
  }

  /** Whether lookups keep row gradients now. */
  get active(): boolean {
    return this.#active;
  }

  /** Lookups from now on keep their row gradients (rows left by a failed step are dropped). */
  start(): void {
    tf.dispose(this.#pending.map((p) => p.rows));
    this.#pending = [];
    this.#active = true;
  }

  /** Back to the dense path; pending rows stay until {@link addInto}. */
  stop(): void {
    this.#active = false;
  }

  /** The table's rows at `ids` [B, T] → [B, T, D], keeping their gradient when it arrives. */
  lookup(ids: tf.Tensor2D): tf.Tensor3D {
    const idArray = Int32Array.from(ids.dataSync());
    const weight = this.weight;
    const op = tf.customGrad((...args: unknown[]) => {
      const anchor = args[0] as tf.Tensor;
      return {
        value: tf.gather(weight, tf.cast(ids, "int32")),
        gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
          this.#pending.push({
            ids: idArray,
            rows: tf.keep(tf.clone(dy as tf.Tensor)),
          });
          return [tf.zerosLike(anchor)];
        },
      };
    });
    return op(this.anchor) as tf.Tensor3D;
  }

  /**
   * `grad` (the table's gradient from elsewhere, e.g. a tied LM head; none:
   * zeros) plus every pending lookup's rows, in place when the buffer is
   * `grad`'s alone. Returns the sum and clears the pending rows; a new
   * tensor replaces (and disposes) `grad`.
   */
  addInto(grad: tf.Tensor | undefined): tf.Tensor {
    const pending = this.#pending;
    this.#pending = [];
    if (pending.length === 0 && grad) return grad;
    const [vocab, width] = this.weight.shape;
    let target = grad ?? tf.zeros([vocab, width]);
    try {
      let view = exclusiveHeapView(target);
      if (!view) {
        // Not ours to write (or not on the wasm heap): one fresh copy.
        const copy = tf.tensor(target.dataSync(), target.shape, "float32");
        target.dispose();
        target = copy;
        view = exclusiveHeapView(target);
      }
      const values = view ?? new Float32Array(target.dataSync());
      for (const { ids, rows } of pending) addRows(values, width, ids, rows);
      if (view) return target;
      const out = tf.tensor(values, target.shape, "float32");
      target.dispose();
      return out;
    } finally {
      tf.dispose(pending.map((p) => p.rows));
    }
  }

  /** Frees the anchor and any pending rows. */
  dispose(): void {
    this.#anchor?.dispose();
    this.#anchor = undefined;
    tf.dispose(this.#pending.map((p) => p.rows));
    this.#pending = [];
    SOURCES.delete(this.weight);
  }
}

/**
 * values[id] += Σ rows with that id, the rows summed first in float32 in
 * their order (what tfjs's segment sum does), then added once.
 */
function addRows(
  values: Float32Array,
  width: number,
  ids: Int32Array,
  rows: tf.Tensor,
): void {
  const data = rows.dataSync() as Float32Array;
  const sums = new Map<number, Float32Array>();
  for (let r = 0; r < ids.length; r++) {
    const id = ids[r];
    if (id < 0 || id * width >= values.length) continue; // as the segment sum
    let sum = sums.get(id);
    if (!sum) sums.set(id, sum = new Float32Array(width));
    for (let j = 0; j < width; j++) sum[j] += data[r * width + j];
  }
  for (const [id, sum] of sums) {
    const base = id * width;
    for (let j = 0; j < width; j++) values[base + j] += sum[j];
  }
}
