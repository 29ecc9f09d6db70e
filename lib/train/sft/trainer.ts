/**
 * Supervised fine-tuning, LoRA or full, in the manner of TRL's SFTTrainer:
 * chat-template tokenisation with the loss on assistant (or completion)
 * tokens only, right padding or packing, AdamW with a warmup schedule,
 * gradient accumulation weighted by target tokens, global-norm clipping,
 * evaluation loss, metrics to JSONL, and checkpoints that resume exactly.
 *
 * Exact resume rests on four things saved in every checkpoint: the trained
 * weights, the optimizer moments, the data sampler's position, and the step
 * (LoRA dropout masks are seeded from the step, so they replay too).
 *
 * @module
 */
import { padBatch } from "../../model/batch.ts";
import type { CausalLM } from "../../model/decoder.ts";
import type { MaskedTokens, Tokenizer } from "../../tokenizer/mod.ts";
import { meanLmLoss } from "../lm_loss.ts";
import type { MetricsRecord } from "../metrics_log.ts";
import { learningRate } from "../schedule.ts";
import { type SessionOptions, TrainingSession } from "../session.ts";
import { packExamples } from "./batches.ts";
import { SFT_FIELDS, type SftConfig } from "./config.ts";
import {
  type SftExample,
  tokenizeExamples,
  type TokenizeReport,
} from "./examples.ts";
import { sftStep } from "./step.ts";

/** Examples of one split and where they came from (named in messages). */
export interface SftSplit {
  source: string;
  examples: SftExample[];
}

/** What SFT trains on (`from_config.ts` loads it from the config's files). */
export interface SftData {
  train: SftSplit;
  /** Evaluated every `eval_steps` and at the end; null: no evaluation. */
  eval: SftSplit | null;
}

/** How to start a run. */
export interface SftRunOptions extends SessionOptions {
  /** Stop after this optimizer step, as if killed right after its checkpoint (tests). */
  stopAfterStep?: number;
}

/** What a finished (or stopped) run reports. */
export interface SftResult {
  outputDir: string;
  steps: number;
  totalSteps: number;
  trainReport: TokenizeReport;
  history: MetricsRecord[];
}

/**
 * Runs SFT as configured on `data`; writes checkpoints, metrics and the
 * final weights to `outputDir`.
 */
