/**
 * The inference server: routing over `Deno.serve`, the model loaded after
 * the port is open (`/health` says 503 until then, as does every other
 * route), and a clean shutdown.
 *
 * ```ts
 * const server = startServer(() => loadBaseModel(DEFAULT_MODEL_DIR, "tiny-base"), { port: 0 });
 * await server.ready;                  // the model is loaded
 * await fetch(`${server.url}/v1/completions`, { method: "POST", body: … });
 * await server.shutdown();             // what the CLI does on SIGTERM / SIGINT
 * ```
 *
 * Routes: the OpenAI-compatible API (openai.ts, lora_routes.ts), the
 * reference project's `/health`, `/generate`, `/batch_generate`
 * (reference.ts). Unknown path: 404; known path, wrong method: 405; both
 * in vLLM's error shape. Shutdown stops accepting connections, answers
 * queued requests 503, lets the running batch finish (for `graceMs`, then
 * ends it with 503s), waits for the responses to go out and frees the
 * model.
 *
 * @module
 */
import { ApiError, errorResponse } from "./api_error.ts";
import { Batcher, type BatcherStats } from "./batcher.ts";
import type { ServeContext } from "./context.ts";
import { loadLoraAdapter, unloadLoraAdapter } from "./lora_routes.ts";
import { type BaseModel, ModelRegistry } from "./models.ts";
import { chatCompletions, completions, listModels } from "./openai.ts";
import {
  batchGenerate,
  generateOne,
  health,
  type ModelState,
  referenceError,
} from "./reference.ts";

/** Settings of {@link startServer}. */
export interface ServeOptions {
  /** Interface to listen on (default 127.0.0.1). */
  hostname?: string;
  /** Port (default 8000; 0 picks a free one). */
  port?: number;
  /** Rows (choices) per batch (default 32). */
  maxBatch?: number;
  /** Requests waiting for a batch before 429 (default 256). */
  maxQueue?: number;
  /** Largest request body in bytes before 413 (default 8 MiB). */
  maxBodyBytes?: number;
  /** How long shutdown lets the running batch finish, in ms (default 30 000). */
  graceMs?: number;
  /** LoRA adapters to load with the model, by served name. */
  adapters?: readonly { name: string; path: string }[];
}

/** A running server. */
export interface RunningServer {
  /** `http://host:port`, open from the start. */
  readonly url: string;
  /** Resolves once the model (and the adapters) are loaded; rejects if loading fails. */
  readonly ready: Promise<void>;
  /** What the batcher has done (undefined while loading). */
  stats(): BatcherStats | undefined;
  /** Stops the server (see the module doc); resolves when everything is freed. */
  shutdown(): Promise<void>;
}

type Handler = (request: Request, ctx: ServeContext) => Promise<Response>;

/** Method → handler for each path; `reference` paths answer errors flat. */
const ROUTES: Record<
  string,
  { reference?: true; methods: Record<string, Handler> }
> = {
  "/v1/models": {
    methods: { GET: (_, ctx) => Promise.resolve(listModels(ctx)) },
  },
  "/v1/completions": { methods: { POST: completions } },
  "/v1/chat/completions": { methods: { POST: chatCompletions } },
  "/v1/load_lora_adapter": { methods: { POST: loadLoraAdapter } },
  "/v1/unload_lora_adapter": { methods: { POST: unloadLoraAdapter } },
  "/generate": { reference: true, methods: { POST: generateOne } },
  "/batch_generate": { reference: true, methods: { POST: batchGenerate } },
};

/** Opens the port now and loads the model with `load`. */
export function startServer(
  load: () => Promise<BaseModel>,
  options: ServeOptions = {},
): RunningServer {
  let state: ModelState = "loading";
  let ctx: ServeContext | null = null;
  let closing: Promise<void> | null = null;

  const handle = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    if (path === "/health" && request.method === "GET") return health(state);
    const route = ROUTES[path];
    const fail = route?.reference ? referenceError : errorResponse;
    try {
      if (!route && path !== "/health") {
        throw new ApiError(404, `Not Found: ${request.method} ${path}`);
      }
      const handler = route?.methods[request.method];
      if (!handler) {
        const allowed = route ? Object.keys(route.methods) : ["GET"];
        throw new ApiError(
          405,
          `Method Not Allowed: ${path} takes ${allowed.join(", ")}`,
        );
      }
      if (!ctx) {
        throw new ApiError(
          503,
          state === "failed"
            ? "the model failed to load"
            : "the model is still loading; GET /health says when it is ready",
        );
      }
      return await handler(request, ctx);
    } catch (error) {
      return fail(error);
    }
  };

  const http = Deno.serve({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 8000,
    onListen: () => {},
  }, handle);
  const { hostname, port } = http.addr;

  const ready = (async () => {
    let base: BaseModel;
    try {
      base = await load();
    } catch (error) {
      state = "failed";
      throw error;
    }
    const registry = new ModelRegistry(base);
    try {
      for (const { name, path } of options.adapters ?? []) {
        registry.install(name, path, await registry.read(name, path), false);
      }
    } catch (error) {
      registry.dispose();
      base.model.dispose();
      state = "failed";
      throw error;
    }
    if (closing) {
      // Shut down while loading: nothing will use the model.
      registry.dispose();
      base.model.dispose();
      return;
    }
    ctx = {
      registry,
      batcher: new Batcher(registry, {
        maxBatch: options.maxBatch ?? 32,
        maxQueue: options.maxQueue ?? 256,
      }),
      maxBodyBytes: options.maxBodyBytes ?? 8 * 1024 * 1024,
    };
    state = "healthy";
  })();
  ready.catch(() => {}); // the caller awaits `ready`; the server answers 503 meanwhile

  return {
    url: `http://${
      hostname.includes(":") ? `[${hostname}]` : hostname
    }:${port}`,
    ready,
    stats: () => ctx?.batcher.stats,
    shutdown() {
      closing ??= (async () => {
        const stopped = http.shutdown();
        const current = ctx;
        if (current) {
          await current.batcher.close(options.graceMs ?? 30_000);
          await stopped;
          current.registry.dispose();
          current.registry.base.model.dispose();
        } else await stopped;
      })();
      return closing;
    },
  };
}
