/**
 * `deno task grpo`: GRPO (LoRA or full) from a JSON config whose fields
 * follow TRL's GRPOConfig, with a `rewards` list naming reward functions
 * from lib/rewards/registry.ts.
 *
 *   deno task grpo --config lib/configs/grpo_haiku.json [--resume] [--overwrite]
 *   deno task grpo --config C --max-steps 20 --output-dir /tmp/run --model M
 *
 * @module
 */
import { initEngine } from "../engine/mod.ts";
import { runGrpoFromConfig } from "../train/grpo/from_config.ts";
import { readRunArgs } from "./run_args.ts";

const run = await readRunArgs("grpo");
try {
  await initEngine({ verbose: false });
  const result = await runGrpoFromConfig(run.raw, run.configPath, {
    resume: run.resume,
    overwrite: run.overwrite,
  });
  const last = result.history.at(-1);
  console.log(
    `grpo: ${result.steps}/${result.config.maxSteps} steps; last reward ${
      last?.reward ?? "-"
    }; wrote ${result.outputDir}`,
  );
} catch (error) {
  console.error(`grpo: ${(error as Error).message}`);
  Deno.exit(1);
}
