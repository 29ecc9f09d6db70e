/**
 * Benchmarks that measure in a fresh process — so that memory one cell
 * left behind (the wasm heap never shrinks) cannot slow or break the next,
 * and the process's peak RSS is the cell's own — run a child that prints
 * one `RESULT {json}` line. This is the one place that starts such a child
 * and reads its line, for tunebook's children and the PyTorch peer alike.
 *
 * @module
 */

/** The `RESULT` line's JSON of `command args`; throws with the child's last stderr line when it fails. */
export async function runResultChild(
  command: string,
  args: readonly string[],
  what: string,
  env: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  const out = await new Deno.Command(command, {
    args: [...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const line = new TextDecoder().decode(out.stdout).split("\n")
    .find((l) => l.startsWith("RESULT "));
  if (!out.success || !line) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n")
      .filter((l) => !/^\s+at /.test(l)).at(-1);
    throw new Error(`${what} failed: ${err || `exit ${out.code}`}`);
  }
  return JSON.parse(line.slice("RESULT ".length));
}

/** This process's peak resident memory in GiB (Linux `VmHWM`), or null elsewhere. */
export function peakRssGiB(): number | null {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const kb = Number(/VmHWM:\s+(\d+)\s+kB/.exec(status)?.[1]);
    return Number.isFinite(kb) ? kb / 2 ** 20 : null;
  } catch {
    return null;
  }
}
