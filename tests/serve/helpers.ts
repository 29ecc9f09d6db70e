/**
 * Shared pieces of the server tests: a LoRA adapter for the default model
 * (saved the way PEFT saves one), an in-process server on 127.0.0.1 with an
 * ephemeral port, and small request helpers.
 *
 * @module
 */
import assert from "node:assert/strict";
import { initEngine } from "../../lib/engine/mod.ts";
import { DEFAULT_MODEL_DIR } from "../../lib/model/default_model.ts";
import { loadModel } from "../../lib/model/load.ts";
import { defaultLoraConfig } from "../../lib/peft/config.ts";
import { saveAdapter } from "../../lib/peft/format.ts";
import { applyLora } from "../../lib/peft/lora.ts";
import { loadBaseModel } from "../../lib/serve/models.ts";
import {
  type RunningServer,
  type ServeOptions,
  startServer,
} from "../../lib/serve/server.ts";
import { randomizeB } from "../peft/helpers.ts";

/** The served name of the default model in these tests. */
export const BASE = "tiny-base";

/**
 * Saves a LoRA adapter for the default model in a new temporary folder:
 * r 4 on every linear layer, B drawn from `seed` (a trained adapter's state,
 * so it changes the model's output).
 */
export async function saveTinyAdapter(seed = 5): Promise<string> {
  await initEngine({ verbose: false });
  const dir = await Deno.makeTempDir({ prefix: "tunebook-serve-lora-" });
  const model = await loadModel(DEFAULT_MODEL_DIR);
  try {
    const lora = applyLora(
      model,
      defaultLoraConfig({ r: 4, alpha: 8, targetModules: "all-linear" }),
      { seed },
    );
    randomizeB(lora, seed, 0.3);
    await saveAdapter(dir, lora, { baseModel: DEFAULT_MODEL_DIR });
  } finally {
    model.dispose();
  }
  return dir;
}

/** Starts a server on the default model (ephemeral port) and waits until it is ready. */
export async function startTestServer(
  options: ServeOptions = {},
): Promise<RunningServer> {
  await initEngine({ verbose: false });
  const server = startServer(() => loadBaseModel(DEFAULT_MODEL_DIR, BASE), {
    port: 0,
    ...options,
  });
  await server.ready;
  return server;
}

/** An answer: status, content type, and the body parsed when it is JSON. */
export interface Answer {
  status: number;
  type: string;
  // deno-lint-ignore no-explicit-any
  body: any;
}

/** POSTs `body` (an object as JSON, or raw text) to `path`. */
export async function post(
  server: RunningServer,
  path: string,
  body: unknown,
): Promise<Answer> {
  const response = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return answer(response);
}

/** GETs `path`. */
export async function get(server: RunningServer, path: string) {
  return answer(await fetch(`${server.url}${path}`));
}

async function answer(response: Response): Promise<Answer> {
  const type = response.headers.get("content-type") ?? "";
  const text = await response.text();
  return {
    status: response.status,
    type,
    body: type.startsWith("application/json") ? JSON.parse(text) : text,
  };
}

/**
 * Asserts a vLLM error answer: `status`, the error shape, a one-line
 * message matching `pattern`, no stack trace.
 */
export function assertApiError(
  got: Answer,
  status: number,
  pattern: RegExp,
  param?: string,
): void {
  const what = JSON.stringify(got.body);
  assert.equal(got.status, status, what);
  const error = got.body?.error;
  assert.ok(error && typeof error === "object", `error object: ${what}`);
  assert.deepEqual(Object.keys(error).sort(), [
    "code",
    "message",
    "param",
    "type",
  ]);
  assert.equal(error.code, status);
  assert.match(error.message, pattern, what);
  assert.doesNotMatch(error.message, /\n|\s+at \S+:\d+/, what);
  if (param !== undefined) assert.equal(error.param, param, what);
}

/** The `data:` payloads of an event stream, parsed (`[DONE]` kept as the string). */
export async function streamEvents(response: Response): Promise<unknown[]> {
  const text = await response.text();
  assert.match(
    response.headers.get("content-type") ?? "",
    /^text\/event-stream/,
  );
  const events = text.split("\n\n").filter((e) => e !== "");
  return events.map((e) => {
    assert.ok(e.startsWith("data: "), `an SSE data line: ${JSON.stringify(e)}`);
    const data = e.slice("data: ".length);
    return data === "[DONE]" ? data : JSON.parse(data);
  });
}

/** Options for tests that share a running server (its ops outlive single tests). */
export const SHARED_SERVER = { sanitizeOps: false, sanitizeResources: false };
