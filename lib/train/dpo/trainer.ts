/**
 * Direct Preference Optimization with TRL's semantics (DPOTrainer ≥ 0.29),
 * LoRA or full, step by step:
 *
 * 1. tokenise the pairs (data.ts: prompt, chosen and rejected ids, keep_start
 *    truncation to max_length) and decide the reference (reference.ts:
 *    adapters off, or log-probs precomputed with the starting weights);
 * 2. per step, per_device_train_batch_size × gradient_accumulation_steps
 *    pairs from a seeded sampler, each micro-batch laid out as
 *    [chosen; rejected] rows (batch.ts) and scored by the reference;
 * 3. one optimizer step (step.ts) on the loss of loss.ts, with clipping and
 *    AdamW; TRL disables dropout (`disable_dropout`), so by default the LoRA
 *    dropout is off;
 * 4. metrics under TRL's names averaged over the logging window
 *    (metrics.ts), evaluation on held-out pairs every `eval_steps` and at
 *    the end, checkpoints that resume exactly (weights, optimizer, sampler,
 *    window sums, precomputed reference log-probs).
 *
 * @module
 */
import { type MetricsRecord, roundRecord } from "../metrics_log.ts";
import { learningRate } from "../schedule.ts";
import { type SessionOptions, TrainingSession } from "../session.ts";
import { type PairBatch, pairBatch } from "./batch.ts";
import { DPO_FIELDS, type DpoConfig } from "./config.ts";
import { type DpoData, encodeSplit } from "./data.ts";
import type { DpoLossOptions } from "./loss.ts";
import { evaluatePairs, MetricsWindow } from "./metrics.ts";
import { Reference } from "./reference.ts";
import { dpoStep } from "./step.ts";

/** How to start a run. */
export interface DpoRunOptions extends SessionOptions {
  /** Stop after this optimizer step, as if killed right after its checkpoint (tests). */
  stopAfterStep?: number;
}

/** What a finished (or stopped) run reports. */
export interface DpoResult {
  outputDir: string;
  steps: number;
  totalSteps: number;
  /** Pairs trained on (after tokenisation). */
  trainPairs: number;
  /** What the reference model is, in words. */
  reference: string;
  history: MetricsRecord[];
}

/** The loss settings of a config. */
export function lossOptions(config: DpoConfig): DpoLossOptions {
  return {
    lossTypes: config.lossType,
    lossWeights: config.lossWeights ?? config.lossType.map(() => 1),
    beta: config.beta,
    labelSmoothing: config.labelSmoothing,
    fDivergence: config.fDivergenceType,
    fAlphaDivergenceCoef: config.fAlphaDivergenceCoef,
    discopopTau: config.discopopTau,
  };
}

/**
 * Runs DPO as configured on `data`; writes checkpoints, metrics and the
 * final weights to `outputDir`.
 */
export async function runDpo(
  config: DpoConfig,
  data: DpoData,
  options: DpoRunOptions = {},
): Promise<DpoResult> {
  const session = await TrainingSession.open(
    "dpo",
    config,
    options,
    DPO_FIELDS,
  );
  try {
    const { model, tokenizer, lora, params, optimizer } = session;
    const context = model.config.maxPositionEmbeddings;
    const train = encodeSplit(tokenizer, data.train, config, context);
    const evalPairs = data.eval
      ? encodeSplit(tokenizer, data.eval, config, context)
      : null;
    const reference = await Reference.prepare(session, config, {
      train,
      eval: evalPairs,
    });
    console.error(`[dpo] reference: ${reference.description}`);
    const perStep = config.batchSize * config.gradientAccumulationSteps;
    const stepsPerEpoch = Math.max(1, Math.ceil(train.length / perStep));
    const totalSteps = config.maxSteps > 0
      ? config.maxSteps
      : Math.ceil(config.numTrainEpochs * stepsPerEpoch);
    const schedule = session.schedule(totalSteps);
    const sampler = session.sampler(train.length);
    const loss = lossOptions(config);
    const padId = tokenizer.padId;
    const stepContext = {
      model,
      params,
      optimizer,
      // Without dropout the step leaves the adapters in eval mode.
      lora: config.disableDropout ? null : lora,
      maxGradNorm: config.maxGradNorm,
      loss,
    };
    let step = session.startStep;
    // Counters carried across a resume, so metrics continue as one run.
    const carried = session.resumedExtra;
    let numTokens = Number(carried.numTokens ?? 0);
    const window = new MetricsWindow(carried.window);
    let lastLoss = NaN;
    await session.begin();
    while (step < totalSteps) {
      const started = performance.now();
      const batches: PairBatch[] = Array.from(
        { length: config.gradientAccumulationSteps },
        () => pairBatch(train, sampler.next(config.batchSize), padId),
      );
      lora?.eval();
      const references = batches.map((b) => reference.sums("train", b));
      const lr = learningRate(step, schedule);
      const stats = dpoStep(
        stepContext,
        batches,
        references,
        lr,
        step * config.gradientAccumulationSteps,
      );
      step++;
      const tokens = batches.reduce((n, b) => n + b.attended, 0);
      numTokens += tokens;
      window.add(stats);
      const seconds = (performance.now() - started) / 1000;
      if (step % config.loggingSteps === 0 || step === totalSteps) {
        const means = window.take();
        lastLoss = means.loss;
        await session.emit(roundRecord({
          step,
          epoch: (step * perStep) / train.length,
          ...means,
          learning_rate: lr,
          num_tokens: numTokens,
          tokens_per_s: Math.round(tokens / seconds),
          step_time: seconds,
        }));
      }
      const evalDue = evalPairs &&
        ((config.evalSteps > 0 && step % config.evalSteps === 0) ||
          step === totalSteps);
      if (evalDue) {
        lora?.eval();
        await session.emit(roundRecord({
          step,
          ...evaluatePairs({
            model,
            pairs: evalPairs,
            reference,
            loss,
            batchSize: config.evalBatchSize,
            padId,
          }),
        }));
      }
      session.progress(step, totalSteps, { loss: lastLoss });
      const saveDue = (config.saveSteps > 0 && step % config.saveSteps === 0) ||
        step === totalSteps || step === options.stopAfterStep;
      await session.afterStep(step, totalSteps, sampler, saveDue, {
        numTokens,
        window: window.state(),
      });
      if (step === options.stopAfterStep) break;
    }
    if (step === totalSteps) await session.saveWeights(config.outputDir);
    return {
      outputDir: config.outputDir,
      steps: step,
      totalSteps,
      trainPairs: train.length,
      reference: reference.description,
      history: session.history,
    };
  } finally {
    await session.dispose();
  }
}
