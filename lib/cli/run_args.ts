/**
 * The command line shared by the config-driven trainers (`deno task sft`,
 * `deno task grpo`): a JSON config plus a few overrides and resume flags.
 *
 *   --config FILE [--resume | --resume-from DIR] [--overwrite]
 *   [--max-steps N] [--output-dir DIR] [--model M]
 *
 * @module
 */
import { parseArgs } from "node:util";

/** The parsed command line: the raw config (overrides applied) and how to start. */
export interface RunArgs {
  configPath: string;
  raw: Record<string, unknown>;
  resume: boolean | string;
  overwrite: boolean;
}

/** Parses `Deno.args` for `task`; prints usage and exits on --help or a usage error. */
export async function readRunArgs(task: string): Promise<RunArgs> {
  const usage =
    `usage: deno task ${task} --config FILE [--resume] [--resume-from DIR] [--overwrite] [--max-steps N] [--output-dir DIR] [--model M]`;
  const { values: args } = parseArgs({
    options: {
      config: { type: "string" },
      resume: { type: "boolean", default: false },
      "resume-from": { type: "string" },
      overwrite: { type: "boolean", default: false },
      "max-steps": { type: "string" },
      "output-dir": { type: "string" },
      model: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (args.help) {
    console.log(usage);
    Deno.exit(0);
  }
  if (!args.config) {
    console.error(`${task}: --config is required\n${usage}`);
    Deno.exit(2);
  }
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(await Deno.readTextFile(args.config));
  } catch (e) {
    console.error(
      `${task}: ${args.config}: cannot read the config: ${
        (e as Error).message
      }`,
    );
    Deno.exit(1);
  }
  if (args["max-steps"] !== undefined) {
    const steps = Number(args["max-steps"]);
    if (!Number.isInteger(steps) || steps < 1) {
      console.error(
        `${task}: --max-steps must be a positive integer, got "${
          args["max-steps"]
        }"`,
      );
      Deno.exit(2);
    }
    raw.max_steps = steps;
  }
  if (args["output-dir"]) raw.output_dir = args["output-dir"];
  if (args.model) raw.model = args.model;
  return {
    configPath: args.config,
    raw,
    resume: args["resume-from"] ?? args.resume,
    overwrite: args.overwrite,
  };
}
