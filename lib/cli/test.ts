/**
 * `deno task test`: runs the whole suite with `deno test` and closes with the
 * plain line `N passed, N failed` that CI reads (Deno's own summary line,
 * `ok | 5 passed (3 steps) | 0 failed`, is not recognised there).
 *
 * Paths, `--filter` and `--fail-fast` go to `deno test`; anything else is a
 * usage error (`deno test` itself takes many more: run it directly for those).
 *
 * @module
 */
import { flag } from "../util/flags.ts";
import { startTask } from "./task.ts";

const { values, positionals } = startTask({
  name: "test",
  summary:
    "Runs the test suite with deno test and closes with a plain `N passed, N failed` line (what CI reads).",
  flags: {
    filter: flag.string(
      "run only tests whose name contains TEXT (or /regex/)",
      {
        arg: "TEXT",
      },
    ),
    "fail-fast": flag.boolean("stop after the first failing test file"),
  },
  positionals: {
    arg: "[path ...]",
    doc: "test files or folders (default: tests/)",
  },
});
const args = [
  ...(values.filter === undefined ? [] : ["--filter", values.filter]),
  ...(values["fail-fast"] ? ["--fail-fast"] : []),
  ...(positionals.length ? positionals : ["tests/"]),
];
const command = new Deno.Command(Deno.execPath(), {
  args: ["test", "-A", "--no-check=remote", ...args],
  stdout: "piped",
  stderr: "inherit",
  env: { NO_COLOR: "1" },
});
const child = command.spawn();
const decoder = new TextDecoder();
let tail = "";
for await (const chunk of child.stdout) {
  const text = decoder.decode(chunk, { stream: true });
  await Deno.stdout.write(chunk);
  tail = (tail + text).slice(-4000);
}
const status = await child.status;
const summary = tail.match(/(\d+) passed.*?\|\s*(\d+) failed/g)?.at(-1);
const [passed, failed] = summary
  ? summary.match(/\d+/g)!.map(Number).filter((_, i, all) =>
    i === 0 || i === all.length - 1
  )
  : [0, 0];
// A run that crashed before summarising (type error, missing module) counts
// as one failure so CI can never read it as green.
const crashed = !summary && !status.success;
console.log(`${passed} passed, ${crashed ? 1 : failed} failed`);
Deno.exit(status.code);
