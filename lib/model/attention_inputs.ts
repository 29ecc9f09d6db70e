/**
 * What the attention layers of one forward pass read besides their input:
 * where the pass's tokens sit in slot space (continuing a {@link KVCache}, or
 * a one-off pass without one), their RoPE tables per attention type, and the
 * additive masks, each built once and shared by every layer that needs it.
 *
 * Build it inside the pass's `tf.tidy`: the tables and masks it makes are
 * freed with the pass.
 *
 * @module
 */
import { tf } from "../engine/mod.ts";
import type { LayerType, ModelConfig } from "./config.ts";
import {
  attentionMask,
  type KVCache,
  type SlotValidity,
  type StepSlots,
  transientSlots,
} from "./kv_cache.ts";
import { ropeTables } from "./rope.ts";

/** RoPE tables [B, 1, T, D] for the pass's positions. */
export interface RopeTensors {
  cos: tf.Tensor;
  sin: tf.Tensor;
}

/** Slots, RoPE tables and masks of one forward pass. */
export class AttentionInputs {
  /** RoPE tables by attention type. */
  readonly rope: Record<LayerType, RopeTensors>;
  private readonly validity: SlotValidity;
  private readonly step: StepSlots;
  /** Masks by window and key range; layers of one type share them. */
  private readonly masks = new Map<string, tf.Tensor>();

  /**
   * Registers a pass over `batch` × `length` new tokens: with a cache, they
   * continue its sequence (the cache records them); without, they are the
   * whole sequence. `frequencies`: the model's inverse RoPE frequencies.
   */
  constructor(
    private readonly config: ModelConfig,
    frequencies: Record<LayerType, Float64Array>,
    [batch, length]: [number, number],
    options: { attentionMask?: ArrayLike<number>; cache?: KVCache },
  ) {
    const { cache, attentionMask } = options;
    if (cache) {
      if (cache.batch !== batch) {
        throw new Error(
          `forward: cache batch ${cache.batch} differs from input batch ${batch}`,
        );
      }
      this.step = cache.beginStep(length, attentionMask);
      this.validity = cache;
    } else {
      ({ validity: this.validity, step: this.step } = transientSlots(
        batch,
        length,
        attentionMask,
      ));
    }
    this.rope = {
      full_attention: this.ropeTensors(batch, frequencies.full_attention),
      sliding_attention: this.ropeTensors(
        batch,
        frequencies.sliding_attention,
      ),
    };
  }

  /**
   * The additive mask of a layer of `type` whose queries (this pass's tokens)
   * attend to keys at slots [keyStart, keyStart + keyLength).
   */
  mask(type: LayerType, keyStart: number, keyLength: number): tf.Tensor {
    const c = this.config;
    const window = type === "sliding_attention" ? c.slidingWindow : null;
    const key = `${window}:${keyStart}:${keyLength}`;
    if (!this.masks.has(key)) {
      this.masks.set(
        key,
        attentionMask(
          this.validity,
          this.step,
          keyStart,
          keyLength,
          window,
          c.numHeads / c.numKvHeads,
        ),
      );
    }
    return this.masks.get(key)!;
  }

  /** cos/sin tables [B, 1, T, D] for this step's positions. */
  private ropeTensors(batch: number, invFreq: Float64Array): RopeTensors {
    const { cos, sin } = ropeTables(this.step.positions, invFreq);
    const shape: [number, number, number, number] = [
      batch,
      1,
      this.step.queryLength,
      this.config.headDim,
    ];
    return { cos: tf.tensor4d(cos, shape), sin: tf.tensor4d(sin, shape) };
  }
}
