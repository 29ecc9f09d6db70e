/**
 * W&B runs through `@wandb/sdk` against a fake W&B server on 127.0.0.1
 * (tests/helpers/fake_wandb.ts): a tiny SFT run's records, config and end as
 * the server got them, a server that refuses the key, and Ctrl-C on a
 * reporting run (the SDK's own signal listeners must not take it).
 */
import assert from "node:assert/strict";
import process from "node:process";
import { initEngine } from "../../lib/engine/mod.ts";
import { MetricsLog } from "../../lib/train/metrics_log.ts";
import { parseSftConfig } from "../../lib/train/sft/config.ts";
import { loadSftData } from "../../lib/train/sft/from_config.ts";
import { runSft } from "../../lib/train/sft/trainer.ts";
import { wandbHistoryRow } from "../../lib/train/wandb/run.ts";
import { toyConversations, writeTinyChatModel } from "../helpers/chat_model.ts";
import { fakeWandb } from "../helpers/fake_wandb.ts";

await initEngine({ verbose: false });

const SFT_CLI = new URL("../../lib/cli/sft.ts", import.meta.url).pathname;

/** A key shaped like W&B's (40 characters), easy to find where it must not be. */
const KEY = "tbkey0123456789abcdef0123456789abcdef0123";
const AUTH = `Basic ${btoa(`api:${KEY}`)}`;

/** A tiny SFT run in `root` reporting to `server`; console lines are collected. */
async function tinyRun(
  root: string,
  serverUrl: string,
  extra: Record<string, unknown>,
  options: { stopAfterStep?: number } = {},
) {
  const config = parseSftConfig({
    model: `${root}/model`,
    train_data: `${root}/train.json`,
    eval_data: `${root}/train.json`,
    output_dir: `${root}/out`,
    lora: { r: 2, lora_alpha: 4, target_modules: "all-linear" },
    per_device_train_batch_size: 2,
    max_steps: 3,
    logging_steps: 1,
    eval_steps: 2,
    save_steps: 0,
    learning_rate: 1e-3,
    report_to: "wandb",
    ...extra,
  }, "cfg.json");
  const lines: string[] = [];
  const { error, log } = console;
  console.error = console.log = (...args: unknown[]) =>
    lines.push(args.map(String).join(" "));
  try {
    const result = await runSft(config, await loadSftData(config), {
      progress: false,
      overwrite: true,
      ...options,
      reportEnv: {
        env: {
          WANDB_API_KEY: KEY,
          WANDB_BASE_URL: serverUrl,
          WANDB_PROJECT: "tiny",
        },
        envFile: null,
      },
    });
    return { result, lines, error: null };
  } catch (caught) {
    return { result: null, lines, error: caught as Error };
  } finally {
    console.error = error;
    console.log = log;
  }
}

async function tinySetUp(name: string): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: `report-to-${name}-` });
  await writeTinyChatModel(`${root}/model`, { hidden: 16, layers: 1 });
  await Deno.writeTextFile(
    `${root}/train.json`,
    JSON.stringify(toyConversations(4)),
  );
  return root;
}

/**
 * `deno task sft` on a tiny config in `root` (the model, data and output
 * folder set, reporting to W&B, plus `fields`), with W&B's key and `env`.
 */
async function sftTask(
  root: string,
  fields: Record<string, unknown>,
  env: Record<string, string>,
): Promise<Deno.Command> {
  await Deno.writeTextFile(
    `${root}/config.json`,
    JSON.stringify({
      model: `${root}/model`,
      train_data: `${root}/train.json`,
      output_dir: `${root}/out`,
      report_to: "wandb",
      ...fields,
    }),
  );
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--no-check",
      SFT_CLI,
      "--config",
      `${root}/config.json`,
    ],
    env: { WANDB_API_KEY: KEY, ...env },
    stdout: "piped",
    stderr: "piped",
  });
}

