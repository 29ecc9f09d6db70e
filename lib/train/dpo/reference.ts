/**
 * DPO's reference model π_ref, TRL's choice (alignment.md §2, §7.7):
 *
 * | run                                   | π_ref                          | how                              |
 * | ------------------------------------- | ------------------------------ | -------------------------------- |
 * | fresh LoRA                            | the base model                 | the same model, adapters disabled, every step |
 * | `init_adapter` (staged: SFT → DPO)    | the starting adapter, frozen   | precomputed before step 1        |
 * | full fine-tuning (no `lora`)          | the initial weights            | precomputed before step 1        |
 * | `precompute_ref_log_probs: true`      | as above                       | precomputed before step 1        |
 *
 * A started adapter's reference is never "adapters off": that would anchor
 * an SFT'd policy to the base model it was trained away from (TRL PR
 * #4723). Precomputing with the starting weights is TRL's
 * `precompute_ref_log_probs`; it needs no second copy of the model.
 *
 * Precomputed sums — Σ log π_ref over each chosen and rejected completion
 * of every train (and eval) pair, float32 — are written into every
 * checkpoint as `ref_logps.safetensors`, with the SHA-256 of the pairs'
 * token ids, so `--resume` (whose model holds the trained weights, not the
 * starting ones) reuses exactly the same numbers, and refuses pairs that
 * changed under them.
 *
 * @module
 */
import type { CausalLM } from "../../model/decoder.ts";
import type { LoraAdapters } from "../../peft/mod.ts";
import type { EncodedPair } from "../../prompt/preference.ts";
import {
  readSafetensors,
  type TensorToWrite,
  writeSafetensors,
} from "../../safetensors/safetensors.ts";
import { InputError } from "../../util/errors.ts";
import type { TrainingSession } from "../session.ts";
import { type PairBatch, pairSums, referenceSums } from "./batch.ts";
import { type DpoConfig, precomputesReference } from "./config.ts";

/** The two sets of pairs a run scores. */
export type Split = "train" | "eval";

/** The file each checkpoint keeps the precomputed sums in. */
export const REFERENCE_FILE = "ref_logps.safetensors";
const FORMAT = "tunebook.dpo_reference";

/** Σ log π_ref of each pair's chosen and rejected completion. */
interface SplitSums {
  chosen: Float32Array;
  rejected: Float32Array;
  sha256: string;
}

/** Where a run's reference log-probs come from. */
export class Reference {
  private constructor(
    /** One line for the log: what π_ref is. */
    readonly description: string,
    private readonly live: { model: CausalLM; lora: LoraAdapters } | null,
    private readonly stored: Partial<Record<Split, SplitSums>>,
  ) {}

  /**
   * Decides π_ref for the run (see the module table); precomputes the
   * sums with the starting weights, or reads them from the checkpoint
   * resumed from, and has every checkpoint keep them.
   */
  static async prepare(
    session: TrainingSession,
    config: DpoConfig,
    pairs: Record<Split, EncodedPair[] | null>,
  ): Promise<Reference> {
    const { model, lora } = session;
    if (!precomputesReference(config)) {
      return new Reference(
        "the base model (adapters disabled), computed each step",
        { model, lora: lora! },
        {},
      );
    }
    const what = config.initAdapter
      ? `the starting adapter ${config.initAdapter}, frozen`
      : lora
      ? "the base model (adapters disabled)"
      : "the initial weights";
    const hashes = {
      train: await pairsSha256(pairs.train!),
      eval: pairs.eval ? await pairsSha256(pairs.eval) : null,
    };
    let stored: Partial<Record<Split, SplitSums>>;
    if (session.resumeFrom) {
      stored = await readReference(
        `${session.resumeFrom.dir}/${REFERENCE_FILE}`,
        hashes,
      );
    } else {
      stored = {};
      for (const split of ["train", "eval"] as const) {
        const list = pairs[split];
        if (!list) continue;
        const size = config.precomputeRefBatchSize ??
          (split === "train" ? config.batchSize : config.evalBatchSize);
        console.error(
          `[dpo] precomputing reference log-probs of ${list.length} ${split} pairs: ${what}`,
        );
        stored[split] = {
          ...precompute(
            model,
            lora,
            !config.initAdapter,
            list,
            size,
            session.tokenizer.padId,
          ),
          sha256: hashes[split]!,
        };
      }
    }
    session.alsoCheckpoint((dir) =>
      writeReference(`${dir}/${REFERENCE_FILE}`, stored)
    );
    return new Reference(`${what}, precomputed`, null, stored);
  }

