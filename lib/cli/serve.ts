/**
 * `deno task serve`: an inference server with vLLM's OpenAI-compatible API
 * (`/v1/models`, `/v1/completions`, `/v1/chat/completions`, runtime LoRA
 * loading) and the reference project's demo API (`/health`, `/generate`,
 * `/batch_generate`). Concurrent requests are batched into shared
 * generation steps (lib/serve/batcher.ts).
 *
 *   deno task serve [--model M] [--adapter NAME=DIR …] [--host H] [--port P]
 *                   [--max-batch N] [--max-queue N] [--backend B]
 *
 * The port opens first and prints its URL (`/health` answers 503 until the
 * model is loaded); SIGTERM or Ctrl-C stops taking requests, finishes the
 * running batch and exits 0.
 *
 * @module
 */
import { initEngine } from "../engine/mod.ts";
import { DEFAULT_MODEL_DIR } from "../model/default_model.ts";
import { loadBaseModel } from "../serve/models.ts";
import { startServer } from "../serve/server.ts";
import { UsageError } from "../util/errors.ts";
import { flag } from "../util/flags.ts";
import { watchInterrupts } from "../util/interrupts.ts";
import { startTask } from "./task.ts";

/** `NAME=DIR` of `--adapter`. */
function adapterSpec(text: string): { name: string; path: string } {
  const eq = text.indexOf("=");
  if (eq <= 0 || eq === text.length - 1) {
    throw new Error(`expected NAME=DIR, got "${text}"`);
  }
  return { name: text.slice(0, eq), path: text.slice(eq + 1) };
}

const { values: args } = startTask({
  name: "serve",
  summary:
    "Serve a model over HTTP: vLLM's OpenAI-compatible API (/v1/…) and the reference demo API (/generate).",
  flags: {
    model: flag.string("model folder or hub id (default: the default model)", {
      arg: "M",
    }),
    "served-model-name": flag.string(
      "the name clients pass as model (default: --model, or tiny-base)",
      { arg: "NAME" },
    ),
    adapter: flag.list(
      "PEFT LoRA adapter served as model NAME",
      adapterSpec,
      { arg: "NAME=DIR" },
    ),
    host: flag.string("interface to listen on", {
      arg: "H",
      default: "127.0.0.1",
    }),
    port: flag.integer("port (0: any free one)", { max: 65535, default: 8000 }),
    "max-batch": flag.integer("choices generated together per batch", {
      min: 1,
      default: 32,
    }),
    "max-queue": flag.integer("requests waiting before 429", {
      min: 1,
      default: 256,
    }),
    "max-body-bytes": flag.integer("largest request body before 413", {
      min: 1,
      default: 8 * 1024 * 1024,
    }),
  },
});

const names = args.adapter.map((a) => a.name);
const repeated = names.find((n, i) => names.indexOf(n) !== i);
if (repeated) {
  throw new UsageError(`--adapter: the name "${repeated}" is given twice`);
}

// --backend (every task takes it) sets TUNEBOOK_BACKEND, which initEngine reads.
const engine = await initEngine({ verbose: false });
const source = args.model ?? DEFAULT_MODEL_DIR;
const name = args["served-model-name"] ?? args.model ?? "tiny-base";
const server = startServer(() => loadBaseModel(source, name), {
  hostname: args.host,
  port: args.port,
  maxBatch: args["max-batch"],
  maxQueue: args["max-queue"],
  maxBodyBytes: args["max-body-bytes"],
  adapters: args.adapter,
});
console.log(`serving at ${server.url}`);
console.error(`serve: loading ${source} (${engine.summary})`);

let stopping = false;
watchInterrupts((signal) => {
  stopping = true;
  console.error(`serve: ${signal}: finishing the running batch, then exiting`);
  server.shutdown().then(() => Deno.exit(0));
});
await server.ready;
if (!stopping) {
  console.error(
    `serve: ready: model "${name}"${
      names.length ? `, adapters ${names.map((n) => `"${n}"`).join(", ")}` : ""
    } (OpenAI API under ${server.url}/v1)`,
  );
}
