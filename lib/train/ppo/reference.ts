/**
 * PPO's reference policy π_ref, the starting point the KL penalty holds
 * the policy to (TRL: `ref_policy`, or the PEFT adapter disabled):
 *
 * | run                                | π_ref                                    |
 * | ---------------------------------- | ---------------------------------------- |
 * | fresh LoRA                         | the policy with its adapters disabled    |
 * | `init_adapter` (staged: SFT → PPO) | a frozen copy: `model` + the starting adapter |
 * | full fine-tuning                   | a frozen copy of `model`                 |
 *
 * A started adapter's reference is the starting adapter, never "adapters
 * off" (which would anchor an SFT'd policy to the base model, the defect of
 * Gemma-Alignment-Paradigms' staged runs, alignment.md §1.4). The frozen
 * copy is loaded from the config, so a resumed run has the same reference.
 *
 * @module
 */
import type { TokenBatch } from "../../model/batch.ts";
import type { CausalLM } from "../../model/decoder.ts";
import { loadPretrained } from "../../model/pretrained.ts";
import type { TokenSupport } from "../../model/token_support.ts";
import { scoreBatch } from "../../model/score.ts";
import { loadAdapter, type LoraAdapters } from "../../peft/mod.ts";
import { quantizationOf } from "../run_config.ts";
import type { PpoConfig } from "./config.ts";

/** Where the reference log-probs come from. */
export class PolicyReference {
  private constructor(
    /** One line for the log: what π_ref is. */
    readonly description: string,
    private readonly model: CausalLM,
    /** The policy's adapters, switched off while scoring; null: a frozen copy. */
    private readonly switchOff: LoraAdapters | null,
    private readonly owned:
      | { model: CausalLM; lora: LoraAdapters | null }
      | null,
  ) {}

  /** Decides π_ref for the run (see the module table); loads a copy if needed. */
  static async open(
    config: Pick<PpoConfig, "model" | "initAdapter" | "lora" | "quantization">,
    policy: CausalLM,
    policyLora: LoraAdapters | null,
  ): Promise<PolicyReference> {
    if (policyLora && !config.initAdapter) {
      return new PolicyReference(
        "the base model (adapters disabled)",
        policy,
        policyLora,
        null,
      );
    }
    // The same base as the policy's: 4-bit when the policy's is (QLoRA).
    const quantization = quantizationOf(config);
    const { model } = await loadPretrained(
      config.model,
      quantization ? { quantization } : {},
    );
    try {
      const lora = config.initAdapter
        ? (await loadAdapter(config.initAdapter, model)).eval()
        : null;
      return new PolicyReference(
        config.initAdapter
          ? `the starting adapter ${config.initAdapter}, frozen`
          : `the starting weights of ${config.model}, frozen`,
        model,
        null,
        { model, lora },
      );
    } catch (error) {
      model.dispose();
      throw error;
    }
  }

  /**
   * log π_ref of every next token of `batch`, [B × (L − 1)], at
   * `temperature` (under the sampler's `support` when given).
   */
  logProbs(
    batch: TokenBatch,
    temperature: number,
    support?: TokenSupport,
  ): Float32Array {
    this.switchOff?.disable();
    try {
      return scoreBatch(this.model, batch, { temperature, support });
    } finally {
      this.switchOff?.enable();
    }
  }

  /** Frees a frozen copy (the policy itself is the session's). */
  dispose(): void {
    this.owned?.lora?.remove();
    this.owned?.model.dispose();
  }
}
