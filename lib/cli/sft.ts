/**
 * `deno task sft`: supervised fine-tuning (LoRA or full) from a JSON config
 * whose fields follow TRL's SFTConfig and PEFT's LoraConfig.
 *
 *   deno task sft --config configs/sft_haiku.json [--resume] [--overwrite]
 *   deno task sft --config C --max-steps 20 --output-dir /tmp/run   (overrides)
 *
 * @module
 */
import { parseArgs } from "node:util";
import { initEngine } from "../engine/mod.ts";
import { parseSftConfig } from "../train/sft/config.ts";
import { runSft } from "../train/sft/trainer.ts";

const USAGE =
  "usage: deno task sft --config FILE [--resume [CHECKPOINT_DIR]] [--overwrite] [--max-steps N] [--output-dir DIR] [--model M]";
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
  console.log(USAGE);
  Deno.exit(0);
}
if (!args.config) {
  console.error(`sft: --config is required\n${USAGE}`);
  Deno.exit(2);
}
try {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(await Deno.readTextFile(args.config));
  } catch (e) {
    throw new Error(
      `${args.config}: cannot read the config: ${(e as Error).message}`,
    );
  }
  if (args["max-steps"]) raw.max_steps = Number(args["max-steps"]);
  if (args["output-dir"]) raw.output_dir = args["output-dir"];
  if (args.model) raw.model = args.model;
  const config = parseSftConfig(raw, args.config);
  await initEngine({ verbose: false });
  const result = await runSft(config, {
    resume: args["resume-from"] ?? args.resume,
    overwrite: args.overwrite,
  });
  const last = result.history.findLast((r) => "loss" in r);
  const lastEval = result.history.findLast((r) => "eval_loss" in r);
  console.log(
    `sft: ${result.steps}/${result.totalSteps} steps; final loss ${
      last?.loss ?? "-"
    }` +
      (lastEval ? `, eval_loss ${lastEval.eval_loss}` : "") +
      `; wrote ${result.outputDir}`,
  );
} catch (error) {
  console.error(`sft: ${(error as Error).message}`);
  Deno.exit(1);
}