  /** Σ log π_ref of each row of `batch` ([chosen…; rejected…]). */
  sums(split: Split, batch: PairBatch): Float32Array {
    if (this.live) {
      const { model, lora } = this.live;
      lora.disable();
      try {
        return referenceSums(model, batch);
      } finally {
        lora.enable();
      }
    }
    const s = this.stored[split]!;
    return Float32Array.from([
      ...batch.indices.map((i) => s.chosen[i]),
      ...batch.indices.map((i) => s.rejected[i]),
    ]);
  }
}

/**
 * The sums of every pair in order, `size` pairs per pass, with dropout
 * off and, for a fresh adapter, the adapters disabled.
 */
function precompute(
  model: CausalLM,
  lora: LoraAdapters | null,
  disableAdapters: boolean,
  pairs: readonly EncodedPair[],
  size: number,
  padId: number,
): { chosen: Float32Array; rejected: Float32Array } {
  lora?.eval();
  if (lora && disableAdapters) lora.disable();
  try {
    return pairSums(model, pairs, size, padId);
  } finally {
    if (lora && disableAdapters) lora.enable();
  }
}

async function writeReference(
  path: string,
  stored: Partial<Record<Split, SplitSums>>,
): Promise<void> {
  const tensors: Record<string, TensorToWrite> = {};
  const metadata: Record<string, string> = { format: FORMAT };
  for (const [split, s] of Object.entries(stored)) {
    tensors[`${split}.chosen`] = { shape: [s.chosen.length], data: s.chosen };
    tensors[`${split}.rejected`] = {
      shape: [s.rejected.length],
      data: s.rejected,
    };
    metadata[`${split}_sha256`] = s.sha256;
  }
  await writeSafetensors(path, tensors, { metadata });
}

async function readReference(
  path: string,
  hashes: Record<Split, string | null>,
): Promise<Partial<Record<Split, SplitSums>>> {
  let file;
  try {
    file = await readSafetensors(path);
  } catch (error) {
    throw new InputError(
      `${path}: cannot read the reference log-probs this run precomputed (${
        (error as Error).message
      }); without them --resume cannot continue with the same reference: start over with --overwrite`,
    );
  }
  if (file.metadata.format !== FORMAT) {
    throw new InputError(
      `${path}: not a tunebook DPO reference file (metadata "format" is ${
        JSON.stringify(file.metadata.format)
      })`,
    );
  }
  const out: Partial<Record<Split, SplitSums>> = {};
  for (const split of ["train", "eval"] as const) {
    const want = hashes[split];
    if (want === null) continue;
    const chosen = file.tensors.get(`${split}.chosen`);
    const rejected = file.tensors.get(`${split}.rejected`);
    if (!chosen || !rejected || file.metadata[`${split}_sha256`] !== want) {
      const data = split === "train" ? "train_data" : "eval_data";
      throw new InputError(
        `${path}: the reference log-probs were precomputed for other ${split} pairs than ${data} gives now (their token ids differ); resume with the ${data} of the checkpoint, or start over with --overwrite`,
      );
    }
    out[split] = { chosen: chosen.data, rejected: rejected.data, sha256: want };
  }
  return out;
}

/** SHA-256 of every pair's prompt, chosen and rejected ids, in order. */
async function pairsSha256(pairs: readonly EncodedPair[]): Promise<string> {
  const values: number[] = [];
  for (const p of pairs) {
    values.push(p.promptIds.length, p.chosenIds.length, p.rejectedIds.length);
    values.push(...p.promptIds, ...p.chosenIds, ...p.rejectedIds);
  }
  const bytes = new Uint8Array(Int32Array.from(values).buffer);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}
