/**
 * report_to: the one shared field as every trainer's parser reads it, the W&B
 * settings, a missing key, WANDB_MODE offline and disabled, and the shapes
 * sent to W&B (rows, config, the SDK's output). Runs against a fake W&B
 * server are in wandb_run_test.ts.
 */
import assert from "node:assert/strict";
import { initEngine } from "../../lib/engine/mod.ts";
import { TRAINER_CONFIGS } from "../../lib/train/configs.ts";
import { reportingPlan, startReporting } from "../../lib/train/report_to.ts";
import { RUN_FIELDS } from "../../lib/train/run_config.ts";
import { parseSftConfig } from "../../lib/train/sft/config.ts";
import { loadSftData } from "../../lib/train/sft/from_config.ts";
import { runSft } from "../../lib/train/sft/trainer.ts";
import { wandbConfig, wandbHistoryRow } from "../../lib/train/wandb/run.ts";
import { sdkLine } from "../../lib/train/wandb/sdk_output.ts";
import { wandbSettings } from "../../lib/train/wandb/settings.ts";
import { parseConfig } from "../../lib/util/config_fields.ts";
import { toyConversations } from "../helpers/chat_model.ts";

await initEngine({ verbose: false });

/** A key shaped like W&B's (40 characters), easy to find where it must not be. */
const KEY = "tbkey0123456789abcdef0123456789abcdef0123";

/** The least each trainer's config needs, plus `extra`. */
function minimal(trainer: string, extra: Record<string, unknown>) {
  const rewards = trainer === "grpo" || trainer === "ppo"
    ? { rewards: [{ name: "haiku", counter: "cmu" }] }
    : {};
  return { train_data: "t.json", output_dir: "out", ...rewards, ...extra };
}

Deno.test("report_to and run_name: one declaration, read by every trainer's parser", () => {
  assert.deepEqual(Object.keys(TRAINER_CONFIGS).sort(), [
    "dpo",
    "grpo",
    "ppo",
    "reward",
    "sft",
  ]);
  for (const [trainer, spec] of Object.entries(TRAINER_CONFIGS)) {
    // The shared declaration itself, not a copy that could drift.
    assert.equal(spec.fields.reportTo, RUN_FIELDS.reportTo, trainer);
    assert.equal(spec.fields.runName, RUN_FIELDS.runName, trainer);
    const plain = parseConfig(spec, minimal(trainer, {}), trainer);
    assert.deepEqual(plain.reportTo, [], `${trainer}: default "none"`);
    assert.equal(plain.runName, null, trainer);
    const wandb = parseConfig(
      spec,
      minimal(trainer, { report_to: ["wandb"], run_name: "first-try" }),
      trainer,
    );
    assert.deepEqual(wandb.reportTo, ["wandb"], trainer);
    assert.equal(wandb.runName, "first-try", trainer);
    assert.throws(
      () => parseConfig(spec, minimal(trainer, { report_to: "tb" }), trainer),
      /field "report_to"/,
      trainer,
    );
  }
});

Deno.test("report_to takes transformers' values; bad ones are one line naming the field", () => {
  const parse = (report_to: unknown) =>
    parseSftConfig(minimal("sft", { report_to }), "cfg.json").reportTo;
  assert.deepEqual(parse("none"), []);
  assert.deepEqual(parse(["none"]), []);
  assert.deepEqual(parse([]), []);
  assert.deepEqual(parse("wandb"), ["wandb"]);
  assert.deepEqual(parse(["wandb", "wandb"]), ["wandb"]);
  // "all": every integration tunebook has.
  assert.deepEqual(parse("all"), ["wandb"]);
  assert.throws(
    () => parse("tensorboard"),
    {
      message:
        'cfg.json: field "report_to" names "tensorboard", a transformers integration tunebook does not have; tunebook reports to "wandb", and every record is in metrics.jsonl',
    },
  );
  assert.throws(() => parse("wandbb"), /got "wandbb"; did you mean "wandb"\?/);
  assert.throws(
    () => parse(["none", "wandb"]),
    /field "report_to" lists "none" with other names; "none" stands alone/,
  );
  assert.throws(() => parse(3), /field "report_to" must be a list of strings/);
  assert.throws(
    () => parseSftConfig(minimal("sft", { run_name: 3 }), "cfg.json"),
    /field "run_name" must be a string/,
  );
});

