/**
 * Every task in deno.json behaves like a command-line tool: `--help` prints
 * its usage and exits 0; an unknown flag or a bad value is one line on
 * stderr naming the flag, exit 2, no stack trace — and all of it before any
 * model or data is loaded (the runs are quick because of that).
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  pool,
  REPO_ROOT,
  runTask,
  type ScriptRun,
} from "../helpers/run_script.ts";

const TASKS = Object.keys(
  JSON.parse(Deno.readTextFileSync(`${REPO_ROOT}deno.json`)).tasks,
);

/** Asserts a usage error: exit 2, one stderr line naming the task and `mention`, no stack. */
function assertUsageError(run: ScriptRun, name: string, mention: string) {
  const what = `deno task ${name}: ${JSON.stringify(run.stderr)}`;
  assert.equal(run.code, 2, what);
  const lines = run.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line of stderr, got ${what}`);
  assert.ok(lines[0].startsWith(`${name}: `), `names the task: ${what}`);
  assert.ok(lines[0].includes(mention), `names ${mention}: ${what}`);
  assert.doesNotMatch(run.stderr, /Uncaught|^\s+at /m, what);
}

Deno.test("every task: --help prints its usage and exits 0", async () => {
  assert.ok(TASKS.length >= 19, `deno.json lists ${TASKS.length} tasks`);
  const runs = await pool(TASKS, (name) => runTask(name, ["--help"]));
  TASKS.forEach((name, i) => {
    const { code, stdout, stderr } = runs[i];
    assert.equal(code, 0, `${name} --help: ${stderr}`);
    assert.match(
      stdout,
      new RegExp(`^usage: deno task ${name}\\b`, "m"),
      `${name} --help`,
    );
    assert.match(stdout, /--help +print this help/, `${name} --help`);
    assert.match(stdout, /--backend /, `${name} --help lists --backend`);
  });
});

Deno.test("every task: an unknown flag is one line naming it, exit 2", async () => {
  const runs = await pool(TASKS, (name) => runTask(name, ["--bogus-flag"]));
  TASKS.forEach((name, i) => assertUsageError(runs[i], name, '"--bogus-flag"'));
});

Deno.test("bad values are one line naming the flag, exit 2, before anything loads", async () => {
  const cases: [string, string[], string][] = [
    ["score", ["--model", "m", "--ids", "1,2", "--chunk", "abc"], "--chunk"],
    ["score", ["--model", "m", "--ids", "1,2", "--chunk", "0"], "--chunk"],
    ["score", ["--model", "m", "--ids", "1,x"], "--ids"],
    ["score", ["--ids", "1,2"], "--model is required"],
    ["sft", ["--config", "c.json", "--max-steps", "x"], "--max-steps"],
    ["sft", [], "--config is required"],
    ["grpo", ["--config", "c.json", "--max-steps", "0"], "--max-steps"],
    ["dpo", ["--config", "c.json", "--max-steps", "1.5"], "--max-steps"],
    ["dpo", [], "--config is required"],
    ["reward", [], "--config is required"],
    ["reward", ["--config", "c.json", "--max-steps", "-2"], "--max-steps"],
    ["train:demo", ["--steps", "-1"], "--steps"],
    ["train:demo", ["--lr", "abc"], "--lr"],
    ["pretrain", ["--steps", "abc"], "--steps"],
    ["pretrain", ["--quick=yes"], "--quick"],
    ["bench:gsm8k", ["--data", "d.jsonl", "--k", "0"], "--k"],
    ["bench:gsm8k", ["--data"], "--data"],
    ["answer", ["--questions", "q.jsonl", "--preset", "hot"], "--preset"],
    ["chat", ["--seed", "1.5"], "--seed"],
    ["data:math", ["--level", "hard"], "--level"],
    ["train:haiku", ["--counter", "syllables"], "--counter"],
    ["train:math", ["--steps", "1e9x"], "--steps"],
    ["train:safety", ["--k", "0"], "--k"],
    ["train:safety", ["--dpo-lr", "-1"], "--dpo-lr"],
    ["test", ["--filter"], "--filter"],
    ["test", ["--allow-all"], "--allow-all"],
    ["bench", ["nope"], '"nope"'],
    ["check", ["lib/"], '"lib/"'],
    ["train:alignment", ["--backend", "gpu"], "--backend"],
  ];
  const runs = await pool(cases, ([name, args]) => runTask(name, args));
  cases.forEach(([name, , mention], i) =>
    assertUsageError(runs[i], name, mention)
  );
});

Deno.test("a missing config file is one line naming it, exit 1", async () => {
  const missing = `${await Deno.makeTempDir()}/none.json`;
  const run = await runTask("sft", ["--config", missing]);
  assert.equal(run.code, 1, run.stderr);
  assert.equal(run.stderr.trimEnd().split("\n").length, 1, run.stderr);
  assert.ok(run.stderr.startsWith(`sft: ${missing}: cannot read the config`));
});
