/**
 * What every route handler reads: the served models, the batcher, and the
 * request-size limit.
 *
 * @module
 */
import type { Batcher } from "./batcher.ts";
import type { ModelRegistry } from "./models.ts";

/** The server's state once the model is loaded. */
export interface ServeContext {
  registry: ModelRegistry;
  batcher: Batcher;
  /** Largest request body read, in bytes (larger: 413). */
  maxBodyBytes: number;
}
