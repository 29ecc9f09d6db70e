/**
 * What every trainer (SFT, GRPO) does around its steps: load the model and
 * tokenizer, attach LoRA or make every weight trainable, build AdamW and the
 * schedule, resume from a checkpoint (weights, optimizer moments, data
 * order, step), log metrics, write checkpoints and the final weights.
 *
 * @module
 */
import type { tf } from "../engine/mod.ts";
import type { CausalLM } from "../model/decoder.ts";
import { saveModel } from "../model/load.ts";
import { loadPretrained } from "../model/pretrained.ts";
import {
  applyLora,
  loadAdapter,
  type LoraAdapters,
  saveAdapter,
} from "../peft/mod.ts";
import type { Tokenizer } from "../tokenizer/mod.ts";
import { InputError } from "../util/errors.ts";
import { Progress } from "../util/progress.ts";
import {
  latestCheckpoint,
  readTrainerState,
  writeCheckpoint,
} from "./checkpoints.ts";
import { EpochSampler, type SamplerState } from "./data_order.ts";
import { MetricsLog, type MetricsRecord } from "./metrics_log.ts";
import { AdamW, defaultDecayFilter } from "./optimizer.ts";
import { loadOptimizerState, saveOptimizerState } from "./optimizer_state.ts";
import type { TrainingRunConfig } from "./run_config.ts";
import type { ScheduleOptions } from "./schedule.ts";

/** The settings a session reads from a trainer's config. */
export type SessionConfig = Omit<
  TrainingRunConfig,
  "trainData" | "batchSize" | "gradientAccumulationSteps" | "loggingSteps"
>;

/** How to start. */
export interface SessionOptions {
  /** Continue from the newest checkpoint in the output folder (or this checkpoint folder). */
  resume?: boolean | string;
  /** Start over even if the output folder has checkpoints. */
  overwrite?: boolean;
  /** Called with every metrics record (notebooks plot live from it). */
  onLog?: (record: MetricsRecord) => void;
  /** Show a progress line (default true). */
  progress?: boolean;
}

const OPTIMIZER_FILE = "optimizer.safetensors";

/** A training run's model, optimizer, logs and checkpoints. */
export class TrainingSession {
  /** Metrics records of this process (after resume: only the new ones). */
  readonly history: MetricsRecord[] = [];
  #bar: Progress | null = null;

  private constructor(
    readonly name: string,
    readonly config: SessionConfig,
    readonly options: SessionOptions,
    readonly model: CausalLM,
    readonly tokenizer: Tokenizer,
    readonly modelDir: string,
    readonly lora: LoraAdapters | null,
    readonly params: [string, tf.Variable][],
    readonly optimizer: AdamW,
    readonly resumeFrom: { dir: string; step: number } | null,
    private readonly log: MetricsLog,
  ) {}

  /** Loads everything; `name` prefixes console lines ("sft", "grpo"). */
  static async open(
    name: string,
    config: SessionConfig,
    options: SessionOptions = {},
  ): Promise<TrainingSession> {
    await Deno.mkdir(config.outputDir, { recursive: true });
    const resumeFrom = await resumePoint(config.outputDir, options);
    // Full fine-tuning trains every weight, so none may live off the heap.
    const { model, tokenizer, dir } = await loadPretrained(
      config.model,
      config.lora ? {} : { trainable: true, offload: "none" },
    );
    if (!tokenizer) {
      model.dispose();
      throw new Error(
        `${dir}: no tokenizer files (tokenizer.json, tokenizer_config.json); training needs the tokenizer and chat template`,
      );
    }
    model.recomputeLayers = config.gradientCheckpointing;
    let lora: LoraAdapters | null = null;
    const adapterDir = resumeFrom?.dir ?? config.initAdapter;
    if (config.initAdapter && !config.lora) {
      model.dispose();
      throw new Error(
        `init_adapter ${config.initAdapter} needs a "lora" section (the adapter continues training as LoRA)`,
      );
    }
    if (config.lora) {
      lora = adapterDir
        ? await loadAdapter(adapterDir, model, { seed: config.seed })
        : applyLora(model, { ...config.lora, init: "default" }, {
          seed: config.seed,
        });
      if (config.initAdapter && !resumeFrom) {
        console.error(`[${name}] starting from adapter ${config.initAdapter}`);
      }
      console.error(`[${name}] ${lora.summary()}`);
    } else if (resumeFrom) {
      await loadFullWeights(model, resumeFrom.dir);
    }
    const params = lora ? lora.parameters() : model.namedWeights();
    const optimizer = new AdamW(params, {
      lr: config.learningRate,
      beta1: config.adamBeta1,
      beta2: config.adamBeta2,
      eps: config.adamEpsilon,
      weightDecay: config.weightDecay,
      decayFilter: defaultDecayFilter,
    });
    if (resumeFrom) {
      optimizer.loadState(
        await loadOptimizerState(`${resumeFrom.dir}/${OPTIMIZER_FILE}`),
      );
      console.error(
        `[${name}] resuming from ${resumeFrom.dir} at step ${resumeFrom.step}`,
      );
    }
    const log = await MetricsLog.open(
      `${config.outputDir}/metrics.jsonl`,
      resumeFrom ? resumeFrom.step : -1,
    );
    return new TrainingSession(
      name,
      config,
      options,
      model,
      tokenizer,
      dir,
      lora,
      params,
      optimizer,
      resumeFrom,
      log,
    );
  }

