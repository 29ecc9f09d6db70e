/**
 * `deno task test`: runs the whole suite with `deno test` and closes with the
 * plain line `N passed, N failed` that CI reads (Deno's own summary line,
 * `ok | 5 passed (3 steps) | 0 failed`, is not recognised there).
 *
 * Extra arguments go to `deno test` (e.g. a folder or `--filter`).
 *
 * @module
 */

const args = Deno.args.length ? Deno.args : ["tests/"];
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
