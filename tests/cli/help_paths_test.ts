/**
 * The example paths a task's module header, usage or help names (config
 * files, data, lib modules) exist in the repo, so an example copied from
 * `--help` or the source runs. Paths under checkpoints/ and results/ are
 * what runs write, so they are not checked.
 *
 * @module
 */
import assert from "node:assert/strict";
import { REPO_ROOT } from "../helpers/run_script.ts";

/** A repo path in prose or a string: not part of a longer path, ending on a word character. */
const PATH =
  /(?<![\w/.<>-])(?:lib|data|tests)\/[\w./-]*\w(?=[\s"'`),;:]|\.\s|\.$)/g;

Deno.test("every repo path a task's header or help names exists", async () => {
  const missing: string[] = [];
  let checked = 0;
  for await (const entry of Deno.readDir(`${REPO_ROOT}lib/cli`)) {
    if (!entry.name.endsWith(".ts")) continue;
    const text = await Deno.readTextFile(`${REPO_ROOT}lib/cli/${entry.name}`);
    for (const [path] of text.matchAll(PATH)) {
      checked++;
      try {
        await Deno.stat(`${REPO_ROOT}${path}`);
      } catch {
        missing.push(`lib/cli/${entry.name}: ${path}`);
      }
    }
  }
  assert.ok(
    checked >= 10,
    `only ${checked} paths found: is the pattern right?`,
  );
  assert.deepEqual(missing, []);
});