  /** The optimizer step to start from (0, or the checkpoint's). */
  get startStep(): number {
    return this.resumeFrom?.step ?? 0;
  }

  /** A seeded sampler over `size` items, at the checkpoint's position when resuming. */
  async sampler(size: number): Promise<EpochSampler> {
    if (!this.resumeFrom) {
      return new EpochSampler(size, this.config.seed, { shuffle: true });
    }
    const state = await readTrainerState(this.resumeFrom.dir);
    return EpochSampler.fromState(state.sampler as SamplerState, size);
  }

  /** The learning-rate schedule over `totalSteps`. */
  schedule(totalSteps: number): ScheduleOptions {
    const c = this.config;
    // max_steps is checked with the config; an epoch-based total only now.
    if (c.warmupSteps > totalSteps) {
      throw new InputError(
        `warmup_steps (${c.warmupSteps}) must be at most the run's ${totalSteps} optimizer steps`,
      );
    }
    return {
      name: c.schedule,
      peakLr: c.learningRate,
      totalSteps,
      warmupSteps: c.warmupSteps > 0
        ? c.warmupSteps
        : Math.ceil(c.warmupRatio * totalSteps),
    };
  }

  /** Appends a metrics record to metrics.jsonl and tells the listener. */
  async emit(record: MetricsRecord): Promise<void> {
    this.history.push(record);
    await this.log.append(record);
    this.options.onLog?.(record);
  }

  /** Redraws the progress line. */
  progress(step: number, total: number, metrics: Record<string, number>) {
    if (this.options.progress === false) return;
    this.#bar ??= new Progress(this.name, total, { unit: "step" });
    this.#bar.update(step, metrics);
  }

  /** Writes `checkpoint-<step>` with weights, optimizer state and data order. */
  async checkpoint(step: number, sampler: EpochSampler): Promise<void> {
    await writeCheckpoint(this.config.outputDir, {
      globalStep: step,
      sampler: sampler.state(),
      extra: {},
    }, async (dir) => {
      await this.saveWeights(dir);
      await saveOptimizerState(
        `${dir}/${OPTIMIZER_FILE}`,
        this.optimizer.state(),
      );
    }, this.config.saveTotalLimit);
  }

  /** Writes the trained weights (PEFT adapter, or the full model with its tokenizer). */
  async saveWeights(dir: string): Promise<void> {
    if (this.lora) {
      await saveAdapter(dir, this.lora, { baseModel: this.config.model });
      return;
    }
    await saveModel(this.model, dir);
    await copyTokenizer(this.modelDir, dir);
  }

  /** Frees the optimizer, adapters and model. */
  dispose(): void {
    this.optimizer.dispose();
    this.lora?.remove();
    this.model.dispose();
  }
}

/** Which checkpoint to resume from, or null for a fresh run (refusing to clobber one). */
export async function resumePoint(
  outputDir: string,
  options: Pick<SessionOptions, "resume" | "overwrite">,
): Promise<{ dir: string; step: number } | null> {
  if (typeof options.resume === "string") {
    const state = await readTrainerState(options.resume);
    return { dir: options.resume, step: state.globalStep };
  }
  const latest = await latestCheckpoint(outputDir);
  if (options.resume) {
    if (!latest) {
      throw new Error(
        `--resume: no checkpoint-<step> folder with trainer_state.json in ${outputDir}`,
      );
    }
    return latest;
  }
  if (latest && !options.overwrite) {
    throw new Error(
      `${outputDir} already has checkpoints (newest: ${latest.dir}); pass --resume to continue or --overwrite to start over`,
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
