/**
 * A reward model in transformers' shape: the decoder (CausalLM's forward,
 * never its LM head) with a scalar `score` head — Linear(hidden, 1, no
 * bias), `score.weight` [1, hidden] — read at one position per sequence.
 *
 * ```
 * hidden = model.forward(ids)            [B, T, D]
 * h_b    = hidden[b, last attended t]    [B, D]
 * r_b    = h_b · scoreᵀ                  [B]
 * ```
 *
 * **Pooling.** transformers (`GenericForSequenceClassification`) reads the
 * rightmost position whose id is not `pad_token_id`. Here the position is
 * the last *attended* one (the attention mask, i.e. each row's length under
 * right padding). The two agree whenever pad ≠ eos. With pad = eos — the
 * embedded tiny-base (bos = eos = pad = 0), SmolLM-Instruct, Llama 3 with
 * pad set to eos — transformers skips the EOS every training sequence ends
 * with and scores the token before it, and a turn-end inside a chat would
 * count as padding too (alignment.md §7.4); tunebook scores the EOS, where
 * TRL's RewardTrainer means the score to sit. A tunebook reward model
 * loaded in transformers with pad = eos therefore reads another position;
 * give the tokenizer a distinct pad token for scores that agree.
 *
 * Saved as transformers saves `…ForSequenceClassification`: config.json with
 * `architectures` `LlamaForSequenceClassification` or
 * `Gemma3TextForSequenceClassification`, `id2label` `{"0": "LABEL_0"}`,
 * `label2id` `{"LABEL_0": 0}` (what `num_labels = 1` writes) and
 * `pad_token_id`; weights `model.*` and `score.weight`, no `lm_head`.
 *
 * @module
 */
import { tf } from "../engine/mod.ts";
import { ShardedCheckpoint } from "../safetensors/sharded.ts";
import { Rng } from "../util/random.ts";
import type { TokenBatch } from "./batch.ts";
import type { ModelConfig } from "./config.ts";
import type { CausalLM } from "./decoder.ts";
import { saveModel } from "./load.ts";
import { weightVariable } from "./weights.ts";

/** The head's tensor name in full checkpoints. */
export const SCORE_WEIGHT = "score.weight";

/** transformers' sequence-classification class of each family. */
export const CLASSIFIER_ARCHITECTURES = {
  llama: "LlamaForSequenceClassification",
  gemma3: "Gemma3TextForSequenceClassification",
} as const;

/**
 * The config.json fields transformers writes for a one-label classifier of
 * this family, set over the decoder's own fields.
 */
export function classifierConfigFields(
  config: ModelConfig,
  padId: number,
): Record<string, unknown> {
  return {
    architectures: [CLASSIFIER_ARCHITECTURES[config.family]],
    // PretrainedConfig.num_labels = 1 → id2label {0: "LABEL_0"}; JSON keys are strings.
    id2label: { "0": "LABEL_0" },
    label2id: { LABEL_0: 0 },
    pad_token_id: padId,
  };
}

/**
 * The position each row is scored at: its last attended token (see the
 * module doc), as indices into the row.
 */
export function scoredPositions(batch: TokenBatch): Int32Array {
  const out = new Int32Array(batch.batch);
  for (let r = 0; r < batch.batch; r++) {
    let last = -1;
    for (let t = 0; t < batch.length; t++) {
      if (!batch.attentionMask || batch.attentionMask[r * batch.length + t]) {
        last = t;
      }
    }
    if (last < 0) throw new Error(`scoredPositions: row ${r} has no token`);
    out[r] = last;
  }
  return out;
}

/** A decoder with a scalar score head. */
export class SequenceClassifier {
  /**
   * `score`: the head's weight [1, hidden], trainable or not. The decoder
   * is shared, not owned: {@link dispose} frees the head only.
   */
  constructor(readonly model: CausalLM, readonly score: tf.Variable) {
    if (model.config.head !== "score") {
      throw new Error(
        'SequenceClassifier: the decoder was built with an LM head; load it as a classifier\'s (loadModel(…, { head: "score" }), config.head "score")',
      );
    }
    const d = model.config.hiddenSize;
    if (score.shape.join() !== `1,${d}`) {
      throw new Error(
        `SequenceClassifier: score.weight has shape [${score.shape}], expected [1,${d}] (one label)`,
      );
    }
  }

  /**
   * A fresh head on `model`: normal(0, initializer_range) as transformers'
   * `_init_weights` draws a new Linear (0.02 when the config has none),
   * seeded, trainable.
   */
  static create(
    model: CausalLM,
    options: { seed: number; std?: number },
  ): SequenceClassifier {
    const std = options.std ?? initializerRange(model.config);
    const rng = new Rng(options.seed);
    const data = new Float32Array(model.config.hiddenSize);
    for (let i = 0; i < data.length; i++) data[i] = rng.normal() * std;
    return new SequenceClassifier(model, scoreVariable(data, true));
  }

