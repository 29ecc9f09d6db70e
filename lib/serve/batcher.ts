/**
 * Concurrent requests share generation steps. Requests wait in a bounded
 * queue (a full queue answers 429); when no batch runs, the next batch
 * takes the oldest request and, in order, every other waiting request for
 * the same model or adapter while their rows fit in `maxBatch`; requests
 * that arrive while a batch runs wait for the next one. A batch is one
 * {@link Decoding} advanced a token at a time, with the event loop given
 * back between steps: streams flush, new requests are admitted, cancelled
 * rows end.
 *
 * Each row draws from its own seeded stream and carries its own sampling
 * settings, so a seeded request gets the same tokens alone or batched with
 * others. (The logits themselves may differ in the last bits with the
 * batch: OpenBLAS splits a product by its size and the attention sums run
 * over the batch's padded width. A draw flips only when it lands within
 * that distance of a boundary.)
 *
 * Changes to the model's adapters ({@link Batcher.exclusive}) run between
 * batches, never inside one.
 *
 * @module
 */
import { Decoding } from "../generate/decoding.ts";
import { textConstraint } from "../generate/text_constraint.ts";
import { Rng } from "../util/random.ts";
import { ApiError, toApiError } from "./api_error.ts";
import type { GenerationJob } from "./job.ts";
import type { ModelRegistry } from "./models.ts";

/** Limits of a {@link Batcher}. */
export interface BatcherOptions {
  /** Rows (choices) per batch. */
  maxBatch: number;
  /** Requests waiting for a batch; one more is answered 429. */
  maxQueue: number;
}

/** What the batcher has done, for logs and tests. */
export interface BatcherStats {
  batches: number;
  /** Rows of the largest batch run. */
  largestBatch: number;
  /** Requests waiting for a batch now. */
  waiting: number;
}

/**
 * Gives the event loop a turn with a timer (~1 ms): time for sockets to be
 * read and written, so requests are admitted and streams flush while a
 * batch runs. (A message-channel turn is faster but lets the batch starve
 * the network: measured, 50 concurrent requests then ran one by one.)
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** The queue and the generation loop. */
export class Batcher {
  readonly #stats = { batches: 0, largestBatch: 0 };
  readonly #queue: GenerationJob[] = [];
  readonly #operations: (() => void)[] = [];
  #running: GenerationJob[] = [];
  #loop: Promise<void> | null = null;
  #closed = false;

  constructor(
    private readonly registry: ModelRegistry,
    readonly options: BatcherOptions,
  ) {}

  /** Batches run so far, the largest, and the requests waiting now. */
  get stats(): BatcherStats {
    return { ...this.#stats, waiting: this.#queue.length };
  }

  /** Queues `job` (429 when the queue is full, 503 once closing). */
  submit(job: GenerationJob): void {
    if (this.#closed) {
      throw new ApiError(503, "the server is shutting down");
    }
    if (this.#queue.length >= this.options.maxQueue) {
      throw new ApiError(
        429,
        `the server is busy: ${this.#queue.length} requests are waiting (--max-queue ${this.options.maxQueue}); retry later`,
      );
    }
    this.#queue.push(job);
    this.#kick();
  }

  /** The client of `job` went away: drop it from the queue, or end its rows. */
  cancel(job: GenerationJob): void {
    if (job.settled) return;
    job.cancelled = true;
    job.fail(new ApiError(400, "the request was cancelled"));
    const at = this.#queue.indexOf(job);
    if (at >= 0) {
      this.#queue.splice(at, 1);
      job.lease.release();
    }
  }

  /** Runs `operation` between batches (after the running one) and returns its result. */
  exclusive<T>(operation: () => T): Promise<T> {
    if (this.#closed) {
      return Promise.reject(new ApiError(503, "the server is shutting down"));
    }
    return new Promise<T>((resolve, reject) => {
      this.#operations.push(() => {
        try {
          resolve(operation());
        } catch (error) {
          reject(error);
        }
      });
      this.#kick();
    });
  }

  /**
   * Stops taking work: waiting requests get 503 at once; the running batch
   * may finish for `graceMs`, then its requests get 503 too and it ends at
   * its next step. Resolves when nothing runs.
   */
  async close(graceMs: number): Promise<void> {
    this.#closed = true;
    const shutting = new ApiError(503, "the server is shutting down");
    for (const job of this.#queue.splice(0)) {
      job.fail(shutting);
      job.lease.release();
    }
    if (!this.#loop) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([this.#loop, grace]);
    clearTimeout(timer);
    for (const job of this.#running) {
      job.cancelled = true;
      job.fail(shutting);
    }
    await this.#loop;
  }

  #kick(): void {
    if (this.#loop) return;
    this.#loop = (async () => {
      // Requests that arrive in the same turn join the first batch.
      await nextTurn();
      try {
        await this.#drain();
      } finally {
        this.#loop = null;
        if (this.#operations.length || this.#queue.length) this.#kick();
      }
    })();
  }

  async #drain(): Promise<void> {
    for (;;) {
      const operation = this.#operations.shift();
      if (operation) {
        operation();
        continue;
      }
      const batch = this.#take();
      if (!batch) return;
      await this.#run(batch);
    }
  }

  /** The oldest request and the later ones for the same selection that fit. */
  #take(): GenerationJob[] | null {
    if (this.#queue.length === 0) return null;
    const target = this.#queue[0].lease.target;
    const batch: GenerationJob[] = [];
    let rows = 0;
    for (const job of this.#queue) {
      if (job.lease.target !== target) continue;
      if (batch.length > 0 && rows + job.rows.length > this.options.maxBatch) {
        continue;
      }
      batch.push(job);
      rows += job.rows.length;
    }
    for (const job of batch) this.#queue.splice(this.#queue.indexOf(job), 1);
    return batch;
  }

  async #run(jobs: GenerationJob[]): Promise<void> {
    const { model, tokenizer } = this.registry.base;
    const owners = jobs.flatMap((job) =>
      job.rows.map((_, row) => ({ job, row }))
    );
    this.#running = jobs;
    this.#stats.batches++;
    this.#stats.largestBatch = Math.max(
      this.#stats.largestBatch,
      owners.length,
    );
    let decoding: Decoding | undefined;
    try {
      this.registry.activate(jobs[0].lease);
      const run = decoding = new Decoding(
        model,
        owners.map(({ job, row }) => {
          const r = job.rows[row];
          return {
            prompt: r.prompt,
            maxNewTokens: r.maxNewTokens,
            sampling: r.sampling,
            stopTokens: r.settings.stopTokens,
            rng: new Rng(r.seed),
            text: textConstraint(tokenizer),
          };
        }),
        {
          padTokenId: tokenizer.padId,
          caller: "serve",
          onToken: (b, token, _step, logits) => {
            const { job, row } = owners[b];
            if (job.settled) return run.finish(b);
            const ended = run.isFinished(b)
              ? run.results[b].finishReason
              : null;
            if (job.token(row, token, logits, ended)) run.finish(b, "stop");
          },
        },
      );
      while (!run.done) {
        owners.forEach(({ job }, b) => {
          if (job.cancelled || job.error) run.finish(b);
        });
        if (run.done) break;
        run.step();
        await nextTurn();
      }
    } catch (error) {
      const failure = toApiError(error);
      for (const job of jobs) job.fail(failure);
    } finally {
      decoding?.dispose();
      for (const job of jobs) job.lease.release();
      this.#running = [];
    }
  }
}