Deno.test("W&B settings: the environment, then .env, with the Python library's defaults; bad values name the variable", async () => {
  const none = wandbSettings({ env: {}, envFile: null });
  assert.deepEqual(none, {
    mode: "online",
    baseUrl: "https://api.wandb.ai",
    project: "huggingface",
    entity: "",
    initTimeoutS: 90,
  });
  const dir = await Deno.makeTempDir({ prefix: "wandb-settings-" });
  try {
    const envFile = `${dir}/.env`;
    await Deno.writeTextFile(
      envFile,
      `WANDB_API_KEY=${KEY}\nWANDB_PROJECT=from-file\n`,
    );
    const s = wandbSettings({
      env: {
        WANDB_PROJECT: "haiku",
        WANDB_ENTITY: "team",
        WANDB_BASE_URL: "http://127.0.0.1:9/",
        WANDB_INIT_TIMEOUT: "5",
      },
      envFile,
    });
    assert.equal(s.apiKey, KEY);
    assert.equal(s.keySource, `WANDB_API_KEY in ${envFile}`);
    assert.equal(s.project, "haiku");
    assert.equal(s.baseUrl, "http://127.0.0.1:9");
    assert.equal(s.initTimeoutS, 5);
    assert.equal(s.entity, "team");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const mode = (env: Record<string, string>) =>
    wandbSettings({ env, envFile: null }).mode;
  assert.equal(mode({ WANDB_MODE: "offline" }), "offline");
  assert.equal(mode({ WANDB_MODE: "dryrun" }), "offline");
  assert.equal(mode({ WANDB_MODE: "disabled" }), "disabled");
  assert.equal(mode({ WANDB_DISABLED: "true" }), "disabled");
  assert.throws(
    () => mode({ WANDB_MODE: "sometimes" }),
    /^InputError: WANDB_MODE must be online, offline or disabled, got "sometimes"$/,
  );
  assert.throws(
    () =>
      wandbSettings({ env: { WANDB_BASE_URL: "api.wandb.ai" }, envFile: null }),
    /WANDB_BASE_URL must be an http\(s\) URL/,
  );
});

Deno.test("report_to wandb without WANDB_API_KEY fails before any model loads; offline and disabled train without W&B", async () => {
  const root = await Deno.makeTempDir({ prefix: "report-to-key-" });
  try {
    await Deno.writeTextFile(
      `${root}/train.json`,
      JSON.stringify(toyConversations(2)),
    );
    const config = parseSftConfig({
      // No model here: loading one would fail with another message.
      model: `${root}/no-model`,
      train_data: `${root}/train.json`,
      output_dir: `${root}/out`,
      report_to: "wandb",
    }, "cfg.json");
    const data = await loadSftData(config);
    await assert.rejects(
      () =>
        runSft(config, data, {
          progress: false,
          reportEnv: { env: {}, envFile: null },
        }),
      {
        name: "InputError",
        message:
          'report_to "wandb" needs WANDB_API_KEY (environment or .env); set it, or WANDB_MODE=offline or disabled to train without W&B',
      },
    );
    // Refused before the output folder was claimed.
    await assert.rejects(() => Deno.stat(`${root}/out`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
  const lines: string[] = [];
  const error = console.error;
  console.error = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    for (const WANDB_MODE of ["offline", "disabled"]) {
      const plan = reportingPlan(
        { reportTo: ["wandb"], runName: null, outputDir: "runs/haiku-sft/" },
        { env: { WANDB_MODE }, envFile: null },
      );
      assert.equal(plan?.runName, "haiku-sft");
      const reporter = await startReporting(
        "sft",
        plan,
        {},
        "runs/haiku-sft/metrics.jsonl",
      );
      assert.equal(reporter, null);
    }
  } finally {
    console.error = error;
  }
  assert.deepEqual(lines, [
    '[sft] report_to wandb: WANDB_MODE=offline, nothing goes to W&B (tunebook\'s W&B client, @wandb/sdk, keeps no offline run for "wandb sync"); every record is in runs/haiku-sft/metrics.jsonl',
    "[sft] report_to wandb: WANDB_MODE=disabled, nothing goes to W&B",
  ]);
  assert.equal(
    reportingPlan({ reportTo: [], runName: null, outputDir: "x" }, {
      env: {},
      envFile: null,
    }),
    null,
  );
});

Deno.test("W&B rows are transformers' rewrite_logs with train/global_step; config as the server stores it; the SDK's error dumps become one line", () => {
  assert.deepEqual(
    wandbHistoryRow({
      step: 7,
      loss: 1.5,
      "rewards/haiku/mean": 0.25,
      eval_loss: 2,
      test_accuracy: 0.5,
    }),
    {
      "train/loss": 1.5,
      "train/rewards/haiku/mean": 0.25,
      "eval/loss": 2,
      "test/accuracy": 0.5,
      "train/global_step": 7,
    },
  );
  assert.deepEqual(wandbConfig({ learning_rate: 1e-4, lora: { r: 8 } }), {
    learning_rate: { desc: null, value: 1e-4 },
    lora: { desc: null, value: { r: 8 } },
  });
  // What @wandb/sdk 0.5.1 passes to console.error / console.log.
  const clientError = Object.assign(
    new Error('permission denied: {"response":{"status":403}}'),
    { response: { errors: [{ message: "permission denied" }], status: 403 } },
  );
  assert.equal(
    sdkLine(["Fatal HTTP error (403): ", clientError]),
    "HTTP 403: permission denied",
  );
  const fetchError = new Error(
    "request to http://127.0.0.1:1/graphql failed, reason: connect ECONNREFUSED 127.0.0.1:1",
  );
  assert.equal(
    sdkLine(["Fatal error: ", fetchError]),
    "request to http://127.0.0.1:1/graphql failed, reason: connect ECONNREFUSED 127.0.0.1:1",
  );
  assert.equal(
    sdkLine(["Retrying failed request to W&B in 2311.69ms..."]),
    "request failed; retrying in 2 s",
  );
  assert.equal(sdkLine(["[sft] step 3"]), null);
  assert.equal(sdkLine([{ not: "a string" }]), null);
});
