/**
 * What every trainer does around its steps: claim the output folder
 * (run_folder.ts: lock, resume checks, signals), load the model (4-bit for
 * QLoRA) and tokenizer, attach LoRA or train every weight, build AdamW and
 * the schedule, resume (weights, optimizer moments, data order, step,
 * counters), log metrics (and report them where report_to says,
 * report_to.ts), write checkpoints and the final weights. A
 * trainer opens the session, checks its data, calls `begin()` (the first
 * write to the folder) and ends each optimizer step with `afterStep()`,
 * which checkpoints when due and stops cleanly on SIGINT/SIGTERM.
 *
 * A trainer whose model has a head of its own (the reward model's score,
 * score_head.ts) passes a {@link HeadFactory} as `head`: the decoder loads
 * without its LM head, and the head's parameters join the optimizer, the
 * checkpoints and the saved weights. A second model trained beside the
 * policy (PPO's value model) is a `companion`: its parameters follow the
 * policy's in the one optimizer, and it saves itself into every checkpoint
 * and the final folder next to the policy's weights.
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
import type { FieldTable } from "../util/config_fields.ts";
import { InputError } from "../util/errors.ts";
import { signalExitCode, signalsDelivered } from "../util/interrupts.ts";
import { Progress } from "../util/progress.ts";
import { writeCheckpoint } from "./checkpoints.ts";
import { EpochSampler, type SamplerState } from "./data_order.ts";
import type { MetricsLog, MetricsRecord } from "./metrics_log.ts";
import { AdamW, defaultDecayFilter } from "./optimizer.ts";
import { loadOptimizerState, saveOptimizerState } from "./optimizer_state.ts";
import { type Reporter, reportingPlan, startReporting } from "./report_to.ts";
import { quantizationOf } from "./run_config.ts";
import { copyTokenizer, loadFullWeights } from "./full_weights.ts";
import { RunFolder, type StartOptions } from "./run_folder.ts";
import { runRecord } from "./run_record.ts";
import type { ScheduleOptions } from "./schedule.ts";
import type { WandbEnv } from "./wandb/settings.ts";

import type {
  SessionConfig,
  SessionParts,
  TrainedHead,
} from "./session_parts.ts";

/** How to start (`resume`, `overwrite`: see run_folder.ts). */
export interface SessionOptions extends StartOptions {
  /** Called with every metrics record (notebooks plot live from it). */
  onLog?: (record: MetricsRecord) => void;
  progress?: boolean; // a progress line (default true)
  /** report_to's variables instead of the environment and .env (tests). */
  reportEnv?: WandbEnv;
}

