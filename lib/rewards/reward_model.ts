/**
 * A trained reward model as a reward function: each (prompt, completion)
 * is tokenised exactly as the reward trainer tokenised its pairs
 * (`encodeForScoring`: a text prompt + completion + the EOS string with
 * the tokenizer's special tokens, a conversation through the chat
 * template), scored in batches by the sequence classifier at the last
 * token, and optionally z-scored over the batch.
 *
 * TRL's GRPO hands a reward model the text re-tokenised without BOS or EOS
 * (alignment.md §7.3), so the score is read on a token the model never
 * scored in training; here the sequence ends on the EOS it was trained to
 * score on. A completion whose sequence is longer than `max_length` (held
 * to the model's context) gets null — "does not apply" — as training
 * dropped such pairs rather than cutting them.
 *
 * The reward model's tokenizer must be the policy's (same vocabulary,
 * special ids and chat template), checked when the caller has the
 * policy's tokenizer: PPO's value model, started from the reward model,
 * reads the policy's token ids, and a reward model of another family
 * judges text its tokenizer and template render differently from what it
 * was trained on for this policy.
 *
 * ```ts
 * const rm = await loadSequenceClassifier("runs/rm");
 * const reward = rewardModelReward(rm, { batchSize: 8, normalize: "none" });
 * ```
 *
 * @module
 */
import { padBatch } from "../model/batch.ts";
import { type LoadedClassifier, loadSequenceClassifier } from "../peft/mod.ts";
import { encodeForScoring } from "../prompt/scoring.ts";
import type { Tokenizer } from "../tokenizer/mod.ts";
import { errorKind } from "../util/errors.ts";
import { FieldReader, type Json } from "../util/fields.ts";
import type { RewardFunction, RewardValue } from "./types.ts";

/** How the scores are post-processed: raw, or z-scored over the batch. */
export type RewardNormalization = "none" | "batch";

/** Settings of {@link rewardModelReward}. */
export interface RewardModelOptions {
  /** Sequences per forward pass. */
  batchSize: number;
  /** "batch": (r − mean) / (std + 1e-8) over the batch's scored samples. */
  normalize: RewardNormalization;
  /** The reward model's training `max_length` (null: only its context limits). */
  maxLength?: number | null;
  /** Its training `eos_token`, when not the tokenizer's. */
  eosToken?: string;
}

/** The reward of a loaded reward model (see the module doc). */
export function rewardModelReward(
  rm: LoadedClassifier,
  options: RewardModelOptions,
): RewardFunction {
  const { classifier, tokenizer } = rm;
  const context = classifier.model.config.maxPositionEmbeddings;
  return {
    name: "reward_model",
    range: [-Infinity, Infinity],
    description:
      `the score of the reward model ${rm.dir}, read at the last token of prompt + completion tokenised as in its training${
        options.normalize === "batch" ? ", z-scored over the batch" : ""
      }`,
    score(samples) {
      rm.lora?.eval();
      const values: RewardValue[] = samples.map(() => null);
      const encoded = samples.map((s, i) => {
        const { ids, tooLong } = encodeForScoring(
          tokenizer,
          s.prompt,
          s.completion,
          {
            maxLength: options.maxLength ?? null,
            contextLength: context,
            eosToken: options.eosToken,
          },
        );
        return { i, ids, tooLong };
      }).filter((e) => !e.tooLong);
      for (let start = 0; start < encoded.length; start += options.batchSize) {
        const chunk = encoded.slice(start, start + options.batchSize);
        const batch = padBatch(
          chunk.map((e) => ({
            ids: e.ids,
            mask: new Uint8Array(e.ids.length),
          })),
          tokenizer.padId,
        );
        const scores = classifier.scoreValues(batch);
        chunk.forEach((e, k) => (values[e.i] = scores[k]));
      }
      return options.normalize === "batch" ? zScores(values) : values;
    },
  };
}

/**
 * (v − mean) / (std + 1e-8) over the non-null values, std unbiased as
 * torch's `.std()`; with fewer than two values the std is 0, so a lone
 * value becomes 0 rather than NaN.
 */
export function zScores(values: readonly RewardValue[]): RewardValue[] {
  const present = values.filter((v): v is number => v !== null);
  const n = present.length;
  const mean = present.reduce((a, b) => a + b, 0) / Math.max(n, 1);
  const std = n < 2
    ? 0
    : Math.sqrt(present.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  return values.map((v) => v === null ? null : (v - mean) / (std + 1e-8));
}

/**
 * Why two tokenizers differ — vocabulary, special ids or chat template —
 * or null when they are the same.
 */
export function tokenizerDifference(a: Tokenizer, b: Tokenizer): string | null {
  if (a === b || a.folder === b.folder) return null;
  const ids = (t: Tokenizer) =>
    `bos ${t.bosId}, eos ${t.eosIds.join("/")}, pad ${t.padId}`;
  if (ids(a) !== ids(b)) return `special ids (${ids(a)} vs ${ids(b)})`;
  const va = a.hf.get_vocab(), vb = b.hf.get_vocab();
  if (va.size !== vb.size) {
    return `vocabulary size (${va.size} vs ${vb.size} tokens)`;
  }
  for (const [token, id] of va) {
    if (vb.get(token) !== id) {
      return `vocabulary (token ${JSON.stringify(token)} is id ${id} vs ${
        vb.get(token) ?? "absent"
      })`;
    }
  }
  if ((a.hf.chat_template ?? null) !== (b.hf.chat_template ?? null)) {
    return "chat template";
  }
  return null;
}

/** The key a reward model is loaded under: its path and, for an adapter, the base given. */
export function rewardModelKey(settings: Json): string {
  return JSON.stringify([settings.path ?? null, settings.base_model ?? null]);
}

/**
 * Loads the reward models that `entries` name (`reward_model` entries,
 * also inside a `hybrid`), once each; `source` names the config in errors
 * (`grpo.json: field "rewards[0].path" (runs/rm): …`). Dispose them after
 * the run.
 */
export async function loadRewardModels(
  entries: readonly { name: string; settings: Json }[],
  source: string,
  prefix = "rewards",
): Promise<Map<string, LoadedClassifier>> {
  const found: { settings: Json; where: string }[] = [];
  const walk = (list: readonly unknown[], path: string) =>
    list.forEach((e, i) => {
      const entry = e as { name?: unknown; settings?: Json } & Json;
      const settings = entry.settings ?? entry;
      if (entry.name === "reward_model") {
        found.push({ settings, where: `${path}[${i}].` });
      }
      if (entry.name === "hybrid" && Array.isArray(settings.components)) {
        walk(settings.components, `${path}[${i}].components`);
      }
    });
  walk(entries, prefix);
  const loaded = new Map<string, LoadedClassifier>();
  try {
    for (const { settings, where } of found) {
      const key = rewardModelKey(settings);
      if (loaded.has(key)) continue;
      const r = new FieldReader(settings, source, where);
      const path = r.string("path");
      const baseModel = r.has("base_model")
        ? r.string("base_model")
        : undefined;
      try {
        loaded.set(key, await loadSequenceClassifier(path, { baseModel }));
      } catch (error) {
        if (errorKind(error) === "bug") throw error;
        throw r.error(
          "path",
          `(${path}): cannot load the reward model: ${
            (error as Error).message
          }`,
        );
      }
    }
  } catch (error) {
    for (const rm of loaded.values()) rm.dispose();
    throw error;
  }
  return loaded;
}
