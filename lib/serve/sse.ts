/**
 * Streaming answers as server-sent events, vLLM's way: each chunk is
 * `data: <json>` and a blank line, sent as soon as a choice has new text or
 * tokens; a choice's last chunk carries its `finish_reason`; with
 * `stream_options.include_usage` a final chunk has `choices: []` and the
 * usage; an error after the stream began is sent as a `data:` error
 * object; the stream always ends with `data: [DONE]`. A client that goes
 * away cancels its request.
 *
 * @module
 */
import { errorBody } from "./api_error.ts";
import type { Batcher } from "./batcher.ts";
import type { Choice, ChoiceDelta } from "./choice.ts";
import type { GenerationJob } from "./job.ts";

/** How one request's chunks look. */
export interface StreamShape {
  /** Chunks sent before any token (chat: each choice's role). */
  opening(): unknown[];
  /** The chunk of choice `index`'s news; `first`: its first chunk. */
  chunk(
    index: number,
    delta: ChoiceDelta,
    choice: Choice,
    first: boolean,
  ): unknown;
  /** The usage chunk, or null when not asked for. */
  usage(): unknown | null;
}

/** The event-stream response of `job`, shaped by `shape`. */
export function sseResponse(
  job: GenerationJob,
  batcher: Batcher,
  shape: StreamShape,
): Response {
  const encoder = new TextEncoder();
  const count = job.choices.length;
  const started = new Uint8Array(count);
  const ended = new Uint8Array(count);
  let closed = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (data: unknown) => {
        if (closed) return;
        try {
          controller.enqueue(
            encoder.encode(
              `data: ${
                typeof data === "string" ? data : JSON.stringify(data)
              }\n\n`,
            ),
          );
        } catch {
          // The client went away and the stream closed before cancel() ran
          // (a request's abort can come first): nobody is left to read.
          closed = true;
          job.listener = undefined;
        }
      };
      for (const chunk of shape.opening()) send(chunk);
      const pump = () => {
        if (closed) return;
        job.choices.forEach((choice, i) => {
          if (ended[i]) return;
          const delta = choice.takeDelta();
          if (!delta.text && !delta.tokens.length && !choice.finished) return;
          send(shape.chunk(i, delta, choice, !started[i]));
          started[i] = 1;
          if (choice.finished) ended[i] = 1;
        });
        if (!job.settled) return;
        if (job.error) send(errorBody(job.error));
        else {
          const usage = shape.usage();
          if (usage !== null) send(usage);
        }
        send("[DONE]");
        if (closed) return;
        closed = true;
        job.listener = undefined;
        controller.close();
      };
      job.listener = pump;
      pump();
    },
    cancel() {
      closed = true;
      job.listener = undefined;
      batcher.cancel(job);
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
    },
  });
}
