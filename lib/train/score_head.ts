/**
 * The score head of a reward model as a {@link HeadFactory} for
 * TrainingSession: `score.weight` [1, hidden] trained in full beside the
 * decoder (LoRA or full fine-tuning), in the optimizer state and every
 * checkpoint, saved as transformers and PEFT save a sequence classifier:
 *
 * - LoRA: a PEFT adapter with task_type SEQ_CLS, the head under
 *   `base_model.model.score.weight`, its parameter named so too;
 * - full: a `…ForSequenceClassification` folder (`score.weight`, no
 *   `lm_head`), its parameter named `score.weight`.
 *
 * Where the head starts: the checkpoint resumed, else init_adapter when it
 * is a SEQ_CLS adapter, else the model folder when it is a classifier
 * already, else fresh (normal(0, initializer_range), seeded by `seed`).
 *
 * ```ts
 * const head = new ScoreHeadFactory();
 * const session = await TrainingSession.open("reward", config, options, FIELDS, { head });
 * head.classifier!.scores(batch);
 * ```
 *
 * @module
 */
import {
  readScoreWeight,
  SCORE_WEIGHT,
  scoreVariable,
  SequenceClassifier,
} from "../model/sequence_classifier.ts";
import { PEFT_SCORE_KEY, readAdapter, saveAdapter } from "../peft/mod.ts";
import { deriveSeed } from "../util/random.ts";
import type { HeadContext, HeadFactory, TrainedHead } from "./session_parts.ts";

/** Makes the score head of a reward-model run and keeps the classifier it built. */
export class ScoreHeadFactory implements HeadFactory {
  /** The decoder with its head, once the session has opened. */
  classifier: SequenceClassifier | null = null;

  async create(context: HeadContext): Promise<TrainedHead> {
    const { model, lora, tokenizer, config } = context;
    const values = await startingValues(context);
    const classifier = values
      ? new SequenceClassifier(model, scoreVariable(values, true))
      : SequenceClassifier.create(model, {
        // Its own stream: LoRA's A matrices draw from `seed` itself.
        seed: deriveSeed(config.seed, 1),
      });
    this.classifier = classifier;
    return {
      params: [[lora ? PEFT_SCORE_KEY : SCORE_WEIGHT, classifier.score]],
      save: async (dir) => {
        if (lora) {
          await saveAdapter(dir, lora, {
            baseModel: config.model,
            score: classifier.score,
          });
        } else {
          await classifier.save(dir, tokenizer.padId);
        }
      },
      dispose: () => classifier.dispose(),
    };
  }
}

/** The head's saved values to start from, or null for a fresh head. */
async function startingValues(
  context: HeadContext,
): Promise<Float32Array | null> {
  const { from, lora, model, modelDir } = context;
  if (from && lora) {
    // A SEQ_CLS adapter carries its head; an SFT (CAUSAL_LM) one does not.
    const read = await readAdapter(from, model.config, {
      taskTypes: ["CAUSAL_LM", "SEQ_CLS"],
    });
    if (read.score) return read.score.data;
  } else if (from) {
    return await readScoreWeight(from, model.config);
  }
  // A classifier folder given as `model` continues with its own head.
  const archs = model.config.raw.architectures;
  const classifier = Array.isArray(archs) &&
    archs.some((a) => String(a).endsWith("ForSequenceClassification"));
  return classifier ? await readScoreWeight(modelDir, model.config) : null;
}
