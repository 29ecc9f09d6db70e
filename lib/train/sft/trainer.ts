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
import { tf } from "../../engine/mod.ts";
import type { CausalLM } from "../../model/decoder.ts";
import { saveModel } from "../../model/load.ts";
import { loadPretrained } from "../../model/pretrained.ts";
import {
  applyLora,
  loadAdapter,
  type LoraAdapters,
  saveAdapter,
} from "../../peft/mod.ts";
import type { MaskedTokens, Tokenizer } from "../../tokenizer/mod.ts";
import { readRows } from "../../data/read.ts";
import { Progress } from "../../util/progress.ts";
import {
  latestCheckpoint,
  readTrainerState,
  writeCheckpoint,
} from "../checkpoints.ts";
import { EpochSampler, type SamplerState } from "../data_order.ts";
import { causalLmLoss } from "../lm_loss.ts";
import { sftStep } from "./step.ts";
import { MetricsLog, type MetricsRecord } from "../metrics_log.ts";
import { AdamW, defaultDecayFilter } from "../optimizer.ts";
import { loadOptimizerState, saveOptimizerState } from "../optimizer_state.ts";
import { learningRate, type ScheduleOptions } from "../schedule.ts";
import { packExamples, padBatch } from "./batches.ts";
import type { SftConfig } from "./config.ts";
import {
  parseSftRows,
  tokenizeExamples,
  type TokenizeReport,
} from "./examples.ts";

/** How to start a run. */
export interface SftRunOptions {
  /** Continue from the newest checkpoint in the output folder (or this checkpoint folder). */
  resume?: boolean | string;
  /** Start over even if the output folder has checkpoints. */
  overwrite?: boolean;
  /** Stop after this optimizer step, as if killed right after its checkpoint (tests). */
  stopAfterStep?: number;
  /** Called with every metrics record (notebooks plot live from it). */
  onLog?: (record: MetricsRecord) => void;
  /** Show a progress line (default true). */
  progress?: boolean;
}

/** What a finished (or stopped) run reports. */
export interface SftResult {
  outputDir: string;
  steps: number;
  totalSteps: number;
  trainReport: TokenizeReport;
  history: MetricsRecord[];
}

const OPTIMIZER_FILE = "optimizer.safetensors";

/** Runs SFT as configured; writes checkpoints, metrics and the final weights to `outputDir`. */
export async function runSft(
  config: SftConfig,
  options: SftRunOptions = {},
): Promise<SftResult> {
  const out = config.outputDir;
  await Deno.mkdir(out, { recursive: true });
  const resumeFrom = await findResumePoint(config, options);

  // Full fine-tuning trains every weight, so none may live off the heap.
  const { model, tokenizer, dir: modelDir } = await loadPretrained(
    config.model,
    config.lora ? {} : { trainable: true, offload: "none" },
  );
  if (!tokenizer) {
    throw new Error(
      `${modelDir}: no tokenizer files (tokenizer.json, tokenizer_config.json); SFT needs the chat template`,
    );
  }
  model.gradientCheckpointing = config.gradientCheckpointing;
  const train = await loadSplit(config.trainData, tokenizer, config);
  const evalSet = config.evalData
    ? await loadSplit(config.evalData, tokenizer, config)
    : null;

  let lora: LoraAdapters | null = null;
  if (config.lora) {
    lora = resumeFrom
      ? await loadAdapter(resumeFrom.dir, model, { seed: config.seed })
      : applyLora(model, { ...config.lora, init: "default" }, {
        seed: config.seed,
      });
    console.error(`[sft] ${lora.summary()}`);
  } else {
    if (resumeFrom) await loadFullWeights(model, resumeFrom.dir);
  }
  const params: [string, tf.Variable][] = lora
    ? lora.parameters()
    : model.namedWeights();

  const perStep = config.batchSize * config.gradientAccumulationSteps;
  const stepsPerEpoch = Math.max(1, Math.ceil(train.tokens.length / perStep));
  const totalSteps = config.maxSteps > 0
    ? config.maxSteps
    : Math.ceil(config.numTrainEpochs * stepsPerEpoch);
  const schedule: ScheduleOptions = {
    name: config.schedule,
    peakLr: config.learningRate,
    totalSteps,
    warmupSteps: config.warmupSteps > 0
      ? config.warmupSteps
      : Math.ceil(config.warmupRatio * totalSteps),
  };
  const optimizer = new AdamW(params, {
    lr: config.learningRate,
    beta1: config.adamBeta1,
    beta2: config.adamBeta2,
    eps: config.adamEpsilon,
    weightDecay: config.weightDecay,
    decayFilter: defaultDecayFilter,
  });
  let sampler = new EpochSampler(train.tokens.length, config.seed, {
    shuffle: true,
  });
  let step = 0;
  if (resumeFrom) {
    const state = await readTrainerState(resumeFrom.dir);
    step = state.globalStep;
    sampler = EpochSampler.fromState(
      state.sampler as SamplerState,
      train.tokens.length,
    );
    optimizer.loadState(
      await loadOptimizerState(`${resumeFrom.dir}/${OPTIMIZER_FILE}`),
    );
    console.error(`[sft] resuming from ${resumeFrom.dir} at step ${step}`);
  }

  const log = await MetricsLog.open(
    `${out}/metrics.jsonl`,
    resumeFrom ? step : -1,
  );
  const history: MetricsRecord[] = [];
  const emit = async (record: MetricsRecord) => {
    history.push(record);
    await log.append(record);
    options.onLog?.(record);
  };
  const bar = options.progress === false
    ? null
    : new Progress("sft", totalSteps, {
      unit: "step",
    });
  const saveState = async () => {
    await writeCheckpoint(out, {
      globalStep: step,
      sampler: sampler.state(),
      extra: {},
    }, async (dir) => {
      if (lora) await saveAdapter(dir, lora, { baseModel: config.model });
      else await saveModel(model, dir);
      await saveOptimizerState(`${dir}/${OPTIMIZER_FILE}`, optimizer.state());
    }, config.saveTotalLimit);
  };

  let windowLoss = 0, windowTokens = 0, numTokens = 0;
  const stepContext = {
    model,
    lora,
    params,
    optimizer,
    maxGradNorm: config.maxGradNorm,
  };
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
      stepContext,
      batches,
      lr,
      step * config.gradientAccumulationSteps,
    );
    const norm = result.gradNorm;
    const stepTokens = result.tokens;
    step++;
    numTokens += stepTokens;
    windowLoss += result.loss * result.targets;
    windowTokens += result.targets;
    const seconds = (performance.now() - started) / 1000;
    if (step % config.loggingSteps === 0 || step === totalSteps) {
      await emit({
        step,
        epoch: round((step * perStep) / train.tokens.length, 4),
        loss: round(windowLoss / windowTokens, 6),
        learning_rate: lr,
        grad_norm: round(norm, 6),
        num_tokens: numTokens,
        tokens_per_s: Math.round(stepTokens / seconds),
        step_time: round(seconds, 3),
      });
      windowLoss = windowTokens = 0;
    }
    const evalDue = evalSet &&
      ((config.evalSteps > 0 && step % config.evalSteps === 0) ||
        step === totalSteps);
    if (evalDue) {
      lora?.eval();
      await emit({
        step,
        eval_loss: round(
          evaluate(model, evalSet!.tokens, config, tokenizer.padId),
          6,
        ),
      });
    }
    bar?.update(step, {
      loss: history.findLast((r) => "loss" in r)?.loss ?? NaN,
    });
    const saveDue = (config.saveSteps > 0 && step % config.saveSteps === 0) ||
      step === totalSteps || step === options.stopAfterStep;
    if (saveDue) await saveState();
    if (step === options.stopAfterStep) break;
  }
  if (step === totalSteps) {
    if (lora) await saveAdapter(out, lora, { baseModel: config.model });
    else await saveModel(model, out);
    await copyTokenizer(modelDir, out);
  }
  optimizer.dispose();
  lora?.remove();
  model.dispose();
  return {
    outputDir: out,
    steps: step,
    totalSteps,
    trainReport: train.report,
    history,
  };
}

