/**
 * PPO's value model V: a decoder with a scalar score head read at every
 * position (`SequenceClassifier.tokenScores`), trained beside the policy in
 * the one optimizer, as TRL's separate `value_model` (alignment.md §4).
 *
 * Where it starts, first match:
 *
 * | case                           | backbone and head                                          |
 * | ------------------------------ | ---------------------------------------------------------- |
 * | `--resume`                     | the checkpoint's `value_model/` folder                     |
 * | `value_model_path` (TRL's way) | that reward model: a SEQ_CLS adapter continues training; a full folder gets a fresh LoRA (with `lora`) or trains in full |
 * | neither                        | the policy's backbone (`model`, plus `init_adapter`) with a fresh score head |
 *
 * Saved into the run's folder and every checkpoint as `value_model/`: a
 * PEFT SEQ_CLS adapter when LoRA-trained (base: its backbone's folder),
 * else a full `…ForSequenceClassification` folder. The value model reads
 * the policy's token ids, so its tokenizer must be the policy's.
 *
 * @module
 */
import type { tf } from "../../engine/mod.ts";
import type { CausalLM } from "../../model/decoder.ts";
import { loadPretrained } from "../../model/pretrained.ts";
import {
  readScoreWeight,
  scoreVariable,
  SequenceClassifier,
} from "../../model/sequence_classifier.ts";
import {
  ADAPTER_CONFIG_FILE,
  applyLora,
  attachAdapter,
  type LoraAdapters,
  readAdapter,
  saveAdapter,
} from "../../peft/mod.ts";
import { tokenizerDifference } from "../../rewards/reward_model.ts";
import { errorKind, InputError } from "../../util/errors.ts";
import { deriveSeed } from "../../util/random.ts";
import type {
  HeadContext,
  HeadFactory,
  TrainedHead,
} from "../session_parts.ts";

/** The folder a value model is saved in, inside a run or checkpoint folder. */
export const VALUE_MODEL_DIR = "value_model";
/** The prefix of the value model's parameter names in the shared optimizer. */
const PREFIX = "value_model.";

/** Makes the value model of a PPO run (see the module doc) and keeps it. */
export class ValueModelFactory implements HeadFactory {
  /** The value model, once the session has opened. */
  classifier: SequenceClassifier | null = null;
  /** One line for the log: where the value model started. */
  description = "";

  constructor(private readonly valueModelPath: string | null) {}

  async create(context: HeadContext): Promise<TrainedHead> {
    const resumed = context.from ? `${context.from}/${VALUE_MODEL_DIR}` : null;
    const built = await this.#build(context, resumed);
    const { classifier, lora, backbone } = built;
    this.classifier = classifier;
    const params: [string, tf.Variable][] = [
      ...(lora ? lora.parameters() : classifier.model.namedWeights()),
      ["score.weight", classifier.score],
    ];
    return {
      params: params.map(([name, v]) => [PREFIX + name, v]),
      save: async (dir) => {
        const out = `${dir}/${VALUE_MODEL_DIR}`;
        if (lora) {
          await saveAdapter(out, lora, {
            baseModel: backbone,
            score: classifier.score,
          });
        } else {
          await classifier.save(out, context.tokenizer.padId);
        }
      },
      dispose: () => {
        classifier.dispose();
        lora?.remove();
        classifier.model.dispose();
      },
    };
  }

  async #build(context: HeadContext, resumed: string | null): Promise<Built> {
    const from = resumed ?? this.valueModelPath;
    const what = resumed
      ? `the checkpoint's value model ${resumed}`
      : this.valueModelPath
      ? `the reward model ${this.valueModelPath}`
      : `the policy's backbone ${context.config.model}${
        context.config.initAdapter ? ` with ${context.config.initAdapter}` : ""
      }, fresh score head`;
    this.description = what;
    try {
      return from ? await fromFolder(from, context) : await fromPolicy(context);
    } catch (error) {
      if (errorKind(error) === "bug") throw error;
      const field = resumed ? "--resume" : "value_model_path";
      throw new InputError(
        `${field} (${
          from ?? context.config.model
        }): cannot start the value model from ${what}: ${
          (error as Error).message
        }`,
      );
    }
  }
}

/** A value model and where its backbone came from. */
interface Built {
  classifier: SequenceClassifier;
  lora: LoraAdapters | null;
  /** The backbone's folder or hub id (an adapter's base). */
  backbone: string;
}

/** A backbone loaded for training: in full (on the heap) or frozen under LoRA. */
async function backboneOf(source: string, full: boolean) {
  return await loadPretrained(source, {
    head: "score",
    ...(full ? { trainable: true, offload: "none" as const } : {}),
  });
}

async function fromPolicy(context: HeadContext): Promise<Built> {
  const { config } = context;
  const { model } = await backboneOf(config.model, !config.lora);
  try {
    model.recomputeLayers = config.gradientCheckpointing;
    const lora = config.initAdapter
      ? attachAdapter(
        model,
        await readAdapter(config.initAdapter, model.config, {
          taskTypes: ["CAUSAL_LM", "SEQ_CLS"],
        }),
        { seed: config.seed },
      )
      : freshLora(model, context);
    const classifier = SequenceClassifier.create(model, {
      seed: deriveSeed(config.seed, 2),
    });
    return { classifier, lora, backbone: config.model };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

async function fromFolder(dir: string, context: HeadContext): Promise<Built> {
  const adapter = await Deno.stat(`${dir}/${ADAPTER_CONFIG_FILE}`).then(
    (s) => s.isFile,
    () => false,
  );
  const backbone = adapter ? await adapterBase(dir) : dir;
  const { model, tokenizer } = await backboneOf(
    backbone,
    !adapter && !context.config.lora,
  );
  try {
    model.recomputeLayers = context.config.gradientCheckpointing;
    const differs = tokenizer &&
      tokenizerDifference(tokenizer, context.tokenizer);
    if (differs) {
      throw new InputError(
        `its tokenizer differs from the policy's in ${differs}; the value model reads the policy's token ids`,
      );
    }
    let lora: LoraAdapters | null = null;
    let score: Float32Array;
    if (adapter) {
      const read = await readAdapter(dir, model.config, {
        taskTypes: ["SEQ_CLS"],
      });
      lora = attachAdapter(model, read, { seed: context.config.seed });
      score = read.score!.data;
    } else {
      score = await readScoreWeight(dir, model.config);
      lora = freshLora(model, context);
    }
    const classifier = new SequenceClassifier(
      model,
      scoreVariable(score, true),
    );
    return { classifier, lora, backbone };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

function freshLora(model: CausalLM, context: HeadContext) {
  const { lora, seed } = context.config;
  // Its own stream: the policy's LoRA draws from `seed` itself.
  return lora
    ? applyLora(model, { ...lora, init: "default" }, {
      seed: deriveSeed(seed, 3),
    })
    : null;
}

async function adapterBase(dir: string): Promise<string> {
  const path = `${dir}/${ADAPTER_CONFIG_FILE}`;
  const base = JSON.parse(await Deno.readTextFile(path))
    .base_model_name_or_path;
  if (typeof base !== "string" || !base) {
    throw new InputError(
      `${path}: field "base_model_name_or_path" is not set, so the value model's backbone is unknown`,
    );
  }
  return base;
}