export async function runSft(
  config: SftConfig,
  data: SftData,
  options: SftRunOptions = {},
): Promise<SftResult> {
  const session = await TrainingSession.open(
    "sft",
    config,
    options,
    SFT_FIELDS,
  );
  try {
    const { model, tokenizer, lora, params, optimizer } = session;
    const maxLength = contextLength(config, model.config.maxPositionEmbeddings);
    const train = tokenizeSplit(data.train, tokenizer, config, maxLength);
    const evalSet = data.eval
      ? tokenizeSplit(data.eval, tokenizer, config, maxLength)
      : null;
    const perStep = config.batchSize * config.gradientAccumulationSteps;
    const stepsPerEpoch = Math.max(1, Math.ceil(train.tokens.length / perStep));
    const totalSteps = config.maxSteps > 0
      ? config.maxSteps
      : Math.ceil(config.numTrainEpochs * stepsPerEpoch);
    const schedule = session.schedule(totalSteps);
    const sampler = await session.sampler(train.tokens.length);
    const context = {
      model,
      lora,
      params,
      optimizer,
      maxGradNorm: config.maxGradNorm,
    };
    let step = session.startStep;
    // Counters carried across a resume, so metrics continue as one run.
    const carried = session.resumedExtra;
    let windowLoss = Number(carried.windowLoss ?? 0),
      windowTargets = Number(carried.windowTargets ?? 0),
      numTokens = Number(carried.numTokens ?? 0),
      lastLoss = NaN;
    await session.begin();
    while (step < totalSteps) {
      const started = performance.now();
      const batches = Array.from(
        { length: config.gradientAccumulationSteps },
        () =>
          padBatch(
            sampler.next(config.batchSize).map((i) => train.tokens[i]),
            tokenizer.padId,
          ),
      );
      const lr = learningRate(step, schedule);
      const result = sftStep(
        context,
        batches,
        lr,
        step * config.gradientAccumulationSteps,
      );
      step++;
      numTokens += result.tokens;
      windowLoss += result.loss * result.targets;
      windowTargets += result.targets;
      const seconds = (performance.now() - started) / 1000;
      if (step % config.loggingSteps === 0 || step === totalSteps) {
        lastLoss = windowLoss / windowTargets;
        await session.emit({
          step,
          epoch: round((step * perStep) / train.tokens.length, 4),
          loss: round(lastLoss, 6),
          learning_rate: lr,
          grad_norm: round(result.gradNorm, 6),
          num_tokens: numTokens,
          tokens_per_s: Math.round(result.tokens / seconds),
          step_time: round(seconds, 3),
        });
        windowLoss = windowTargets = 0;
      }
      const evalDue = evalSet &&
        ((config.evalSteps > 0 && step % config.evalSteps === 0) ||
          step === totalSteps);
      if (evalDue) {
        lora?.eval();
        const loss = evaluate(model, evalSet.tokens, config, tokenizer.padId);
        await session.emit({ step, eval_loss: round(loss, 6) });
      }
      // The loss since the last record (before the first one: so far).
      const shown = windowTargets > 0 ? windowLoss / windowTargets : lastLoss;
      session.progress(step, totalSteps, { loss: shown });
      const saveDue = (config.saveSteps > 0 && step % config.saveSteps === 0) ||
        step === totalSteps || step === options.stopAfterStep;
      await session.afterStep(step, totalSteps, sampler, saveDue, {
        numTokens,
        windowLoss,
        windowTargets,
      });
      if (step === options.stopAfterStep) break;
    }
    if (step === totalSteps) await session.saveWeights(config.outputDir);
    return {
      outputDir: config.outputDir,
      steps: step,
      totalSteps,
      trainReport: train.report,
      history: session.history,
    };
  } finally {
    await session.dispose();
  }
}

/** Token-weighted mean loss over a dataset, without gradients or dropout. */
export function evaluate(
  model: CausalLM,
  examples: readonly MaskedTokens[],
  config: Pick<SftConfig, "evalBatchSize">,
  padId: number,
): number {
  function* batches() {
    const size = config.evalBatchSize;
    for (let start = 0; start < examples.length; start += size) {
      yield padBatch(examples.slice(start, start + size), padId);
    }
  }
  return meanLmLoss(model, batches()).loss;
}

/**
 * The sequence length SFT trains at: `max_length`, cut to the model's
 * context. TRL trusts max_length; past `max_position_embeddings` a model
 * trains positions it was never built for, so the cut is made and said.
 */
function contextLength(config: SftConfig, context: number): number {
  if (config.maxLength <= context) return config.maxLength;
  console.error(
    `[sft] max_length ${config.maxLength} is past the model's context of ${context} tokens (max_position_embeddings): sequences are cut to ${context}`,
  );
  return context;
}

function tokenizeSplit(
  split: SftSplit,
  tokenizer: Tokenizer,
  config: SftConfig,
  maxLength: number,
) {
  const { tokens, report } = tokenizeExamples(
    tokenizer,
    split.examples,
    maxLength,
  );
  if (report.truncated > 0 || report.dropped > 0) {
    console.error(
      `[sft] ${split.source}: ${report.truncated} of ${report.examples} examples truncated to ${maxLength} tokens, ${report.dropped} dropped (no trained token left)`,
    );
  }
  if (tokens.length === 0) {
    throw new Error(`${split.source}: no usable examples`);
  }
  return {
    tokens: config.packing
      ? packExamples(tokens, maxLength).map((p) => ({ ...p, text: "" }))
      : tokens,
    report,
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
