/**
 * Every trainer's config declaration by name, for what documents them all:
 * the README's field tables (`<!-- fields:sft -->` … `<!-- /fields:sft -->`,
 * rewritten by `deno task docs`). A new trainer adds its config here.
 *
 * @module
 */
import { fieldsMarkdown } from "../util/config_docs.ts";
import type { ConfigSpec, FieldTable } from "../util/config_fields.ts";
import { DPO_CONFIG } from "./dpo/config.ts";
import { GRPO_CONFIG } from "./grpo/config.ts";
import { PPO_CONFIG } from "./ppo/config.ts";
import { REWARD_CONFIG } from "./reward/config.ts";
import { SFT_CONFIG } from "./sft/config.ts";

/** The trainers' configs by the name their README section is marked with. */
export const TRAINER_CONFIGS: Record<string, ConfigSpec<FieldTable>> = {
  sft: SFT_CONFIG,
  grpo: GRPO_CONFIG,
  dpo: DPO_CONFIG,
  reward: REWARD_CONFIG,
  ppo: PPO_CONFIG,
};

/** The README's generated sections: `fields:<trainer>` → its Markdown table. */
export function fieldTableSections(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(TRAINER_CONFIGS).map((
      [name, spec],
    ) => [`fields:${name}`, fieldsMarkdown(spec)]),
  );
}
