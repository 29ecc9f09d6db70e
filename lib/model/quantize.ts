/**
 * QLoRA's frozen base: the decoder's linear weights (attention and MLP
 * projections) held as NF4 codes in host memory (host_weights.ts
 * `Nf4Values`), as bitsandbytes' `Linear4bit` holds them; embeddings,
 * norms and the head stay as they are, as bitsandbytes leaves them.
 *
 * Two ways in:
 * - **quantize on load** (`loadModel(dir, { quantization })`): each linear
 *   weight is quantized as `BitsAndBytesConfig(load_in_4bit=True,
 *   bnb_4bit_quant_type="nf4")` does, blocks of 64, with the block scales
 *   themselves 8-bit quantized when `doubleQuant` is set
 *   (`bnb_4bit_use_double_quant`): the model then computes with exactly the
 *   weights bitsandbytes would;
 * - **a pre-quantized checkpoint** in bitsandbytes' layout (`P.weight`
 *   codes, `P.weight.absmax`, `P.weight.quant_map`, the nested tensors and
 *   `P.weight.quant_state.bitsandbytes__nf4`), read as stored.
 *
 * Products dequantize the codes to float32 inside each matmul (the
 * compute dtype is float32).
 *
 * @module
 */
import {
  type BnbTensor,
  dequantizeAbsmax,
  doubleQuantizeAbsmax,
  NF4_CODE,
  quantizeNf4,
  readBnbNf4Weight,
} from "./nf4.ts";
import type { ModelConfig } from "./config.ts";
import { HostMatrix } from "./host_weights.ts";
import { weightSpecs } from "./weights.ts";

/** How base weights are quantized on load (bitsandbytes' nf4 settings). */
export interface QuantizationSettings {
  /** Quantize the block scales too (`bnb_4bit_use_double_quant`). */
  doubleQuant: boolean;
}

/** bitsandbytes' 4-bit block size. */
const BLOCKSIZE = 64;

/** The suffix of a bitsandbytes NF4 weight's quant-state tensor. */
const NF4_STATE = ".weight.quant_state.bitsandbytes__nf4";

/** The tensors bitsandbytes stores beside a quantized `P.weight`. */
const STATE_PARTS = [
  ".weight.absmax",
  ".weight.quant_map",
  ".weight.nested_absmax",
  ".weight.nested_quant_map",
  NF4_STATE,
];

/** The weights QLoRA quantizes: every 2-D weight but the embedding and the LM head. */
export function quantizableNames(config: ModelConfig): Set<string> {
  return new Set(
    weightSpecs(config)
      .filter((s) =>
        s.shape.length === 2 && !s.name.endsWith("embed_tokens.weight") &&
        s.name !== "lm_head.weight"
      )
      .map((s) => s.name),
  );
}

/** A float32 weight [rows, cols] as NF4 codes, as bitsandbytes quantizes it. */
export function quantizedMatrix(
  rows: number,
  cols: number,
  values: Float32Array,
  settings: QuantizationSettings,
): HostMatrix {
  const { packed, absmax } = quantizeNf4(values, BLOCKSIZE);
  // With double quantization bitsandbytes computes with the 8-bit-rounded
  // scales; keep those, de-nested.
  const scales = settings.doubleQuant
    ? dequantizeAbsmax(doubleQuantizeAbsmax(absmax))
    : absmax;
  return new HostMatrix(rows, cols, {
    packed,
    absmax: scales,
    blocksize: BLOCKSIZE,
    code: NF4_CODE,
  });
}

/**
 * The weights a checkpoint holds in bitsandbytes' 4-bit layout, by their
 * `P.weight` name. Throws for FP4 weights, which tunebook does not read.
 */
export function prequantizedWeights(names: readonly string[]): Set<string> {
  const fp4 = names.find((n) =>
    n.endsWith(".weight.quant_state.bitsandbytes__fp4")
  );
  if (fp4) {
    throw new Error(
      `tensor "${fp4}": bitsandbytes FP4 weights are not supported; quantize the model with bnb_4bit_quant_type "nf4", or load its float checkpoint`,
    );
  }
  return new Set(
    names.filter((n) => n.endsWith(NF4_STATE)).map((n) =>
      n.slice(0, -NF4_STATE.length) + ".weight"
    ),
  );
}

/** Whether `name` is one of the state tensors stored beside a 4-bit weight. */
export function isQuantState(name: string): boolean {
  return STATE_PARTS.some((part) => name.endsWith(part));
}

/**
 * A pre-quantized weight `name` (`P.weight`) as an NF4 host matrix, from
 * its tensors (`read` returns each by checkpoint name).
 */
export async function readPrequantized(
  name: string,
  read: (name: string) => Promise<BnbTensor | undefined>,
): Promise<HostMatrix> {
  const prefix = name.slice(0, -".weight".length);
  const tensors = new Map<string, BnbTensor>();
  for (const part of [".weight", ...STATE_PARTS]) {
    const t = await read(prefix + part);
    if (t) tensors.set(prefix + part, t);
  }
  const w = readBnbNf4Weight((n) => tensors.get(n), prefix);
  return new HostMatrix(w.shape[0], w.shape[1], {
    packed: w.packed,
    absmax: w.absmax,
    blocksize: w.blocksize,
    code: w.codeMap,
  });
}

/** The [out, in] shape a pre-quantized weight's quant state declares. */
export function prequantizedShape(stateBytes: ArrayLike<number>): number[] {
  const state = JSON.parse(
    new TextDecoder().decode(Uint8Array.from(stateBytes)),
  );
  return state.shape;
}
