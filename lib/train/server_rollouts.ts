/**
 * Rollouts from a generation server with vLLM's OpenAI-compatible API
 * (config fields: vllm_config.ts), the policy synced as its LoRA adapter —
 * TRL's adapter-only sync (AsyncGRPO):
 *
 * 1. before a step generates, the adapter as trained so far is saved in
 *    PEFT's format to `<output_dir>/.vllm_lora/step-N` and hot-loaded under
 *    a fresh name, `<run>-<tag>-step-N` (`POST /v1/load_lora_adapter`);
 *    then the previous version is unloaded and its folder deleted;
 * 2. every completion is one `/v1/completions` request with that name as
 *    `model`, `n` 1 and the row's own seed (the seeds the in-process path
 *    draws with), token ids in and out, the server's log-probs back.
 *
 * A fresh name per version rather than `load_inplace` under one name: it
 * works on every vLLM that can load adapters at runtime (`load_inplace`
 * is newer), and a new name is a new LoRA id, so nothing cached for the
 * previous weights — vLLM keys its prefix cache and its GPU adapter slots
 * by that id — can be reused for the new ones. One request per completion
 * rather than `n` G per prompt: a request's choices draw from streams the
 * server derives from one seed (vLLM: seed + j), so only per-row requests
 * give each row the stream the in-process path gives it; vLLM's prefix
 * cache still computes a shared prompt once.
 *
 * The server must read the folder at the path this process writes
 * (`output_dir` on shared storage, or the same machine) and serve the
 * same base model as `model`.
 *
 * @module
 */
import { basename, resolve } from "node:path";
import { GenerationServer, GenerationServerError } from "../generate/remote.ts";
import { type LoraAdapters, saveAdapter } from "../peft/mod.ts";
import type {
  RolloutRows,
  RolloutSource,
  SourceCompletion,
} from "./rollout.ts";
import { vllmServerUrl, type VllmSettings } from "./vllm_config.ts";

/**
 * Requests in flight at once: all of a step's rows for a vLLM server, while
 * a `deno task serve` keeps them within its queue (--max-queue 256 waiting,
 * plus the running batch); a 429 is retried.
 */
const MAX_IN_FLIGHT = 256;

/** The folder, under output_dir, of the adapter versions sent to the server. */
export const ADAPTER_SYNC_DIR = ".vllm_lora";

/** A connected server, before the policy's adapter is known. */
export class GenerationServerLink {
  private constructor(
    readonly server: GenerationServer,
    private readonly outputDir: string,
  ) {}

  /**
   * Waits for the server's `/health` (up to vllm_server_timeout): a
   * one-line error naming the URL when it does not answer.
   */
  static async connect(
    config: VllmSettings & { outputDir: string },
  ): Promise<GenerationServerLink> {
    const server = new GenerationServer(vllmServerUrl(config), {
      timeoutMs: config.vllmServerTimeout * 1000,
    });
    await server.waitUntilHealthy();
    return new GenerationServerLink(server, config.outputDir);
  }

  /** The rollout source for the policy `lora` on base model `baseModel`. */
  source(lora: LoraAdapters, baseModel: string): RolloutSource {
    return new ServerRollouts(this.server, lora, baseModel, this.outputDir);
  }
}

/** Adapter sync and per-row completion requests (see the module doc). */
class ServerRollouts implements RolloutSource {
  readonly name: string;
  readonly #prefix: string;
  readonly #syncDir: string;
  /** The loaded version: its served name and folder. */
  #loaded: { name: string; dir: string } | null = null;

  constructor(
    readonly server: GenerationServer,
    readonly lora: LoraAdapters,
    readonly baseModel: string,
    outputDir: string,
  ) {
    this.name = server.url;
    this.#syncDir = resolve(outputDir, ADAPTER_SYNC_DIR);
    // The tag keeps two runs with the same folder name apart on one server.
    const tag = crypto.getRandomValues(new Uint32Array(1))[0].toString(16)
      .padStart(8, "0").slice(0, 6);
    const run = basename(resolve(outputDir)).replace(/[^A-Za-z0-9._-]/g, "_");
    this.#prefix = `${run}-${tag}`;
  }

  /** The served name of the version after `step` optimizer steps. */
  adapterName(step: number): string {
    return `${this.#prefix}-step-${step}`;
  }

  async sync(step: number): Promise<void> {
    const name = this.adapterName(step);
    if (this.#loaded?.name === name) return;
    const dir = `${this.#syncDir}/step-${step}`;
    await saveAdapter(dir, this.lora, { baseModel: this.baseModel });
    await this.server.loadAdapter(name, dir);
    const previous = this.#loaded;
    this.#loaded = { name, dir };
    if (previous) await this.#retire(previous);
  }

  async generate(rows: RolloutRows): Promise<SourceCompletion[]> {
    const loaded = this.#loaded;
    if (!loaded) {
      throw new Error("ServerRollouts: generate() before sync()");
    }
    return await mapLimited(rows.inputs, MAX_IN_FLIGHT, async (prompt, i) => {
      const [completion] = await this.#retryBusy(() =>
        this.server.complete({
          model: loaded.name,
          prompts: [prompt],
          maxTokens: rows.maxNewTokens,
          sampling: rows.sampling,
          stopTokenIds: rows.stopTokens,
          seed: rows.seeds[i],
        })
      );
      return {
        tokens: completion.tokens,
        finishReason: completion.finishReason,
        logprobs: completion.logprobs,
      };
    });
  }

  /** Unloads the last version (best effort: the run is over) and deletes the folder. */
  async close(): Promise<void> {
    const last = this.#loaded;
    this.#loaded = null;
    if (last) await this.server.unloadAdapter(last.name).catch(() => {});
    await Deno.remove(this.#syncDir, { recursive: true }).catch(() => {});
  }

  async #retire(version: { name: string; dir: string }): Promise<void> {
    await this.server.unloadAdapter(version.name);
    await Deno.remove(version.dir, { recursive: true }).catch(() => {});
  }

  /** `request`, again after a pause while the server answers 429 (busy), within its timeout. */
  async #retryBusy<T>(request: () => Promise<T>): Promise<T> {
    const deadline = performance.now() + this.server.options.timeoutMs;
    for (let attempt = 0;; attempt++) {
      try {
        return await request();
      } catch (error) {
        const busy = error instanceof GenerationServerError &&
          error.status === 429;
        const pause = Math.min(2000, 50 * 2 ** attempt);
        if (!busy || performance.now() + pause > deadline) throw error;
        await new Promise((r) => setTimeout(r, pause));
      }
    }
  }
}

/** `f` over `items` with at most `limit` calls pending at once; results in order. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  f: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0, failed = false;
  const worker = async () => {
    // After a failure the others stop taking items: the call has failed.
    while (next < items.length && !failed) {
      const i = next++;
      try {
        out[i] = await f(items[i], i);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, worker),
  );
  return out;
}
