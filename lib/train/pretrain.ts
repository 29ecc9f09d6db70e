/**
 * Pre-training a causal LM from scratch on a flat token stream (nanoGPT's
 * loop): random windows of the training stream, next-token loss, AdamW
 * with a warmup + cosine schedule and gradient clipping, and validation
 * loss / perplexity now and then on fixed windows of the held-out stream.
 *
 * ```ts
 * const train = tokenStream(corpus.train, (t) => bpe.encode(t), eosId);
 * const validation = tokenStream(corpus.validation, (t) => bpe.encode(t), eosId);
 * const model = CausalLM.random(tinyBaseConfig(), { seed: 0, trainable: true });
 * const result = await pretrain(model, { train, validation }, { ...DEFAULT_PRETRAIN, steps: 1000 });
 * ```
 *
 * Deterministic for a seed: the windows come from an {@link Rng} seeded by
 * `seed`, evaluation windows are fixed, and the model's init takes its own
 * seed.
 *
 * @module
 */
import type { TokenBatch } from "../model/batch.ts";
import { type ModelConfig, parseConfig } from "../model/config.ts";
import type { CausalLM } from "../model/decoder.ts";
import { Progress } from "../util/progress.ts";
import { Rng } from "../util/random.ts";
import { causalLmLoss, meanLmLoss } from "./lm_loss.ts";
import type { MetricsRecord } from "./metrics_log.ts";
import { AdamW, defaultDecayFilter } from "./optimizer.ts";
import { learningRate, type ScheduleOptions } from "./schedule.ts";
import { optimizerStep } from "./step.ts";

/**
 * `config.json` of tunebook's tiny default model: Llama-style, tied
 * embeddings, GQA (4 query heads over 2 KV heads), a 4096-token byte-level
 * BPE vocabulary whose `<|endoftext|>` (id 0) is BOS, EOS and pad.
 */
export const TINY_BASE_CONFIG: Readonly<Record<string, unknown>> = {
  architectures: ["LlamaForCausalLM"],
  model_type: "llama",
  vocab_size: 4096,
  hidden_size: 256,
  intermediate_size: 688,
  num_hidden_layers: 6,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 256,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  hidden_act: "silu",
  tie_word_embeddings: true,
  attention_bias: false,
  mlp_bias: false,
  initializer_range: 0.02,
  bos_token_id: 0,
  eos_token_id: 0,
  pad_token_id: 0,
};

/** {@link TINY_BASE_CONFIG} with `overrides`, parsed. */
export function tinyBaseConfig(
  overrides: Record<string, unknown> = {},
): ModelConfig {
  return parseConfig({ ...TINY_BASE_CONFIG, ...overrides }, "tiny base config");
}

/** Hyperparameters of {@link pretrain}. */
export interface PretrainOptions {
  /** Optimizer steps. */
  steps: number;
  /** Windows per step. */
  batchSize: number;
  /** Tokens per window (the model's context). */
  seqLen: number;
  /** Learning rate at the end of warmup. */
  peakLr: number;
  warmupSteps: number;
  /** Cosine floor as a fraction of `peakLr`. */
  minLrRatio: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  /** Global gradient-norm clip (0: none, the norm is still measured). */
  maxGradNorm: number;
  /** Seed of the window sampler. */
  seed: number;
  /** Validate every this many steps (and after the last); 0: only at start and end. */
  evalEvery: number;
  /** Windows of the validation stream used by the periodic evaluations. */
  evalWindows: number;
  /** Log the training loss every this many steps (averaged over them). */
  logEvery: number;
}

/** Defaults of {@link PretrainOptions} for the tiny base model (steps is the caller's). */
export const DEFAULT_PRETRAIN: PretrainOptions = {
  steps: 1000,
  batchSize: 8,
  seqLen: 256,
  peakLr: 2e-3,
  warmupSteps: 50,
  minLrRatio: 0.1,
  weightDecay: 0.1,
  beta1: 0.9,
  beta2: 0.95,
  maxGradNorm: 1.0,
  seed: 0,
  evalEvery: 100,
  evalWindows: 32,
  logEvery: 10,
};

/** Training and validation token streams. */
export interface PretrainData {
  train: Int32Array;
  validation: Int32Array;
}

/** Callbacks of {@link pretrain}. */
export interface PretrainHooks {
  /** Each metrics record as it is made (train loss, eval loss, …). */
  onLog?: (record: MetricsRecord) => void | Promise<void>;
  /** Show a progress line with ETA (default true). */
  progress?: boolean;
}

