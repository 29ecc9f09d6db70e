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
import { parseArgs } from "node:util";
import { initEngine } from "../engine/mod.ts";
import { geminiAvailable, GeminiClient, geminiJudge } from "../gemini/mod.ts";
import { loadTokenizer } from "../tokenizer/mod.ts";
import { resolveModelSource } from "../hub/resolve.ts";
import { rewardFromConfig } from "../rewards/registry.ts";
import { parseGrpoConfig } from "../train/grpo/config.ts";
import { runGrpo } from "../train/grpo/trainer.ts";

const USAGE =
  "usage: deno task grpo --config FILE [--resume] [--resume-from DIR] [--overwrite] [--max-steps N] [--output-dir DIR] [--model M]";
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
  console.error(`grpo: --config is required\n${USAGE}`);
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
  const config = parseGrpoConfig(raw, args.config);
  await initEngine({ verbose: false });
  const needsJudge = config.rewards.some((r) => r.name === "rubric_judge");
  const judge = needsJudge && geminiAvailable()
    ? geminiJudge(new GeminiClient())
    : undefined;
  const needsTokenizer = config.rewards.some((r) =>
    r.settings.unit === "tokens" || r.name === "soft_overlong"
  );
  const tokenizer = needsTokenizer
    ? await loadTokenizer((await resolveModelSource(config.model)).dir)
    : undefined;
  const rewards = config.rewards.map((spec, i) =>
    rewardFromConfig(spec.name, spec.settings, args.config!, `rewards[${i}]`, {
      tokenizer,
      judge,
    })
  );
  const result = await runGrpo(config, {
    rewards,
    resume: args["resume-from"] ?? args.resume,
    overwrite: args.overwrite,
  });
  const last = result.history.at(-1);
  console.log(
    `grpo: ${result.steps}/${config.maxSteps} steps; last reward ${
      last?.reward ?? "-"
    }; wrote ${result.outputDir}`,
  );
} catch (error) {
  console.error(`grpo: ${(error as Error).message}`);
  Deno.exit(1);
}
