/**
 * A small stand-in for the Gemini API, for tests: a real HTTP server on
 * 127.0.0.1 (random port) answering `POST /v1beta/models/{model}:generateContent`
 * the way the API does, so the real `@google/genai` SDK talks to it.
 *
 * - Requests that are not that shape (wrong method or path, no
 *   `x-goog-api-key`, a body without `contents`) get the API's 404 / 401 /
 *   400 error bodies, so a client sending the wrong thing fails its test.
 * - Scripted replies are served first, in order ({@link FakeGemini.enqueue});
 *   then the default: a 200 whose text is "answer: " + the last user text.
 * - Reply kinds: a text answer, an error status with Google's error body
 *   (optionally a `RetryInfo` detail and a `Retry-After` header), a raw body,
 *   an answer that never comes (until {@link FakeGemini.close}), and an echo of
 *   what was received, headers included (to check the key never leaks).
 *
 * Every request is logged with its parsed body.
 */

/** One scripted reply. */
export type FakeReply =
  | {
    kind: "text";
    text: string;
    finishReason?: string;
    usage?: { prompt: number; output: number; thoughts?: number };
    delayMs?: number;
  }
  | {
    kind: "error";
    status: number;
    statusName: string;
    message: string;
    /** A google.rpc.RetryInfo retryDelay such as "0.05s". */
    retryDelay?: string;
    /** A Retry-After header value. */
    retryAfter?: string;
  }
  | { kind: "raw"; status?: number; body: string; contentType?: string }
  | { kind: "json"; status?: number; body: unknown }
  | { kind: "hang" }
  | { kind: "echo" };

/** One request as the server saw it. */
export interface LoggedRequest {
  method: string;
  path: string;
  model?: string;
  apiKey: string | null;
  headers: Record<string, string>;
  body: any;
}

export class FakeGemini {
  readonly requests: LoggedRequest[] = [];
  /** Most requests being answered at the same time. */
  maxInFlight = 0;
  #inFlight = 0;
  readonly #queue: FakeReply[] = [];
  readonly #hanging = new Set<() => void>();

  private constructor(private readonly server: Deno.HttpServer<Deno.NetAddr>) {}

  /** Starts a server. */
  static start(): FakeGemini {
    const route: { to?: FakeGemini } = {};
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (request) => route.to!.#handle(request),
    );
    route.to = new FakeGemini(server);
    return route.to;
  }

  /** Base URL, e.g. http://127.0.0.1:43123. */
  get url(): string {
    return `http://127.0.0.1:${this.server.addr.port}`;
  }

  /** Scripts the next replies, in order. */
  enqueue(...replies: FakeReply[]): void {
    this.#queue.push(...replies);
  }

  /** Releases hanging answers and stops the server. */
  async close(): Promise<void> {
    for (const release of this.#hanging) release();
    await this.server.shutdown();
  }

  async #handle(request: Request): Promise<Response> {
    this.#inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.#inFlight);
    try {
      return await this.#answer(request);
    } finally {
      this.#inFlight--;
    }
  }

  async #answer(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const text = await request.text();
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    const match = /^\/v1beta\/models\/([^/:]+):generateContent$/.exec(
      url.pathname,
    );
    const logged: LoggedRequest = {
      method: request.method,
      path: url.pathname + url.search,
      model: match?.[1],
      apiKey: request.headers.get("x-goog-api-key"),
      headers: Object.fromEntries(request.headers),
      body,
    };
    this.requests.push(logged);

    if (request.method !== "POST" || !match) {
      return googleError(404, "NOT_FOUND", `no route ${url.pathname}`);
    }
    if (!logged.apiKey) {
      return googleError(401, "UNAUTHENTICATED", "API key missing");
    }
    if (!Array.isArray(body?.contents) || body.contents.length === 0) {
      return googleError(400, "INVALID_ARGUMENT", "contents is required");
    }
    const reply = this.#queue.shift() ?? {
      kind: "text",
      text: `answer: ${lastUserText(body)}`,
    };
    return await this.#reply(reply, logged);
  }

  async #reply(
    reply: FakeReply,
    logged: LoggedRequest,
  ): Promise<Response> {
    switch (reply.kind) {
      case "text": {
        if (reply.delayMs) {
          await new Promise((r) => setTimeout(r, reply.delayMs));
        }
        return Response.json(textBody(reply));
      }
      case "error":
        return googleError(
          reply.status,
          reply.statusName,
          reply.message,
          reply.retryDelay,
          reply.retryAfter,
        );
      case "raw":
        return new Response(reply.body, {
          status: reply.status ?? 200,
          headers: { "content-type": reply.contentType ?? "application/json" },
        });
      case "json":
        return Response.json(reply.body, { status: reply.status ?? 200 });
      case "hang":
        // Answer only when the server closes, long after the client gave up.
        await new Promise<void>((resolve) => this.#hanging.add(resolve));
        return new Response("too late", { status: 504 });
      case "echo":
        return Response.json(textBody({
          kind: "text",
          text: JSON.stringify({ path: logged.path, headers: logged.headers }),
        }));
    }
  }
}

/** The API's success body for a text answer. */
function textBody(reply: Extract<FakeReply, { kind: "text" }>) {
  const usage = reply.usage ?? { prompt: 7, output: 5 };
  return {
    candidates: [{
      content: { role: "model", parts: [{ text: reply.text }] },
      finishReason: reply.finishReason ?? "STOP",
      index: 0,
    }],
    usageMetadata: {
      promptTokenCount: usage.prompt,
      candidatesTokenCount: usage.output,
      ...(usage.thoughts ? { thoughtsTokenCount: usage.thoughts } : {}),
      totalTokenCount: usage.prompt + usage.output + (usage.thoughts ?? 0),
    },
    modelVersion: "fake-gemini-001",
    responseId: "fake",
  };
}

/** The API's error body, `{"error": {code, message, status, details}}`. */
function googleError(
  status: number,
  statusName: string,
  message: string,
  retryDelay?: string,
  retryAfter?: string,
): Response {
  const details = retryDelay
    ? [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay }]
    : undefined;
  const headers: Record<string, string> = {};
  if (retryAfter) headers["retry-after"] = retryAfter;
  return Response.json(
    { error: { code: status, message, status: statusName, details } },
    { status, headers },
  );
}

function lastUserText(body: any): string {
  const users = body.contents.filter((c: any) => c.role !== "model");
  const last = users[users.length - 1];
  return (last?.parts ?? []).map((p: any) => p.text ?? "").join("");
}
