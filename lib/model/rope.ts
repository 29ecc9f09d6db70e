/**
 * Rotary position embeddings (RoPE), "rotate_half" layout as in transformers:
 * the head dimension is split into two halves that rotate together.
 *
 * Frequencies are computed in float64 in JavaScript from the integer
 * positions, then handed to tfjs as float32 tables: nothing here needs a
 * gradient, and it keeps long positions accurate.
 *
 * @module
 */
import type { LayerType, ModelConfig, RopeScaling } from "./config.ts";

/** Inverse frequencies base^(−2j/d) for j < d/2, with the config's scaling rule applied. */
export function inverseFrequencies(
  headDim: number,
  base: number,
  scaling: RopeScaling,
): Float64Array {
  const half = headDim / 2;
  const inv = new Float64Array(half);
  for (let j = 0; j < half; j++) inv[j] = 1 / Math.pow(base, (2 * j) / headDim);
  if (scaling.type === "linear") {
    for (let j = 0; j < half; j++) inv[j] /= scaling.factor;
  } else if (scaling.type === "llama3") {
    // transformers' _compute_llama3_parameters: long wavelengths are divided by
    // `factor`, short ones kept, and the band in between interpolated.
    const {
      factor,
      lowFreqFactor,
      highFreqFactor,
      originalMaxPositionEmbeddings: old,
    } = scaling;
    const lowWavelen = old / lowFreqFactor, highWavelen = old / highFreqFactor;
    for (let j = 0; j < half; j++) {
      const wavelen = (2 * Math.PI) / inv[j];
      if (wavelen > lowWavelen) inv[j] /= factor;
      else if (wavelen >= highWavelen) {
        const smooth = (old / wavelen - lowFreqFactor) /
          (highFreqFactor - lowFreqFactor);
        inv[j] = (1 - smooth) * inv[j] / factor + smooth * inv[j];
      }
    }
  }
  return inv;
}

/** Inverse frequencies of each attention type of a model. */
export function layerFrequencies(
  config: ModelConfig,
): Record<LayerType, Float64Array> {
  return {
    full_attention: inverseFrequencies(
      config.headDim,
      config.ropeTheta,
      config.ropeScaling,
    ),
    // Gemma's local layers use their own base and are never scaled.
    sliding_attention: inverseFrequencies(
      config.headDim,
      config.ropeLocalTheta,
      { type: "default" },
    ),
  };
}

/**
 * cos and sin tables for the given positions, each `[positions.length, headDim]`
 * (the half-dimension frequencies repeated twice, as rotate_half expects).
 */
export function ropeTables(
  positions: ArrayLike<number>,
  invFreq: Float64Array,
): { cos: Float32Array; sin: Float32Array } {
  const half = invFreq.length, dim = 2 * half, n = positions.length;
  const cos = new Float32Array(n * dim), sin = new Float32Array(n * dim);
  for (let p = 0; p < n; p++) {
    for (let j = 0; j < half; j++) {
      const angle = positions[p] * invFreq[j];
      const c = Math.cos(angle), s = Math.sin(angle);
      cos[p * dim + j] = cos[p * dim + j + half] = c;
      sin[p * dim + j] = sin[p * dim + j + half] = s;
    }
  }
  return { cos, sin };
}