  /**
   * The classifier of a full folder whose decoder is already loaded
   * (`loadModel(folder, { head: "score" })`): its `score.weight`, checked
   * (one label, the decoder's hidden size), trainable or not.
   */
  static async fromFolder(
    model: CausalLM,
    folder: string,
    options: { trainable?: boolean } = {},
  ): Promise<SequenceClassifier> {
    const data = await readScoreWeight(folder, model.config);
    return new SequenceClassifier(
      model,
      scoreVariable(data, options.trainable ?? false),
    );
  }

  /** Scores [B] of a batch (differentiable; call inside a gradient tape to train). */
  scores(batch: TokenBatch): tf.Tensor1D {
    const positions = scoredPositions(batch);
    return tf.tidy(() => {
      const { batch: b, length } = batch;
      const flat = this.#hidden(batch);
      const rows = Int32Array.from(positions, (t, r) => r * length + t);
      const pooled = tf.gather(flat, tf.tensor1d(rows, "int32"));
      return tf.reshape(
        tf.matMul(pooled, this.score, false, true),
        [b],
      ) as tf.Tensor1D;
    });
  }

  /**
   * The head at every position [B, L] (differentiable): a value model's
   * V(prefix ≤ t) per token. Padding positions are the caller's to mask.
   */
  tokenScores(batch: TokenBatch): tf.Tensor2D {
    return tf.tidy(() =>
      tf.reshape(
        tf.matMul(this.#hidden(batch), this.score, false, true),
        [batch.batch, batch.length],
      ) as tf.Tensor2D
    );
  }

  /** The decoder's last hidden states of a batch, [B·L, D]. */
  #hidden(batch: TokenBatch): tf.Tensor2D {
    const { batch: b, length } = batch;
    const ids = tf.tensor2d(batch.ids, [b, length], "int32");
    const hidden = this.model.forward(ids, {
      attentionMask: batch.attentionMask,
    });
    return tf.reshape(
      hidden,
      [b * length, this.model.config.hiddenSize],
    ) as tf.Tensor2D;
  }

  /** Scores of a batch as host values, without a gradient. */
  scoreValues(batch: TokenBatch): Float32Array {
    const t = this.scores(batch);
    try {
      return new Float32Array(t.dataSync());
    } finally {
      t.dispose();
    }
  }

  /**
   * Writes the classifier as transformers writes `…ForSequenceClassification`
   * (see the module doc); `padId` is the tokenizer's pad id.
   */
  async save(folder: string, padId: number): Promise<void> {
    await saveModel(this.model, folder, {
      config: classifierConfigFields(this.model.config, padId),
      extraTensors: new Map([[SCORE_WEIGHT, {
        shape: [1, this.model.config.hiddenSize],
        data: await this.score.data() as Float32Array,
      }]]),
    });
  }

  /** Frees the head (the decoder belongs to whoever loaded it). */
  dispose(): void {
    this.score.dispose();
  }
}

/** A score head's values [hidden] as its [1, hidden] variable. */
export function scoreVariable(
  data: Float32Array,
  trainable: boolean,
): tf.Variable {
  return weightVariable(data, [1, data.length], trainable);
}

/** The std transformers initialises a new Linear with. */
export function initializerRange(config: ModelConfig): number {
  const v = config.raw.initializer_range;
  return typeof v === "number" && v > 0 ? v : 0.02;
}

/**
 * `score.weight` of a full classifier folder, checked: one label, the
 * hidden size of the decoder. Errors name the folder and the tensor.
 */
export async function readScoreWeight(
  folder: string,
  config: ModelConfig,
): Promise<Float32Array> {
  const labels = config.raw.id2label;
  if (
    labels && typeof labels === "object" && Object.keys(labels).length !== 1
  ) {
    throw new Error(
      `${folder}/config.json: id2label has ${
        Object.keys(labels).length
      } labels; a reward model has one (num_labels = 1)`,
    );
  }
  const checkpoint = await ShardedCheckpoint.open(folder);
  try {
    if (!checkpoint.names().includes(SCORE_WEIGHT)) {
      throw new Error(
        `${folder}: no "${SCORE_WEIGHT}" tensor: not a sequence classifier (a reward model has a score head; a causal LM trains one with deno task reward)`,
      );
    }
    const shape = checkpoint.info(SCORE_WEIGHT).shape;
    if (shape.join() !== `1,${config.hiddenSize}`) {
      throw new Error(
        `${folder}: tensor "${SCORE_WEIGHT}" has shape [${shape}], expected [1,${config.hiddenSize}] (one label on hidden size ${config.hiddenSize})`,
      );
    }
    return (await checkpoint.read(SCORE_WEIGHT)).data;
  } finally {
    checkpoint.close();
  }
}
