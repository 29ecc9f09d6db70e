/**
 * The shapes a trainer hands a {@link TrainingSession} (session.ts): the
 * settings it reads, and what is trained besides the decoder — a head of
 * the decoder (the reward model's score, score_head.ts) or a companion
 * model (PPO's value model), each made by a {@link HeadFactory} once the
 * decoder and any LoRA are loaded.
 *
 * @module
 */
import type { tf } from "../engine/mod.ts";
import type { CausalLM } from "../model/decoder.ts";
import type { LoraAdapters } from "../peft/mod.ts";
import type { Tokenizer } from "../tokenizer/mod.ts";
import type { TrainingRunConfig } from "./run_config.ts";

/** The settings a session reads from a trainer's config. */
export type SessionConfig = Omit<
  TrainingRunConfig,
  "trainData" | "batchSize" | "gradientAccumulationSteps" | "loggingSteps"
>;

/** A head trained with the decoder, made by a {@link HeadFactory}. */
export interface TrainedHead {
  /** Its parameters by name; they follow the decoder's in the optimizer. */
  readonly params: [string, tf.Variable][];
  /** Writes the run's trained weights (decoder or adapter, and the head) to `dir`. */
  save(dir: string): Promise<void>;
  /** Frees the head's variables. */
  dispose(): void;
}

/** What a head is made from, once the decoder (and any LoRA) is loaded. */
export interface HeadContext {
  model: CausalLM;
  lora: LoraAdapters | null;
  tokenizer: Tokenizer;
  /** The folder the model was loaded from. */
  modelDir: string;
  /** The weights to continue from: the checkpoint resumed, else init_adapter; null: fresh. */
  from: string | null;
  config: SessionConfig;
}

/** Makes a trainer's head or companion (see the module doc). */
export interface HeadFactory {
  create(context: HeadContext): Promise<TrainedHead>;
}

/**
 * What a trainer trains besides the decoder: a head
 * of the decoder, or a companion model whose `save` writes beside the
 * policy's weights (`create` gets the checkpoint resumed from as `from`).
 */
export interface SessionParts {
  head?: HeadFactory;
  companion?: HeadFactory;
}