/** Loss and perplexity over a token stream. */
export interface Evaluation {
  /** Mean negative log-likelihood per predicted token, in nats. */
  loss: number;
  perplexity: number;
  /** Tokens predicted. */
  tokens: number;
}

/** What {@link pretrain} did. */
export interface PretrainResult {
  /** Seconds spent in training steps (evaluations excluded). */
  seconds: number;
  /** Training tokens processed per second (steps × batch × seqLen / seconds). */
  tokensPerSecond: number;
  /** Validation on the periodic windows before the first step. */
  initial: Evaluation;
  /** Validation on the periodic windows after the last step. */
  final: Evaluation;
  history: MetricsRecord[];
}

/**
 * Concatenates documents into one stream with `separator` (the
 * `<|endoftext|>` id) before each, so every document starts after one, as
 * generation prompts do.
 */
export function tokenStream(
  docs: readonly string[],
  encode: (text: string) => number[],
  separator: number,
): Int32Array {
  const parts = docs.map(encode);
  const out = new Int32Array(parts.reduce((n, p) => n + p.length + 1, 0));
  let at = 0;
  for (const ids of parts) {
    out[at++] = separator;
    out.set(ids, at);
    at += ids.length;
  }
  return out;
}

/** `batch` windows of `length` tokens at uniformly random offsets of `stream`. */
export function randomWindows(
  stream: Int32Array,
  batch: number,
  length: number,
  rng: Rng,
): TokenBatch {
  if (stream.length < length) {
    throw new Error(
      `the token stream has ${stream.length} tokens, fewer than one window of ${length}`,
    );
  }
  const ids = new Int32Array(batch * length);
  for (let b = 0; b < batch; b++) {
    const start = rng.int(stream.length - length + 1);
    ids.set(stream.subarray(start, start + length), b * length);
  }
  return { ids, batch, length };
}

/**
 * Next-token loss of `model` on `stream`, cut into windows of `length`
 * overlapping by one token, so every token but the first is predicted once
 * (the last window is right-padded). With `maxWindows`, that many windows
 * evenly spread over the stream are used instead of all.
 */
export function evaluateStream(
  model: CausalLM,
  stream: Int32Array,
  options: { length: number; batchSize: number; maxWindows?: number },
): Evaluation {
  const { length, batchSize } = options;
  const stride = length - 1;
  const count = Math.max(1, Math.ceil((stream.length - 1) / stride));
  let starts = Array.from({ length: count }, (_, k) => k * stride);
  if (options.maxWindows !== undefined && options.maxWindows < count) {
    const n = options.maxWindows;
    starts = Array.from(
      { length: n },
      (_, i) => starts[Math.floor((i * count) / n)],
    );
  }
  function* batches(): Generator<TokenBatch> {
    for (let i = 0; i < starts.length; i += batchSize) {
      const rows = starts.slice(i, i + batchSize);
      const ids = new Int32Array(rows.length * length);
      const mask = new Uint8Array(rows.length * length);
      rows.forEach((start, r) => {
        const end = Math.min(start + length, stream.length);
        ids.set(stream.subarray(start, end), r * length);
        mask.fill(1, r * length, r * length + end - start);
      });
      yield { ids, batch: rows.length, length, attentionMask: mask };
    }
  }
  const { loss, tokens } = meanLmLoss(model, batches());
  return { loss, perplexity: Math.exp(loss), tokens };
}

/**
 * Perplexity of an add-one smoothed unigram model estimated on `train`,
 * scored on the tokens of `validation` that {@link evaluateStream} predicts
 * (all but the first): the baseline a language model must beat.
 */
export function unigramBaseline(
  train: Int32Array,
  validation: Int32Array,
  vocabSize: number,
): Evaluation {
  const counts = new Float64Array(vocabSize).fill(1);
  for (const id of train) counts[checkId(id, vocabSize)]++;
  const total = train.length + vocabSize;
  let nll = 0;
  for (let i = 1; i < validation.length; i++) {
    nll -= Math.log(counts[checkId(validation[i], vocabSize)] / total);
  }
  const tokens = validation.length - 1;
  return { loss: nll / tokens, perplexity: Math.exp(nll / tokens), tokens };
}

