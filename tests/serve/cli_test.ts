/**
 * `deno task serve` as a process: it prints its URL once listening, serves
 * the model and an `--adapter`, and on SIGTERM finishes the request in
 * flight and exits 0; bad flags are one line, exit 2.
 */
import assert from "node:assert/strict";
import { REPO_ROOT, runScript } from "../helpers/run_script.ts";
import { BASE, saveTinyAdapter } from "./helpers.ts";

const SERVE = "lib/cli/serve.ts";

/** Starts the CLI and returns the process and the URL it printed. */
async function startCli(args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-no-legacy-abort", SERVE, ...args],
    cwd: REPO_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let printed = "";
  while (!printed.includes("\n")) {
    const { value, done } = await lines.read();
    if (done) break;
    printed += value;
  }
  lines.releaseLock();
  const url = printed.match(/^serving at (http:\/\/\S+)$/m)?.[1];
  assert.ok(url, `the URL line, got ${JSON.stringify(printed)}`);
  return { child, url };
}

async function waitHealthy(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const response = await fetch(`${url}/health`);
    await response.body?.cancel();
    if (response.status === 200) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the server did not become healthy");
}

Deno.test("serve: URL once listening; base and adapter served; SIGTERM finishes the stream in flight and exits 0", async () => {
  const adapter = await saveTinyAdapter(7);
  const { child, url } = await startCli([
    "--port",
    "0",
    "--adapter",
    `tuned=${adapter}`,
  ]);
  const stderr = new Response(child.stderr).text();
  try {
    await waitHealthy(url);
    const models = await (await fetch(`${url}/v1/models`)).json();
    assert.deepEqual(models.data.map((m: { id: string }) => m.id), [
      BASE,
      "tuned",
    ]);
    const response = await fetch(`${url}/v1/completions`, {
      method: "POST",
      body: JSON.stringify({
        model: "tuned",
        prompt: "The whale",
        max_tokens: 40,
        ignore_eos: true,
        stream: true,
      }),
    });
    const reader = response.body!.pipeThrough(new TextDecoderStream())
      .getReader();
    let text = (await reader.read()).value ?? ""; // generating now
    child.kill("SIGTERM");
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      text += r.value;
    }
    assert.ok(text.endsWith("data: [DONE]\n\n"), text.slice(-200));
    const chunks = text.split("\n\n").filter((e) => e.startsWith("data: {"))
      .map((e) => JSON.parse(e.slice(6)));
    assert.equal(chunks.at(-1).choices[0].finish_reason, "length");
    const { code } = await child.status;
    const log = await stderr;
    assert.equal(code, 0, log);
    assert.match(
      log,
      /serve: SIGTERM: finishing the running batch, then exiting/,
    );
    assert.doesNotMatch(log, /Uncaught|^\s+at /m, log);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await Deno.remove(adapter, { recursive: true });
  }
});

Deno.test("serve: bad flags are one line naming the flag, exit 2", async () => {
  const cases: [string[], RegExp][] = [
    [["--adapter", "nodir"], /--adapter: expected NAME=DIR, got "nodir"/],
    [
      ["--adapter", "a=x", "--adapter", "a=y"],
      /--adapter: the name "a" is given twice/,
    ],
    [["--port", "70000"], /--port must be an integer in \[0, 65535\]/],
    [["--max-batch", "0"], /--max-batch must be an integer ≥ 1/],
    [
      ["--backend", "gpu"],
      /--backend must be one of auto, tensorflow, wasm, cpu, webgpu/,
    ],
  ];
  for (const [args, message] of cases) {
    const run = await runScript(SERVE, args);
    assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
    const lines = run.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0], /^serve: /);
    assert.match(lines[0], message);
  }
});

Deno.test("serve: a model that cannot load is one line, exit 1", async () => {
  const run = await runScript(SERVE, [
    "--port",
    "0",
    "--model",
    "/no/such/model",
  ]);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stdout, /^serving at http:/);
  const lines = run.stderr.trimEnd().split("\n");
  assert.match(lines.at(-1)!, /^serve: .*\/no\/such\/model/);
  assert.doesNotMatch(run.stderr, /Uncaught|^\s+at /m);
});
