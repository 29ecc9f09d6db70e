/**
 * The command line shared by the config-driven trainers (`deno task sft`,
 * `deno task grpo`): a JSON config plus a few overrides and resume flags,
 * and a `--help` that lists the config's fields from their declarations.
 *
 *   --config FILE [--resume | --resume-from DIR] [--overwrite]
 *   [--max-steps N] [--output-dir DIR] [--model M]
 *
 * @module
 */
import { fieldsHelp } from "../util/config_docs.ts";
import type { ConfigSpec, FieldTable } from "../util/config_fields.ts";
import { type Command, flag, type FlagValues } from "../util/flags.ts";
import { readJsonFile } from "../util/json_files.ts";

/** The flags of every config-driven trainer. */
export const RUN_FLAGS = {
  config: flag.string("the run's JSON config; its fields are below", {
    arg: "FILE",
    required: true,
  }),
  resume: flag.boolean("continue from the newest checkpoint in output_dir"),
  "resume-from": flag.string("continue from this checkpoint folder", {
    arg: "DIR",
  }),
  overwrite: flag.boolean(
    "remove the earlier run in output_dir (only files tunebook wrote) and start over",
  ),
  "max-steps": flag.integer("override max_steps", { min: 1 }),
  "output-dir": flag.string("override output_dir", { arg: "DIR" }),
  model: flag.string("override model", { arg: "M" }),
};

/** The command of trainer `name`, whose `--help` lists `config`'s fields. */
export function trainerCommand(
  name: string,
  summary: string,
  config: ConfigSpec<FieldTable>,
): Command<typeof RUN_FLAGS> {
  return {
    name,
    summary,
    flags: RUN_FLAGS,
    more: () =>
      `config fields (${config.name}; JSON, TRL's names):\n${
        fieldsHelp(config)
      }`,
  };
}

/** The parsed command line: the raw config (overrides applied) and how to start. */
export interface RunArgs {
  configPath: string;
  raw: Record<string, unknown>;
  resume: boolean | string;
  overwrite: boolean;
}

/** Reads the config named by the flags and applies their overrides. */
export async function readRunArgs(
  args: FlagValues<typeof RUN_FLAGS>,
): Promise<RunArgs> {
  const raw = await readJsonFile(args.config, "config") as Record<
    string,
    unknown
  >;
  if (args["max-steps"] !== undefined) raw.max_steps = args["max-steps"];
  if (args["output-dir"]) raw.output_dir = args["output-dir"];
  if (args.model) raw.model = args.model;
  return {
    configPath: args.config,
    raw,
    resume: args["resume-from"] ?? args.resume,
    overwrite: args.overwrite,
  };
}