/** Token-weighted mean loss over a dataset, without gradients or dropout. */
export function evaluate(
  model: CausalLM,
  examples: readonly MaskedTokens[],
  config: Pick<SftConfig, "evalBatchSize">,
  padId: number,
): number {
  let sum = 0, tokens = 0;
  for (let start = 0; start < examples.length; start += config.evalBatchSize) {
    const batch = padBatch(
      examples.slice(start, start + config.evalBatchSize),
      padId,
    );
    const r = causalLmLoss(model, batch);
    sum += r.loss.dataSync()[0] * r.tokens;
    tokens += r.tokens;
    r.loss.dispose();
  }
  return sum / tokens;
}

async function loadSplit(
  path: string,
  tokenizer: Tokenizer,
  config: SftConfig,
) {
  const rows = await readRows(path);
  const examples = parseSftRows(rows, path);
  const { tokens, report } = tokenizeExamples(
    tokenizer,
    examples,
    config.maxLength,
  );
  if (report.truncated > 0 || report.dropped > 0) {
    console.error(
      `[sft] ${path}: ${report.truncated} of ${report.examples} examples truncated to ${config.maxLength} tokens, ${report.dropped} dropped (no trained token left)`,
    );
  }
  if (tokens.length === 0) throw new Error(`${path}: no usable examples`);
  return {
    tokens: config.packing
      ? packExamples(tokens, config.maxLength).map((p) => ({ ...p, text: "" }))
      : tokens,
    report,
  };
}

async function findResumePoint(config: SftConfig, options: SftRunOptions) {
  const latest = await latestCheckpoint(config.outputDir);
  if (typeof options.resume === "string") {
    const state = await readTrainerState(options.resume);
    return { dir: options.resume, step: state.globalStep };
  }
  if (options.resume) {
    if (!latest) {
      throw new Error(
        `--resume: no checkpoint-<step> folder with trainer_state.json in ${config.outputDir}`,
      );
    }
    return latest;
  }
  if (latest && !options.overwrite) {
    throw new Error(
      `${config.outputDir} already has checkpoints (newest: ${latest.dir}); pass --resume to continue or --overwrite to start over`,
    );
  }
  return null;
}

async function loadFullWeights(model: CausalLM, dir: string): Promise<void> {
  const { model: saved } = await loadPretrained(dir, { offload: "none" });
  for (const [name, v] of model.namedWeights()) {
    v.assign(saved.weights.get(name)!);
  }
  saved.dispose();
}

async function copyTokenizer(from: string, to: string): Promise<void> {
  for (
    const file of [
      "tokenizer.json",
      "tokenizer_config.json",
      "special_tokens_map.json",
      "chat_template.jinja",
    ]
  ) {
    try {
      await Deno.copyFile(`${from}/${file}`, `${to}/${file}`);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
