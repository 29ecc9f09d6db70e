/**
 * `deno task docs`: rewrites README.md's generated sections — the config
 * field tables of every trainer and of the alignment study's experiment
 * files, from their declarations — so the README
 * cannot drift from the parsers. `--check` only reports (exit 1) when the
 * README is out of date.
 *
 * @module
 */
import { EXPERIMENT_CONFIG } from "../experiments/alignment/config.ts";
import { fieldTableSections } from "../train/configs.ts";
import { fieldsMarkdown } from "../util/config_docs.ts";
import { InputError } from "../util/errors.ts";
import { flag } from "../util/flags.ts";
import { replaceMarkedSections } from "../util/marked_sections.ts";
import { repoPath } from "../util/paths.ts";
import { startTask } from "./task.ts";

const { values: args } = startTask({
  name: "docs",
  summary:
    "Rewrites README.md's generated sections (the trainers' config field tables) from the declarations.",
  flags: {
    check: flag.boolean("only check: exit 1 when README.md is out of date"),
  },
});
const path = repoPath("README.md");
const text = await Deno.readTextFile(path);
const updated = replaceMarkedSections(text, {
  ...fieldTableSections(),
  // The alignment study's experiment files (deno task run).
  "fields:alignment": fieldsMarkdown(EXPERIMENT_CONFIG),
}, path);
if (updated === text) console.log(`${path} is up to date`);
else if (args.check) {
  throw new InputError(`${path} is out of date: run deno task docs`);
} else {
  await Deno.writeTextFile(path, updated);
  console.log(`rewrote the generated sections of ${path}`);
}
