/**
 * Reward-model training, LoRA or full, in the manner of TRL's
 * RewardTrainer: the decoder with a scalar score head (score_head.ts,
 * trained in full beside LoRA), pairs tokenised as RewardTrainer does
 * (data.ts), each micro-batch's chosen and rejected rows in one forward
 * pass, the Bradley–Terry loss with optional margin and centring (loss.ts)
 * through the shared optimizer step (step.ts), metrics under TRL's names averaged over the
 * logging window, evaluation on held-out pairs with the `eval_` prefix,
 * and checkpoints that resume exactly (weights with the head, optimizer
 * moments, data order, step, window counters).
 *
 * @module
 */
import type { MetricsRecord } from "../metrics_log.ts";
import { learningRate } from "../schedule.ts";
import { ScoreHeadFactory } from "../score_head.ts";
import { type SessionOptions, TrainingSession } from "../session.ts";
import { REWARD_FIELDS, type RewardConfig } from "./config.ts";
import { encodeSplit, pairBatch, type RewardData } from "./data.ts";
import { evaluatePairs } from "./evaluate.ts";
import { rewardStep } from "./step.ts";
import type { PairEncodingReport } from "../../prompt/preference.ts";

/** How to start a run. */
export interface RewardRunOptions extends SessionOptions {
  /** Stop after this optimizer step, as if killed right after its checkpoint (tests). */
  stopAfterStep?: number;
}

/** What a finished (or stopped) run reports. */
export interface RewardResult {
  outputDir: string;
  steps: number;
  totalSteps: number;
  trainReport: PairEncodingReport;
  history: MetricsRecord[];
}

/** TRL's per-step statistics, averaged over the logging window. */
const STATS = [
  "accuracy",
  "margin",
  "min_reward",
  "mean_reward",
  "max_reward",
] as const;

/**
 * Trains a reward model as configured on `data`; writes checkpoints,
 * metrics and the final weights (a SEQ_CLS adapter, or a full
 * sequence-classifier folder) to `outputDir`.
 */
export async function runReward(
  config: RewardConfig,
  data: RewardData,
  options: RewardRunOptions = {},
): Promise<RewardResult> {
  const head = new ScoreHeadFactory();
  const session = await TrainingSession.open(
    "reward",
    config,
    options,
    REWARD_FIELDS,
    { head },
  );
  try {
    const { tokenizer, lora, params, optimizer } = session;
    const classifier = head.classifier!;
    const encoding = {
      maxLength: config.maxLength,
      contextLength: session.model.config.maxPositionEmbeddings,
      eosToken: config.eosToken ?? undefined,
    };
    const train = encodeSplit("reward", tokenizer, data.train, encoding);
    const evalSet = data.eval
      ? encodeSplit("reward", tokenizer, data.eval, encoding)
      : null;
    const perStep = config.batchSize * config.gradientAccumulationSteps;
    const stepsPerEpoch = Math.max(1, Math.ceil(train.pairs.length / perStep));
    const totalSteps = config.maxSteps > 0
      ? config.maxSteps
      : Math.ceil(config.numTrainEpochs * stepsPerEpoch);
    const schedule = session.schedule(totalSteps);
    const sampler = session.sampler(train.pairs.length);
    // TRL's disable_dropout zeroes every dropout module, LoRA's included:
    // adapters left out of the step stay in eval mode (no dropout).
    const context = {
      classifier,
      params,
      optimizer,
      lora: config.disableDropout ? null : lora,
      maxGradNorm: config.maxGradNorm,
      centerCoefficient: config.centerRewardsCoefficient,
    };
    let step = session.startStep;
    // Counters carried across a resume, so metrics continue as one run.
    const carried = session.resumedExtra;
    let numTokens = Number(carried.numTokens ?? 0);
    let window: Window = {
      ...emptyWindow(),
      ...(carried.window as Partial<Window> | undefined),
    };
    let lastLoss = NaN;
    await session.begin();
    while (step < totalSteps) {
      const started = performance.now();
      const micro = Array.from(
        { length: config.gradientAccumulationSteps },
        () =>
          pairBatch(
            sampler.next(config.batchSize).map((i) => train.pairs[i]),
            tokenizer.padId,
          ),
      );
      const lr = learningRate(step, schedule);
      const result = rewardStep(
        context,
        micro,
        lr,
        step * config.gradientAccumulationSteps,
      );
      step++;
      numTokens += result.tokens;
      window.steps++;
      window.loss += result.loss;
      for (const k of STATS) window[k] += result.stats[k];
      const seconds = (performance.now() - started) / 1000;
      if (step % config.loggingSteps === 0 || step === totalSteps) {
        const mean = (x: number) => round(x / window.steps, 6);
        lastLoss = mean(window.loss);
        await session.emit({
          step,
          epoch: round((step * perStep) / train.pairs.length, 4),
          loss: mean(window.loss),
          ...Object.fromEntries(STATS.map((k) => [k, mean(window[k])])),
          num_tokens: numTokens,
          learning_rate: lr,
          grad_norm: round(result.gradNorm, 6),
          step_time: round(seconds, 3),
        });
        window = emptyWindow();
      }
      session.progress(step, totalSteps, { loss: lastLoss });
      const evalDue = evalSet &&
        ((config.evalSteps > 0 && step % config.evalSteps === 0) ||
          step === totalSteps);
      if (evalDue) {
        lora?.eval();
        const { metrics } = evaluatePairs(classifier, evalSet.pairs, {
          batchSize: config.evalBatchSize,
          padId: tokenizer.padId,
          centerCoefficient: config.centerRewardsCoefficient,
        });
        await session.emit({
          step,
          ...Object.fromEntries(
            Object.entries(metrics).map(([k, v]) => [`eval_${k}`, round(v, 6)]),
          ),
          eval_num_tokens: numTokens,
        });
      }
      const saveDue = (config.saveSteps > 0 && step % config.saveSteps === 0) ||
        step === totalSteps || step === options.stopAfterStep;
      await session.afterStep(step, totalSteps, sampler, saveDue, {
        numTokens,
        window,
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

/** Sums over the steps since the last metrics record. */
type Window =
  & { steps: number; loss: number }
  & Record<
    typeof STATS[number],
    number
  >;

function emptyWindow(): Window {
  return {
    steps: 0,
    loss: 0,
    accuracy: 0,
    margin: 0,
    min_reward: 0,
    mean_reward: 0,
    max_reward: 0,
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
