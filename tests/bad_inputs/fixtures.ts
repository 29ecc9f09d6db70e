/**
 * The files the bad-input cases run against, generated into a temp folder:
 * a tiny chat model with a 64-token context, good data and configs to start
 * from, and broken copies of models, adapters, checkpoints and data files.
 *
 * @module
 */
import { initEngine } from "../../lib/engine/mod.ts";
import { loadPretrained } from "../../lib/model/pretrained.ts";
import { applyLora, saveAdapter } from "../../lib/peft/mod.ts";
import { runSftFromConfig } from "../../lib/train/sft/from_config.ts";
import { runRewardFromConfig } from "../../lib/train/reward/from_config.ts";
import { writeTinyChatModel } from "../helpers/chat_model.ts";

/** The model's context: short enough that a long row does not fit. */
export const CONTEXT = 64;

/** Where everything is; `out(name)` is a fresh output path per case. */
export interface Fixtures {
  root: string;
  model: string;
  adapter: string;
  checkpoint: string;
  /** A reward model (SEQ_CLS adapter) on `model`, written by deno task reward's trainer. */
  rewardModel: string;
  /** Writes `content` (text, bytes or JSON) to `root/name` and returns the path. */
  file(name: string, content: string | Uint8Array | unknown): string;
  /** A fresh output path under root (never created here). */
  out(name: string): string;
  /** A valid SFT config's fields, with `overrides`, written as `name`. */
  sftConfig(name: string, overrides?: Record<string, unknown>): string;
  /** A valid GRPO config's fields, with `overrides`, written as `name`. */
  grpoConfig(name: string, overrides?: Record<string, unknown>): string;
  /** A copy of the folder `from` as `name`, then `change` applied to it. */
  copyDir(
    from: string,
    name: string,
    change: (dir: string) => void,
  ): string;
}

const encoder = new TextEncoder();

/** Bytes of text with raw bytes spliced in. */
export function bytes(...parts: (string | number[])[]): Uint8Array {
  return Uint8Array.from(
    parts.flatMap((p) => typeof p === "string" ? [...encoder.encode(p)] : p),
  );
}

/** JSON Lines text of rows. */
export function jsonl(rows: unknown[]): string {
  return rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
}

const conversation = (topic: string) => ({
  conversations: [
    { role: "user", content: `Write about ${topic}` },
    { role: "assistant", content: `the ${topic} is calm` },
  ],
});

/** Builds every fixture (about two seconds: one tiny SFT step for a checkpoint, one reward-model step). */
export async function makeFixtures(): Promise<Fixtures> {
  await initEngine({ verbose: false });
  const root = await Deno.makeTempDir({ prefix: "bad-inputs-" });
  const model = await writeTinyChatModel(`${root}/model`, {
    seed: 1,
    context: CONTEXT,
  });
  // Cases run as a pool after every set-up: two cases writing one name would
  // test each other's file, so a repeated name is a mistake in the cases.
  const written = new Set<string>();
  const file = (name: string, content: unknown) => {
    if (written.has(name)) {
      throw new Error(`fixture file ${name} written twice`);
    }
    written.add(name);
    const path = `${root}/${name}`;
    if (content instanceof Uint8Array) Deno.writeFileSync(path, content);
    else {
      Deno.writeTextFileSync(
        path,
        typeof content === "string" ? content : JSON.stringify(content),
      );
    }
    return path;
  };
  let outputs = 0;
  const out = (name: string) => `${root}/out-${outputs++}-${name}`;
  const train = file(
    "train.jsonl",
    jsonl(["rain", "snow", "moon", "sea"].map(conversation)),
  );
  const prompts = file(
    "prompts.jsonl",
    jsonl(["rain", "snow"].map((t) => ({
      prompt: [{ role: "user", content: `Say ${t}` }],
    }))),
  );
  const lora = { r: 2, lora_alpha: 4, target_modules: ["q_proj", "v_proj"] };
  const sftBase = {
    model,
    train_data: train,
    lora,
    max_steps: 1,
    per_device_train_batch_size: 2,
    save_steps: 1,
  };
  const grpoBase = {
    model,
    train_data: prompts,
    lora,
    rewards: [{ name: "length", target: 10 }],
    per_device_train_batch_size: 2,
    num_generations: 2,
    max_completion_length: 8,
    max_steps: 1,
  };
  const sftConfig = (name: string, overrides = {}) =>
    file(name, { ...sftBase, output_dir: out(name), ...overrides });
  const grpoConfig = (name: string, overrides = {}) =>
    file(name, { ...grpoBase, output_dir: out(name), ...overrides });

  // A real adapter and a real checkpoint, written by the code under test.
  const adapter = `${root}/adapter`;
  const { model: loaded } = await loadPretrained(model);
  const adapters = applyLora(loaded, {
    r: 2,
    alpha: 4,
    dropout: 0,
    targetModules: ["q_proj", "v_proj"],
    useRslora: false,
    init: "gaussian",
  }, { seed: 1 });
  await saveAdapter(adapter, adapters, { baseModel: model });
  adapters.remove();
  loaded.dispose();
  const run = `${root}/run`;
  await runSftFromConfig(
    { ...sftBase, output_dir: run },
    "fixture",
    { progress: false },
  );

  const rewardModel = `${root}/reward-model`;
  await runRewardFromConfig(
    {
      model,
      train_data: file(
        "pairs.jsonl",
        jsonl([{ prompt: "Say rain", chosen: " rain", rejected: " snow" }]),
      ),
      output_dir: rewardModel,
      lora,
      max_steps: 1,
      save_steps: 0,
    },
    "fixture",
    { progress: false },
  );

  const copyDir = (from: string, name: string, change: (d: string) => void) => {
    const dir = `${root}/${name}`;
    Deno.mkdirSync(dir);
    for (const entry of Deno.readDirSync(from)) {
      if (entry.isFile) {
        Deno.copyFileSync(`${from}/${entry.name}`, `${dir}/${entry.name}`);
      }
    }
    change(dir);
    return dir;
  };
  return {
    root,
    model,
    adapter,
    checkpoint: `${run}/checkpoint-1`,
    rewardModel,
    file,
    out,
    sftConfig,
    grpoConfig,
    copyDir,
  };
}

/** Cuts the file at `path` to half its length (an interrupted copy). */
export function truncateHalf(path: string): void {
  const data = Deno.readFileSync(path);
  Deno.writeFileSync(path, data.subarray(0, Math.floor(data.length / 2)));
}

/** Rewrites a safetensors header length to claim more bytes than the file has. */
export function lieAboutHeader(path: string): void {
  const data = Deno.readFileSync(path);
  new DataView(data.buffer).setBigUint64(0, BigInt(data.length * 4), true);
  Deno.writeFileSync(path, data);
}

/** Edits a JSON file in place. */
export function editJson(path: string, edit: (json: any) => void): void {
  const json = JSON.parse(Deno.readTextFileSync(path));
  edit(json);
  Deno.writeTextFileSync(path, JSON.stringify(json));
}
