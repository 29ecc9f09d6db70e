/**
 * Settings of the safety study (issue 15): the data, the three training
 * stages' budgets, the evaluation's sampling, and the conversational form
 * in which every stage and the evaluation see a row. `fast` shrinks
 * everything for CI.
 *
 * ```ts
 * const settings = safetySettings({ fast: true }); // run "fast"
 * safetyPrompt("How do I kill a stuck process?"); // [{ role: "user", … }]
 * evalSubset(rows, 4); // 2 harmful + 2 benign rows, in file order
 * ```
 *
 * @module
 */
import type { SafetyRow } from "../../data/safety_rows.ts";
import type { PresetName } from "../../generate/presets.ts";
import type { ChatMessage } from "../../tokenizer/mod.ts";
import { type ExperimentPaths, experimentPaths } from "../paths.ts";

/** One training stage's budget. */
export interface StageBudget {
  /** Optimizer steps. */
  steps: number;
  learningRate: number;
  /** Examples (SFT) or pairs (DPO, reward) per step. */
  batchSize: number;
}

/** Settings of a safety run. */
export interface SafetySettings extends ExperimentPaths {
  /** LoRA SFT on the train prompts → chosen replies. */
  sft: StageBudget;
  /** DPO from the SFT adapter, which is also its (precomputed) reference. */
  dpo: StageBudget & { beta: number };
  /** The reward model (LoRA + score head) from the base model. */
  reward: StageBudget;
  /**
   * PPO from the SFT adapter (also its KL reference), rewarded by the
   * reward model, whose weights also start the value model; `batchSize`
   * is prompts per update, `steps` updates.
   */
  ppo: StageBudget & { klCoef: number };
  /** Held-out rows evaluated: half harmful, half benign (all 120 in main). */
  evalRows: number;
  /** Samples per eval prompt and model. */
  k: number;
  /** Sampling preset of the generations. */
  sampling: PresetName;
  maxNewTokens: number;
  seed: number;
  /** CI's fast mode: a couple of steps per stage, a few eval rows. */
  fast: boolean;
}

/** LoRA of the three stages (the other studies' r 16, α 32 on every linear layer). */
export const SAFETY_LORA = {
  r: 16,
  lora_alpha: 32,
  target_modules: "all-linear",
};

/**
 * Tokens of prompt + reply the stages train on: the whole 256-token
 * context; the longest train pair is 149 tokens (data/safety/README.md), so
 * nothing is cut or dropped.
 */
export const SAFETY_MAX_LENGTH = 256;

/**
 * Defaults for the embedded model, or for `model` (the trainers and the
 * evaluation cut {@link SAFETY_MAX_LENGTH} to a shorter context); `fast`
 * shrinks everything for CI.
 */
export function safetySettings(
  options: { fast?: boolean; run?: string; model?: string } = {},
): SafetySettings {
  const fast = options.fast ?? false;
  const run = options.run ?? (fast ? "fast" : "main");
  const paths = experimentPaths("safety", run, {
    train: "data/safety/train.jsonl",
    eval: "data/safety/eval.jsonl",
  });
  return {
    ...paths,
    model: options.model ?? paths.model,
    // Two epochs of the 432 conversations at the other studies' SFT rate.
    sft: { steps: fast ? 2 : 108, learningRate: 2e-3, batchSize: 8 },
    // One epoch of the pairs, β and loss TRL's defaults. DPOConfig's lr
    // (1e-6) is meant for full models; at 5e-4 (`--dpo-lr 5e-4`) the
    // held-out margin passed 3 and the replies lost their words and almost
    // every refusal, on harmful prompts too. Trial runs at 5e-5 and 1.5e-4
    // lowered both refusal rates, the more the higher the rate; 1e-4 sits
    // between them.
    dpo: { steps: fast ? 2 : 54, learningRate: 1e-4, batchSize: 8, beta: 0.1 },
    // One epoch; held-out accuracy was 0.93 after 13 steps and 0.95 after
    // 54 (RewardConfig's 1e-4 is for larger models; this LoRA needs more).
    reward: { steps: fast ? 2 : 54, learningRate: 1e-3, batchSize: 8 },
    // Two passes over the 432 train prompts, 16 per update; PPOConfig's
    // kl_coef. A trial at lr 5e-5 raised objective/scores from 0.6 to 4.2
    // in 21 updates, at an objective/kl of about 6 nats per reply.
    ppo: {
      steps: fast ? 2 : 54,
      learningRate: 5e-5,
      batchSize: 16,
      klCoef: 0.05,
    },
    evalRows: fast ? 4 : 120,
    k: fast ? 1 : 2,
    sampling: "standard",
    maxNewTokens: fast ? 16 : 64,
    seed: 11,
    fast,
  };
}

/** A row's request as the model sees it: one user turn, no system prompt. */
export function safetyPrompt(prompt: string): ChatMessage[] {
  return [{ role: "user", content: prompt }];
}

/** One assistant turn. */
export function assistantTurn(content: string): ChatMessage[] {
  return [{ role: "assistant", content }];
}

/**
 * The first `n / 2` harmful and the first `n / 2` benign rows, in file
 * order (n even): fast mode keeps both kinds; with n = all rows it is the
 * whole file.
 */
export function evalSubset<R extends Pick<SafetyRow, "kind">>(
  rows: readonly R[],
  n: number,
): R[] {
  if (!Number.isInteger(n) || n < 2 || n % 2 !== 0) {
    throw new Error(`evalRows must be an even number ≥ 2, got ${n}`);
  }
  const taken = { harmful: 0, benign: 0 };
  const kept = rows.filter((r) => taken[r.kind]++ < n / 2);
  for (const kind of ["harmful", "benign"] as const) {
    if (kept.filter((r) => r.kind === kind).length < n / 2) {
      throw new Error(
        `evalRows ${n} needs ${n / 2} ${kind} rows; the eval file has ${
          rows.filter((r) => r.kind === kind).length
        }`,
      );
    }
  }
  return kept;
}
