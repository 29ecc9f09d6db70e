/**
 * `deno task check`: the static checks CI runs — `deno fmt --check`,
 * `deno lint`, `deno check lib/ tests/` — one after another, stopping at the
 * first that fails (its exit status is the task's).
 *
 * @module
 */
import { startTask } from "./task.ts";

startTask({
  name: "check",
  summary:
    "Runs deno fmt --check, deno lint and deno check lib/ tests/, stopping at the first failure.",
  flags: {},
});
const steps = [["fmt", "--check"], ["lint"], ["check", "lib/", "tests/"]];
for (const args of steps) {
  const { code } = await new Deno.Command(Deno.execPath(), { args }).spawn()
    .status;
  if (code !== 0) Deno.exit(code);
}
