/**
 * A small stand-in for the Hugging Face hub, for tests: a real HTTP server
 * on 127.0.0.1 (random port) serving repositories from a temporary folder
 * with the hub's URL scheme and headers.
 *
 * - `/{org}/{name}/resolve/{revision}/{file}`: 200 with `ETag` and
 *   `X-Repo-Commit` for small files; for `*.safetensors` a 302 to
 *   `/cdn/{sha256}` with `X-Linked-Etag` / `X-Linked-Size`, like LFS files.
 * - Unknown repo → 401 `RepoNotFound`; unknown revision → 404
 *   `RevisionNotFound`; missing file → 404 `EntryNotFound`; gated repo →
 *   401 without a token, 403 with a wrong one.
 * - Range requests → 206; `cutOnce` ends one response early; `failNext`
 *   answers given paths with an error status.
 *
 * Every request is logged (method, path, Range, Authorization).
 */

/** A repository to serve. */
export interface FakeRepo {
  files: Record<string, Uint8Array | string>;
  /** 40-hex commit hash (default derived from the id). */
  commit?: string;
  /** Token the repo requires (gated); unset means public. */
  token?: string;
}

/** One request as the server saw it. */
export interface LoggedRequest {
  method: string;
  path: string;
  range: string | null;
  authorization: string | null;
}

interface StoredFile {
  path: string;
  size: number;
  sha256: string;
}

export class FakeHub {
  readonly requests: LoggedRequest[] = [];
  readonly #repos = new Map<
    string,
    { commit: string; token?: string; files: Map<string, StoredFile> }
  >();
  readonly #bySha = new Map<string, StoredFile>();
  readonly #cuts = new Map<string, number>();
  readonly #failures: { match: string; status: number; times: number }[] = [];

  private constructor(
    private readonly server: Deno.HttpServer<Deno.NetAddr>,
    private readonly root: string,
  ) {}

  /** Starts a hub with no repositories. */
  static async start(): Promise<FakeHub> {
    const root = await Deno.makeTempDir({ prefix: "tunebook-fakehub-" });
    // The server needs the hub to answer, and the hub needs the server.
    const route: { to?: FakeHub } = {};
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (request) => route.to!.#handle(request),
    );
    route.to = new FakeHub(server, root);
    return route.to;
  }

  /** Base URL, e.g. http://127.0.0.1:43123. */
  get url(): string {
    return `http://127.0.0.1:${this.server.addr.port}`;
  }

  /** Puts a repository's files on disk and serves them. */
  async addRepo(id: string, repo: FakeRepo): Promise<string> {
    const commit = repo.commit ??
      (await sha256Hex(new TextEncoder().encode(id))).slice(0, 40);
    const files = new Map<string, StoredFile>();
    for (const [name, content] of Object.entries(repo.files)) {
      const bytes = typeof content === "string"
        ? new TextEncoder().encode(content)
        : content;
      const path = `${this.root}/${id}/${name}`;
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), {
        recursive: true,
      });
      await Deno.writeFile(path, bytes);
      const stored = {
        path,
        size: bytes.length,
        sha256: await sha256Hex(bytes),
      };
      files.set(name, stored);
      this.#bySha.set(stored.sha256, stored);
    }
    this.#repos.set(id, { commit, token: repo.token, files });
    return commit;
  }

  /** The next GET of this repo file sends only its first `bytes` bytes. */
  cutOnce(id: string, file: string, bytes: number): void {
    this.#cuts.set(this.#repos.get(id)!.files.get(file)!.sha256, bytes);
  }

  /** The next `times` requests whose path contains `match` get `status`. */
  failNext(match: string, status: number, times = 1): void {
    this.#failures.push({ match, status, times });
  }

  /** Stops the server and deletes its files. */
  async close(): Promise<void> {
    await this.server.shutdown();
    await Deno.remove(this.root, { recursive: true });
  }

  async #handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = decodeURIComponent(url.pathname);
    this.requests.push({
      method: request.method,
      path,
      range: request.headers.get("range"),
      authorization: request.headers.get("authorization"),
    });
    const failure = this.#failures.find((f) =>
      f.times > 0 && path.includes(f.match)
    );
    if (failure) {
      failure.times--;
      return new Response("forced failure", { status: failure.status });
    }
    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(path);
    if (cdn) {
      const stored = this.#bySha.get(cdn[1]);
      return stored
        ? await this.#content(request, stored)
        : new Response("no such blob", { status: 404 });
    }
    const match = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    const repo = match && this.#repos.get(match[1]);
    if (!match || !repo) return error(401, "RepoNotFound");
    if (repo.token) {
      const auth = request.headers.get("authorization");
      if (!auth) return error(401, "GatedRepo");
      if (auth !== `Bearer ${repo.token}`) return error(403, "GatedRepo");
    }
    const [, , revision, name] = match;
    if (revision !== "main" && revision !== repo.commit) {
      return error(404, "RevisionNotFound");
    }
    const stored = repo.files.get(name);
    const common = { "x-repo-commit": repo.commit };
    if (!stored) return error(404, "EntryNotFound", common);
    if (name.endsWith(".safetensors")) {
      return new Response(null, {
        status: 302,
        headers: {
          ...common,
          location: `${this.url}/cdn/${stored.sha256}`,
          "x-linked-etag": `"${stored.sha256}"`,
          "x-linked-size": String(stored.size),
        },
      });
    }
    return await this.#content(request, stored, {
      ...common,
      etag: `"${stored.sha256.slice(0, 40)}"`,
    });
  }

  async #content(
    request: Request,
    stored: StoredFile,
    extra: Record<string, string> = {},
  ): Promise<Response> {
    const bytes = await Deno.readFile(stored.path);
    const headers: Record<string, string> = {
      ...extra,
      "accept-ranges": "bytes",
    };
    let status = 200;
    let body = bytes;
    const range = /^bytes=(\d+)-$/.exec(request.headers.get("range") ?? "");
    if (range) {
      const start = Number(range[1]);
      if (start >= bytes.length) return new Response(null, { status: 416 });
      status = 206;
      body = bytes.subarray(start);
      headers["content-range"] = `bytes ${start}-${
        bytes.length - 1
      }/${bytes.length}`;
    }
    headers["content-length"] = String(body.length);
    if (request.method === "HEAD") {
      return new Response(null, { status, headers });
    }
    const cut = this.#cuts.get(stored.sha256);
    if (cut !== undefined) {
      this.#cuts.delete(stored.sha256);
      // Fewer bytes than Content-Length promises: the client sees a broken body.
      const partial = body.subarray(0, cut);
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(partial);
          controller.close();
        },
      });
      return new Response(stream, { status, headers });
    }
    return new Response(body, { status, headers });
  }
}

function error(
  status: number,
  code: string,
  headers: Record<string, string> = {},
): Response {
  // The hub's error answers: a JSON body and the code in X-Error-Code.
  return Response.json({ error: code }, {
    status,
    headers: { ...headers, "x-error-code": code },
  });
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    bytes as Uint8Array<ArrayBuffer>,
  );
  return Array.from(
    new Uint8Array(digest),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}