Deno.test("a tiny SFT run reports every metrics record to W&B, with its config, and finishes the run; the key goes only in the Authorization header", async () => {
  const root = await tinySetUp("run");
  const server = fakeWandb();
  const signalListeners = process.listenerCount("SIGINT") +
    process.listenerCount("SIGTERM");
  try {
    const run = await tinyRun(root, server.url, {});
    assert.equal(run.error?.message, undefined);
    const records = await MetricsLog.read(`${root}/out/metrics.jsonl`);
    assert.deepEqual(records.map((r) => r.step), [1, 2, 2, 3, 3]);

    const [upsert] = server.upserts();
    assert.equal(server.upserts().length, 1);
    assert.equal(upsert.project, "tiny");
    assert.equal(upsert.entity, "tunebook-tests");
    assert.equal(upsert.displayName, "out"); // output_dir's last folder
    const config = JSON.parse(upsert.config as string);
    assert.deepEqual(config.learning_rate, { desc: null, value: 1e-3 });
    assert.deepEqual(config.report_to, { desc: null, value: ["wandb"] });
    assert.equal(config.trainer.value, "sft");
    assert.equal(config.lora.value.r, 2);

    // One history row per record, in order, under transformers' names.
    const rows = server.history();
    assert.deepEqual(
      rows.map((row) => {
        const { _runtime, _timestamp, _step, ...metrics } = row;
        assert.equal(typeof _runtime, "number");
        assert.equal(typeof _timestamp, "number");
        return { _step, ...metrics };
      }),
      records.map((record, i) => ({ _step: i, ...wandbHistoryRow(record) })),
    );
    assert.ok("train/loss" in rows[0] && "eval/loss" in rows[2]);
    assert.deepEqual(server.exitCodes(), [0]);

    for (const request of server.requests) {
      assert.equal(request.authorization, AUTH, request.path);
      assert.ok(!request.text.includes(KEY), request.path);
    }
    const text = [
      ...run.lines,
      await Deno.readTextFile(`${root}/out/metrics.jsonl`),
    ].join("\n");
    assert.ok(!text.includes(KEY) && !text.includes(btoa(`api:${KEY}`)));
    assert.ok(
      run.lines.includes(
        `[sft] W&B: reporting to ${server.url}/tunebook-tests/tiny/runs/${upsert.name}`,
      ),
      run.lines.join("\n"),
    );
    // The SDK's signal listeners are gone: Ctrl-C still stops cleanly.
    assert.equal(
      process.listenerCount("SIGINT") + process.listenerCount("SIGTERM"),
      signalListeners,
    );

    // A run that stops before its final weights ends its W&B run failed.
    const stopped = await tinyRun(root, server.url, {
      run_name: "stopped-early",
    }, { stopAfterStep: 1 });
    assert.equal(stopped.error?.message, undefined);
    assert.equal(server.upserts()[1].displayName, "stopped-early");
    assert.deepEqual(server.exitCodes(), [0, 1]);
  } finally {
    await server.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a W&B server that refuses the key stops the run with one line: no key, no stack", async () => {
  const root = await tinySetUp("refused");
  const server = fakeWandb({ viewerStatus: 401 });
  try {
    const run = await tinyRun(root, server.url, {});
    assert.equal(run.error?.name, "InputError");
    assert.equal(
      run.error?.message,
      `W&B: no run started at ${server.url} (project tiny): the server did not say whose WANDB_API_KEY this is (see the line above)`,
    );
    assert.ok(
      run.lines.includes("[sft] W&B: HTTP 401: refused (401)"),
      run.lines.join("\n"),
    );
    for (const line of run.lines) {
      assert.ok(!line.includes(KEY), line);
      assert.ok(!/\n\s+at /.test(line), `a stack: ${line}`);
    }
    // The folder is released: the next run may take it.
    await assert.rejects(
      () => Deno.stat(`${root}/out/.tunebook.lock`),
      Deno.errors.NotFound,
    );
  } finally {
    await server.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("Ctrl-C on a run that reports to W&B still saves a checkpoint and exits 130; the W&B run ends failed", async () => {
  const root = await tinySetUp("sigint");
  const server = fakeWandb();
  try {
    const child = (await sftTask(root, {
      lora: { r: 2 },
      per_device_train_batch_size: 2,
      max_steps: 2000,
      logging_steps: 1,
      save_steps: 0,
    }, { WANDB_BASE_URL: server.url, WANDB_PROJECT: "tiny" })).spawn();
    const stderr = new Response(child.stderr).text();
    await child.stdout.cancel();
    for (let i = 0; i < 3000; i++) {
      const text = await Deno.readTextFile(`${root}/out/metrics.jsonl`)
        .catch(() => "");
      if (text.split("\n").length > 3) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill("SIGINT");
    const status = await child.status;
    const log = await stderr;
    assert.equal(status.code, 130, log);
    assert.match(
      log.trim().split("\n").at(-1)!,
      /^sft: stopped by SIGINT after step (\d+) of 2000 \(saved .*\/out\/checkpoint-\1\)/,
    );
    assert.ok(!log.includes(KEY));
    const records = await MetricsLog.read(`${root}/out/metrics.jsonl`);
    assert.equal(server.history().length, records.length);
    assert.deepEqual(server.exitCodes(), [130]);
  } finally {
    await server.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a W&B server that keeps failing holds the run only WANDB_INIT_TIMEOUT seconds, then one line", async () => {
  const root = await tinySetUp("timeout");
  // 5xx: the SDK retries the one failed request for many minutes.
  const server = fakeWandb({ viewerStatus: 503 });
  try {
    const task = await sftTask(root, { max_steps: 2 }, {
      WANDB_BASE_URL: server.url,
      WANDB_PROJECT: "tiny",
      WANDB_INIT_TIMEOUT: "1",
    });
    const started = performance.now();
    const out = await task.output();
    const log = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 1, log);
    assert.equal(
      log.trim().split("\n").at(-1),
      `sft: W&B: no run started at ${server.url} (project tiny): no answer within 1 s (WANDB_INIT_TIMEOUT)`,
    );
    assert.match(log, /^\[sft\] W&B: request failed; retrying in \d+ s$/m);
    assert.doesNotMatch(log, /^\s+at /m, "no stack");
    assert.ok(!log.includes(KEY));
    assert.ok(performance.now() - started < 60_000);
  } finally {
    await server.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a W&B server that refuses to create the run ends the task with one line each from tunebook and the SDK", async () => {
  const root = await tinySetUp("upsert");
  const server = fakeWandb({ upsertStatus: 403 });
  try {
    const out = await (await sftTask(root, { max_steps: 2 }, {
      WANDB_BASE_URL: server.url,
    })).output();
    const log = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 1, log);
    // The SDK throws this from its own message listener, past any catch.
    assert.deepEqual(log.trim().split("\n").slice(-2), [
      "[sft] W&B: HTTP 403: refused (403)",
      "sft: Failed to upsert run",
    ]);
    assert.ok(!log.includes(KEY));
  } finally {
    await server.close();
    await Deno.remove(root, { recursive: true });
  }
});