const OPTIMIZER_FILE = "optimizer.safetensors";
/** A training run's model, optimizer, logs and checkpoints. */
export class TrainingSession {
  /** Metrics records of this process (after resume: only the new ones). */
  readonly history: MetricsRecord[] = [];
  #checkpointFiles: ((dir: string) => Promise<void>)[] = [];
  /** The progress line, and when this run's steps began (begin()). */
  #bar: Progress | null = null;
  #began = 0;
  #log: MetricsLog | null = null;
  /** Where metrics also go (report_to); whether the final weights are written. */
  #reporter: Reporter | null = null;
  #done = false;

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
    private readonly folder: RunFolder,
    private readonly head: TrainedHead | null,
    private readonly companion: TrainedHead | null,
  ) {}

  /**
   * Claims the output folder and loads everything; `name` prefixes console
   * lines ("sft", "grpo"), `fields` is the trainer's config table (its
   * fields are recorded in every checkpoint and checked on resume), `parts`
   * what is trained besides the decoder ({@link SessionParts}).
   */
  static async open(
    name: string,
    config: SessionConfig,
    options: SessionOptions,
    fields: FieldTable,
    parts: SessionParts = {},
  ): Promise<TrainingSession> {
    // Before any model loads: report_to wandb without a key is one line.
    reportingPlan(config, options.reportEnv);
    const record = await runRecord(name, config, fields);
    const folder = await RunFolder.claim(
      name,
      config.outputDir,
      options,
      record,
    );
    try {
      return await TrainingSession.#load(name, config, options, folder, parts);
    } catch (error) {
      folder.release();
      throw error;
    }
  }

  static async #load(
    name: string,
    config: SessionConfig,
    options: SessionOptions,
    folder: RunFolder,
    parts: SessionParts,
  ): Promise<TrainingSession> {
    const { head, companion } = parts;
    const resumeFrom = folder.resumeFrom;
    // Full fine-tuning trains every weight, so none may live off the heap.
    const { model, tokenizer, dir } = await loadPretrained(config.model, {
      ...(config.lora ? {} : { trainable: true, offload: "none" as const }),
      ...(head ? { head: "score" as const } : {}),
      quantization: quantizationOf(config),
    });
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
        ? await loadAdapter(adapterDir, model, {
          seed: config.seed,
          // A head's run saves SEQ_CLS adapters, and may start from an SFT one.
          taskTypes: head ? ["CAUSAL_LM", "SEQ_CLS"] : ["CAUSAL_LM"],
        })
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
    let trained: TrainedHead | null = null, partner: TrainedHead | null = null;
    try {
      const context = { model, lora, tokenizer, modelDir: dir, config };
      trained = head
        ? await head.create({ ...context, from: adapterDir ?? null })
        : null;
      partner = companion
        ? await companion.create({ ...context, from: resumeFrom?.dir ?? null })
        : null;
    } catch (error) {
      trained?.dispose();
      lora?.remove();
      model.dispose();
      throw error;
    }
    const params = [
      ...(lora ? lora.parameters() : model.namedWeights()),
      ...(trained?.params ?? []),
      ...(partner?.params ?? []),
    ];
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
      resumeFrom && { dir: resumeFrom.dir, step: resumeFrom.step },
      folder,
      trained,
      partner,
    );
  }

  /** The optimizer step to start from (0, or the checkpoint's). */
  get startStep(): number {
    return this.resumeFrom?.step ?? 0;
  }

  /** What the trainer kept in the checkpoint resumed from (counters), or {}. */
  get resumedExtra(): Record<string, unknown> {
    return this.folder.resumeFrom?.state.extra ?? {};
  }

  /** A seeded sampler over `size` items, at the checkpoint's position when resuming. */
  sampler(size: number): EpochSampler {
    const from = this.folder.resumeFrom;
    if (!from) {
      return new EpochSampler(size, this.config.seed, { shuffle: true });
    }
    return EpochSampler.fromState(from.state.sampler as SamplerState, size);
  }

  /**
   * Starts writing to the output folder, once the trainer has checked its
   * data: a run refused before this leaves the folder as it found it.
   */
  async begin(): Promise<void> {
    this.#log = await this.folder.begin();
    this.#reporter = await startReporting(
      this.name,
      reportingPlan(this.config, this.options.reportEnv),
      this.folder.record,
      this.#log.path,
    );
    this.#began = performance.now();
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

  /** Appends a metrics record to metrics.jsonl, reports it and tells the listener. */
  async emit(record: MetricsRecord): Promise<void> {
    if (!this.#log) throw new Error("TrainingSession.emit before begin()");
    this.history.push(record);
    await this.#log.append(record);
    this.#reporter?.log(record);
    this.options.onLog?.(record);
  }

  /** Redraws the progress line (its rate: this run's steps since begin()). */
  progress(step: number, total: number, metrics: Record<string, number>) {
    if (this.options.progress === false) return;
    const since = { time: this.#began, done: this.startStep };
    this.#bar ??= new Progress(this.name, total, { unit: "step", since });
    this.#bar.update(step, metrics);
  }

  /**
   * Has every checkpoint from now on also hold a file of the trainer's own
   * (`write(dir)` writes it into the folder being filled): state that is
   * neither weights, optimizer nor counters, such as DPO's precomputed
   * reference log-probs.
   */
  alsoCheckpoint(write: (dir: string) => Promise<void>): void {
    this.#checkpointFiles.push(write);
  }

  /**
   * Writes `checkpoint-<step>` with weights, optimizer state, data order,
   * the trainer's `extra` counters, its own files and the run's settings.
   */
  async checkpoint(
    step: number,
    sampler: EpochSampler,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    await writeCheckpoint(this.config.outputDir, {
      globalStep: step,
      sampler: sampler.state(),
      extra,
      config: this.folder.record,
    }, async (dir) => {
      await this.saveWeights(dir);
      await saveOptimizerState(
        `${dir}/${OPTIMIZER_FILE}`,
        this.optimizer.state(),
      );
      for (const write of this.#checkpointFiles) await write(dir);
    }, this.config.saveTotalLimit);
  }

  /**
   * Ends optimizer step `step` of `total`: checkpoints when `due`, and when
   * SIGINT or SIGTERM came, checkpoints (if not just done) and throws the
   * Interrupted error that says how to resume. Call it only where a
   * resume continues exactly (GRPO: after a generation batch's updates).
   */
  async afterStep(
    step: number,
    total: number,
    sampler: EpochSampler,
    due: boolean,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    await signalsDelivered();
    const stop = this.folder.signal !== null && step < total;
    if (due || stop) await this.checkpoint(step, sampler, extra);
    if (stop) {
      throw this.folder.interruption(
        `after step ${step} of ${total} (saved ${this.config.outputDir}/checkpoint-${step})`,
      );
    }
  }

  /**
   * Writes the trained weights (PEFT adapter, or the full model with its
   * tokenizer), and the companion's.
   */
  async saveWeights(dir: string): Promise<void> {
    await this.#writeWeights(dir);
    // The final weights mark a finished run (for report_to's exit code).
    if (dir === this.config.outputDir) this.#done = true;
  }

  async #writeWeights(dir: string): Promise<void> {
    await this.companion?.save(dir);
    if (this.head) {
      await this.head.save(dir);
      if (!this.lora) await copyTokenizer(this.modelDir, dir);
      return;
    }
    if (this.lora) {
      await saveAdapter(dir, this.lora, { baseModel: this.config.model });
      return;
    }
    await saveModel(this.model, dir);
    await copyTokenizer(this.modelDir, dir);
  }

  /**
   * Frees the optimizer, adapters and model, releases the output folder and
   * ends the report_to run: finished once the final weights are written,
   * else failed (with the signal's exit status when one stopped the run).
   */
  async dispose(): Promise<void> {
    this.optimizer.dispose();
    this.companion?.dispose();
    this.head?.dispose();
    this.lora?.remove();
    this.model.dispose();
    this.folder.release();
    const signal = this.folder.signal;
    await this.#reporter?.finish(
      this.#done ? 0 : signal ? signalExitCode(signal) : 1,
    );
    this.#reporter = null;
  }
}