/** Trains `model` (all its weights) on `data`; see the module comment. */
export async function pretrain(
  model: CausalLM,
  data: PretrainData,
  options: PretrainOptions,
  hooks: PretrainHooks = {},
): Promise<PretrainResult> {
  checkOptions(options, model.config);
  const params = model.namedWeights();
  for (const [, v] of params) v.trainable = true;
  const optimizer = new AdamW(params, {
    lr: options.peakLr,
    beta1: options.beta1,
    beta2: options.beta2,
    weightDecay: options.weightDecay,
    decayFilter: defaultDecayFilter,
  });
  const schedule: ScheduleOptions = {
    name: "cosine",
    peakLr: options.peakLr,
    totalSteps: options.steps,
    warmupSteps: Math.min(options.warmupSteps, options.steps),
    minLrRatio: options.minLrRatio,
  };
  const history: MetricsRecord[] = [];
  const emit = async (record: MetricsRecord) => {
    history.push(record);
    await hooks.onLog?.(record);
  };
  const validate = () =>
    evaluateStream(model, data.validation, {
      length: options.seqLen,
      batchSize: options.batchSize,
      maxWindows: options.evalWindows,
    });
  const initial = validate();
  await emit(evalRecord(0, initial));

  const rng = new Rng(options.seed);
  const bar = hooks.progress === false
    ? null
    : new Progress("pretrain", options.steps, { unit: "step" });
  let final = initial, windowLoss = 0, windowSteps = 0;
  let trainSeconds = 0;
  for (let step = 1; step <= options.steps; step++) {
    const started = performance.now();
    const batch = randomWindows(
      data.train,
      options.batchSize,
      options.seqLen,
      rng,
    );
    const lr = learningRate(step - 1, schedule);
    const { loss, gradNorm: norm } = optimizerStep({ params, optimizer }, {
      microBatches: [batch],
      // One micro-batch: weight 1 hands its gradient to AdamW unchanged.
      loss: (b) => ({ loss: causalLmLoss(model, b).loss, weight: 1 }),
      lr,
      maxGradNorm: options.maxGradNorm,
    });
    trainSeconds += (performance.now() - started) / 1000;
    windowLoss += loss;
    windowSteps++;
    const tokens = step * options.batchSize * options.seqLen;
    if (step % options.logEvery === 0 || step === options.steps) {
      await emit({
        step,
        loss: round(windowLoss / windowSteps),
        learning_rate: lr,
        grad_norm: round(norm),
        num_tokens: tokens,
        tokens_per_s: Math.round(tokens / trainSeconds),
      });
      windowLoss = windowSteps = 0;
    }
    if (
      (options.evalEvery > 0 && step % options.evalEvery === 0) ||
      step === options.steps
    ) {
      final = validate();
      await emit(evalRecord(step, final));
    }
    bar?.update(step, {
      loss,
      val: final.loss,
      "tok/s": Math.round(tokens / trainSeconds),
    });
  }
  optimizer.dispose();
  for (const [, v] of params) v.trainable = false;
  return {
    seconds: trainSeconds,
    tokensPerSecond: (options.steps * options.batchSize * options.seqLen) /
      trainSeconds,
    initial,
    final,
    history,
  };
}

function evalRecord(step: number, e: Evaluation): MetricsRecord {
  return {
    step,
    eval_loss: round(e.loss),
    eval_perplexity: round(e.perplexity),
    eval_tokens: e.tokens,
  };
}

function checkOptions(o: PretrainOptions, config: ModelConfig): void {
  const fail = (field: string, why: string) => {
    throw new Error(`pretrain: ${field} ${why}, got ${(o as any)[field]}`);
  };
  for (const key of ["steps", "batchSize", "evalWindows", "logEvery"]) {
    const v = (o as any)[key];
    if (!Number.isSafeInteger(v) || v < 1) {
      fail(key, "must be a positive integer");
    }
  }
  if (!Number.isSafeInteger(o.evalEvery) || o.evalEvery < 0) {
    fail("evalEvery", "must be a non-negative integer");
  }
  if (!Number.isSafeInteger(o.seqLen) || o.seqLen < 2) {
    fail("seqLen", "must be an integer of at least 2");
  }
  if (o.seqLen > config.maxPositionEmbeddings) {
    fail(
      "seqLen",
      `exceeds the model's max_position_embeddings ${config.maxPositionEmbeddings}`,
    );
  }
}

function checkId(id: number, vocabSize: number): number {
  if (id < 0 || id >= vocabSize) {
    throw new Error(
      `token id ${id} is outside the vocabulary (size ${vocabSize})`,
    );
  }
  return id;
}

function round(x: number, digits = 6): number {
  return Number(x.toFixed(digits));
}
