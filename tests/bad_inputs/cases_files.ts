/**
 * Bad inputs of model, adapter and checkpoint loading (truncated
 * safetensors, headers that lie, configs that disagree with the weights,
 * missing files), in the shape of cases.ts.
 *
 * @module
 */
import type { Case } from "./cases.ts";
import { editJson, lieAboutHeader, truncateHalf } from "./fixtures.ts";

const slug = (name: string) => name.replace(/\W+/g, "_");

/** A model folder made from the fixture model, then broken by `change`. */
function brokenModel(
  name: string,
  change: (dir: string) => void,
  mention: (dir: string) => string,
): Case {
  return {
    name,
    task: "score",
    setUp(f) {
      const dir = f.copyDir(f.model, slug(name), change);
      const out = f.out("scores.json");
      return {
        args: ["--model", dir, "--ids", "1,2,3", "--out", out],
        mentions: [mention(dir)],
        absent: [out],
      };
    },
  };
}

/** A chat run whose adapter folder is the fixture adapter broken by `change`. */
function brokenAdapter(
  name: string,
  change: (dir: string) => void,
  mentions: (dir: string) => string[],
): Case {
  return {
    name,
    task: "chat",
    setUp(f) {
      const dir = f.copyDir(f.adapter, slug(name), change);
      return {
        args: ["--model", f.model, "--adapter", dir],
        stdin: "hello\n",
        mentions: [dir, ...mentions(dir)],
      };
    },
  };
}

/** An SFT run resumed from the fixture checkpoint broken by `change`. */
function brokenCheckpoint(
  name: string,
  change: (dir: string) => void,
  mention: (dir: string) => string,
): Case {
  return {
    name,
    task: "sft",
    setUp(f) {
      const dir = f.copyDir(f.checkpoint, slug(name), change);
      const config = f.sftConfig(`${slug(name)}.json`, { max_steps: 2 });
      return {
        args: ["--config", config, "--resume-from", dir],
        mentions: [mention(dir)],
      };
    },
  };
}

export const FILE_CASES: Case[] = [
  // models
  brokenModel(
    "model: malformed config.json",
    (dir) => Deno.writeTextFileSync(`${dir}/config.json`, '{"model_type": '),
    (dir) => `${dir}/config.json`,
  ),
  brokenModel(
    "model: config.json with a mistyped field",
    (dir) => editJson(`${dir}/config.json`, (c) => c.num_hidden_layers = "two"),
    () => '"num_hidden_layers"',
  ),
  brokenModel(
    "model: truncated model.safetensors",
    (dir) => truncateHalf(`${dir}/model.safetensors`),
    (dir) => `${dir}/model.safetensors`,
  ),
  brokenModel(
    "model: a safetensors header that claims more bytes than the file",
    (dir) => lieAboutHeader(`${dir}/model.safetensors`),
    (dir) => `${dir}/model.safetensors`,
  ),

  // adapters
  brokenAdapter(
    "adapter: truncated adapter_model.safetensors",
    (dir) => truncateHalf(`${dir}/adapter_model.safetensors`),
    () => ["adapter_model.safetensors"],
  ),
  brokenAdapter(
    "adapter: a header that claims more bytes than the file",
    (dir) => lieAboutHeader(`${dir}/adapter_model.safetensors`),
    () => ["adapter_model.safetensors"],
  ),
  brokenAdapter(
    "adapter: weights file missing",
    (dir) => Deno.removeSync(`${dir}/adapter_model.safetensors`),
    () => ["adapter_model.safetensors"],
  ),
  brokenAdapter(
    "adapter: adapter_config r disagrees with the tensors",
    (dir) => editJson(`${dir}/adapter_config.json`, (c) => c.r = 4),
    () => ["shape"],
  ),
  brokenAdapter(
    "adapter: adapter_config targets a module the model lacks",
    (dir) =>
      editJson(
        `${dir}/adapter_config.json`,
        (c) => c.target_modules = ["query_key_value"],
      ),
    () => ["query_key_value"],
  ),
  brokenAdapter(
    "adapter: malformed adapter_config.json",
    (dir) => Deno.writeTextFileSync(`${dir}/adapter_config.json`, "{"),
    () => ["adapter_config.json"],
  ),

  // checkpoints and adapters a trainer starts from
  {
    name: "sft: --resume-from a missing folder",
    task: "sft",
    setUp(f) {
      const missing = `${f.root}/no-checkpoint`;
      const config = f.sftConfig("resume-missing.json");
      return {
        args: ["--config", config, "--resume-from", missing],
        mentions: [missing],
      };
    },
  },
  brokenCheckpoint(
    "checkpoint: malformed trainer_state.json",
    (dir) => Deno.writeTextFileSync(`${dir}/trainer_state.json`, "{"),
    (dir) => `${dir}/trainer_state.json`,
  ),
  brokenCheckpoint(
    "checkpoint: truncated optimizer.safetensors",
    (dir) => truncateHalf(`${dir}/optimizer.safetensors`),
    (dir) => `${dir}/optimizer.safetensors`,
  ),
  brokenCheckpoint(
    "checkpoint: truncated adapter weights",
    (dir) => truncateHalf(`${dir}/adapter_model.safetensors`),
    (dir) => `${dir}/adapter_model.safetensors`,
  ),
  {
    name: "sft: init_adapter names a missing folder",
    task: "sft",
    setUp(f) {
      const missing = `${f.root}/no-init-adapter`;
      const config = f.sftConfig("init-missing.json", {
        init_adapter: missing,
      });
      return { args: ["--config", config], mentions: [missing] };
    },
  },
];
