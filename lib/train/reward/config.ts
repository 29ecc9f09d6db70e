/**
 * The reward-model run configuration: TRL's `RewardConfig` names and
 * defaults (learning_rate 1e-4, max_length 1024, disable_dropout,
 * center_rewards_coefficient, eos_token; logging every 10 steps) over the
 * shared run fields, a PEFT-named `lora` section, and the epoch/eval
 * fields SFT has. Each field is declared once below.
 *
 * `gradient_checkpointing` keeps tunebook's default (false) rather than
 * RewardConfig's (true): it changes memory, not results, and every
 * tunebook trainer shares that field.
 *
 * @module
 */
import {
  type ConfigOf,
  defineConfig,
  field,
  parseConfig,
  withDefaults,
} from "../../util/config_fields.ts";
import { checkEpochRunFields, epochFields, RUN_FIELDS } from "../run_config.ts";

/** The reward trainer's fields: the shared run fields (RewardConfig's defaults) plus its own. */
export const REWARD_FIELDS = {
  ...withDefaults(RUN_FIELDS, {
    // RewardConfig: learning rate 1e-4 (with or without LoRA), a log line every 10 steps.
    learningRate: 1e-4,
    loggingSteps: 10,
  }),
  evalData: field.string("eval_data", {
    default: null,
    doc: "held-out preference pairs (same formats as train_data)",
  }),
  maxLength: field.integer("max_length", {
    min: 1,
    default: 1024,
    doc:
      "pairs with a side longer than this many tokens are dropped (never cut)",
  }),
  centerRewardsCoefficient: field.number("center_rewards_coefficient", {
    min: 0,
    default: null,
    doc:
      "weight of mean((r⁺ + r⁻)²), pulling scores toward 0 (TRL suggests 0.01)",
  }),
  disableDropout: field.boolean("disable_dropout", {
    default: true,
    doc:
      "train without dropout (LoRA dropout included, as TRL zeroes every dropout)",
  }),
  eosToken: field.string("eos_token", {
    default: null,
    doc:
      "string appended to text completions (default: the tokenizer's eos_token)",
  }),
  ...epochFields("training pairs", "pairs"),
};

/** The reward config: its fields and the rules that span several of them. */
export const REWARD_CONFIG = defineConfig({
  name: "Reward",
  fields: REWARD_FIELDS,
  check(config, reader) {
    checkEpochRunFields(config, reader);
  },
});

/** A validated reward-model run. */
export type RewardConfig = ConfigOf<typeof REWARD_FIELDS>;

/** Validates a parsed JSON reward config; `source` names the file in errors. */
export function parseRewardConfig(
  json: unknown,
  source: string,
): RewardConfig {
  return parseConfig(REWARD_CONFIG, json, source);
}
