/**
 * Every malformed input of cases*.ts, run as a real
 * process of its task (a few at a time), ends the way a user can act on:
 * the expected exit status, one error line that starts with the task's
 * name and names the file, field, line or flag at fault, no "Uncaught" and
 * no stack frame, no internal names, and no output left where a failed run
 * must not leave one.
 *
 * @module
 */
import assert from "node:assert/strict";
import { pool, REPO_ROOT } from "../helpers/run_script.ts";
import { type Case, CASES, type Run } from "./cases.ts";
import { DPO_CASES } from "./cases_dpo.ts";
import { FILE_CASES } from "./cases_files.ts";
import { TASK_CASES } from "./cases_tasks.ts";
import { REWARD_CASES } from "./cases_reward.ts";
import { PPO_CASES } from "./cases_ppo.ts";
import { makeFixtures } from "./fixtures.ts";

const ALL = [
  ...CASES,
  ...TASK_CASES,
  ...FILE_CASES,
  ...DPO_CASES,
  ...REWARD_CASES,
  ...PPO_CASES,
];

/** The script of each deno.json task ("deno run -A lib/cli/x.ts"). */
const SCRIPTS: Record<string, string> = Object.fromEntries(
  Object.entries(
    JSON.parse(Deno.readTextFileSync(`${REPO_ROOT}deno.json`)).tasks as Record<
      string,
      string
    >,
  ).map(([name, command]) => [name, command.split(" ").at(-1)!]),
);

interface Outcome {
  code: number;
  stderr: string;
  seconds: number;
}

async function runCase(c: Case, run: Run): Promise<Outcome> {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SCRIPTS[c.task], ...run.args],
    cwd: REPO_ROOT,
    env: { NO_COLOR: "1" },
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(run.stdin ?? ""));
  await writer.close();
  const out = await child.output();
  return {
    code: out.code,
    stderr: new TextDecoder().decode(out.stderr),
    seconds: (performance.now() - started) / 1000,
  };
}

/** What is wrong with one case's outcome, or null. */
function problems(c: Case, run: Run, outcome: Outcome): string[] {
  const found: string[] = [];
  const expected = c.code ?? 1;
  if (outcome.code !== expected) {
    found.push(`exit ${outcome.code}, expected ${expected}`);
  }
  if (/Uncaught|internal error|^\s+at /m.test(outcome.stderr)) {
    found.push("a stack trace or an uncaught error");
  }
  // Progress and notes may come first; the error is the last line, alone.
  const last = outcome.stderr.trimEnd().split("\n").at(-1) ?? "";
  if (!last.startsWith(`${c.task}: `)) {
    found.push(`the last line does not start with "${c.task}: "`);
  }
  for (const mention of run.mentions) {
    if (!last.includes(mention)) found.push(`does not name ${mention}`);
  }
  for (const name of run.not ?? []) {
    if (last.includes(name)) found.push(`names internal ${name}`);
  }
  for (const path of run.absent ?? []) {
    try {
      Deno.statSync(path);
      found.push(`left ${path} behind`);
      // Some absent paths are in the repo: never leave litter there.
      Deno.removeSync(path, { recursive: true });
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return found;
}

Deno.test(`bad inputs: ${ALL.length} malformed inputs across every entry point end in one clear line`, async () => {
  assert.ok(ALL.length >= 40, `${ALL.length} cases`);
  const names = ALL.map((c) => c.name);
  assert.equal(new Set(names).size, names.length, "case names are unique");
  const f = await makeFixtures();
  try {
    const runs = ALL.map((c) => c.setUp(f));
    const outcomes = await pool(
      ALL.map((c, i) => [c, runs[i]] as const),
      ([c, run]) => runCase(c, run),
      3,
    );
    const failures = ALL.flatMap((c, i) => {
      const found = problems(c, runs[i], outcomes[i]);
      return found.length
        ? [
          `${c.name}: ${found.join("; ")}\n  stderr: ${
            JSON.stringify(outcomes[i].stderr.trimEnd())
          }`,
        ]
        : [];
    });
    assert.deepEqual(failures, [], failures.join("\n"));
  } finally {
    await Deno.remove(f.root, { recursive: true });
  }
});
