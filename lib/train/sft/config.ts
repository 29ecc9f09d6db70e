/**
 * The SFT run configuration, read from a JSON file whose field names follow
 * TRL's `SFTConfig` / transformers' `TrainingArguments` (snake_case) and
 * PEFT's `LoraConfig` for the `lora` section, so a TRL user can carry a
 * config over. Each field is declared once below; unknown fields are errors
 * (a typo must not silently fall back to a default).
 *
 * @module
 */
import {
  type ConfigOf,
  defineConfig,
  derived,
  field,
  parseConfig,
  withDefaults,
} from "../../util/config_fields.ts";
import { checkEpochRunFields, epochFields, RUN_FIELDS } from "../run_config.ts";

/** SFT's fields: the shared run fields (with SFTConfig's defaults) plus its own. */
export const SFT_FIELDS = {
  ...withDefaults(RUN_FIELDS, {
    // TRL's SFTConfig learning rate is 2e-5; LoRA runs use 2e-4 (PEFT's examples).
    learningRate: derived(
      (c) => c.lora ? 2e-4 : 2e-5,
      "2e-4 with lora, else 2e-5",
    ),
    loggingSteps: 10,
  }),
  evalData: field.string("eval_data", {
    default: null,
    doc: "evaluation data file (same formats as train_data)",
  }),
  maxLength: field.integer("max_length", {
    min: 1,
    default: 1024,
    doc: "tokens per example, at most the context; longer ones lose their end",
  }),
  packing: field.boolean("packing", {
    default: false,
    doc: "pack several examples into each max_length sequence",
  }),
  ...epochFields("training data", "sequences"),
};

/** The SFT config: its fields and the rule that spans two of them. */
export const SFT_CONFIG = defineConfig({
  name: "SFT",
  fields: SFT_FIELDS,
  check(config, reader) {
    checkEpochRunFields(config, reader);
  },
});

/** A validated SFT run: the shared run fields plus SFT's own. */
export type SftConfig = ConfigOf<typeof SFT_FIELDS>;

/** Validates a parsed JSON config; `source` names the file in errors. */
export function parseSftConfig(json: unknown, source: string): SftConfig {
  return parseConfig(SFT_CONFIG, json, source);
}
