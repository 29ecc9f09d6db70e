/**
 * A stand-in for the Hugging Face hub's dataset side, for tests: a real
 * HTTP server on 127.0.0.1 (random port) serving dataset repositories from
 * memory with the hub's URL scheme and headers.
 *
 * - `GET /api/datasets/{org}/{name}/tree/{revision}[/{folder}]?recursive=true`:
 *   the JSON file list (`{type, oid, size, path}`), split into pages of
 *   `pageSize` entries linked with `Link: <…>; rel="next"`.
 * - `HEAD|GET /datasets/{org}/{name}/resolve/{revision}/{file}`: the bytes,
 *   with `ETag`, `X-Repo-Commit` and `Content-Length`.
 * - Each repo has branches (default just `main`), e.g. `refs/convert/parquet`,
 *   each with its own commit; a revision may also be a branch's commit.
 * - Unknown repo → 401 `RepoNotFound`; unknown revision → 404
 *   `RevisionNotFound`; missing file or folder → 404 `EntryNotFound`.
 * - `replyNext` answers the next requests whose path contains a string with a
 *   given status and body; `linkOrigin` makes the `rel="next"` links point
 *   to another server.
 *
 * Every request is logged as "METHOD path".
 */

/** A dataset repository: branch name → files. */
export type FakeDataset = Record<string, Record<string, Uint8Array | string>>;

interface Branch {
  commit: string;
  files: Map<string, Uint8Array>;
}

/** The fake hub. */
export class FakeDatasetHub {
  /** "GET /api/datasets/org/name/tree/main", in order. */
  readonly requests: string[] = [];
  /** The Authorization header of each request (null when absent). */
  readonly authorizations: (string | null)[] = [];
  /** Each request's URL path as sent, still percent-encoded. */
  readonly rawPaths: string[] = [];
  /** Entries per tree page. */
  pageSize = 1000;
  /** Origin of the `rel="next"` links (default: this server). */
  linkOrigin?: string;
  readonly #repos = new Map<string, Map<string, Branch>>();
  readonly #replies: {
    match: string;
    status: number;
    body: string;
    times: number;
  }[] = [];

  private constructor(
    private readonly server: Deno.HttpServer<Deno.NetAddr>,
  ) {}

  /** Starts a hub with no repositories. */
  static start(): FakeDatasetHub {
    const route: { to?: FakeDatasetHub } = {};
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (request) => route.to!.#handle(request),
    );
    route.to = new FakeDatasetHub(server);
    return route.to;
  }

  /** Base URL, e.g. http://127.0.0.1:43123. */
  get url(): string {
    return `http://127.0.0.1:${this.server.addr.port}`;
  }

  /** Serves a dataset; returns each branch's commit hash. */
  async addDataset(
    id: string,
    branches: FakeDataset,
  ): Promise<Record<string, string>> {
    const repo = new Map<string, Branch>();
    const commits: Record<string, string> = {};
    for (const [name, files] of Object.entries(branches)) {
      const commit = (await sha256Hex(`${id}@${name}`)).slice(0, 40);
      const stored = new Map<string, Uint8Array>();
      for (const [path, content] of Object.entries(files)) {
        stored.set(
          path,
          typeof content === "string"
            ? new TextEncoder().encode(content)
            : content,
        );
      }
      repo.set(name, { commit, files: stored });
      commits[name] = commit;
    }
    this.#repos.set(id, repo);
    return commits;
  }

  /** The next `times` requests whose path contains `match` get this answer. */
  replyNext(match: string, status: number, body: string, times = 1): void {
    this.#replies.push({ match, status, body, times });
  }

  /** Stops the server. */
  async close(): Promise<void> {
    await this.server.shutdown();
  }

  async #handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = decodeURIComponent(url.pathname);
    this.requests.push(`${request.method} ${path}`);
    this.authorizations.push(request.headers.get("authorization"));
    this.rawPaths.push(url.pathname);
    const reply = this.#replies.find((r) =>
      r.times > 0 && path.includes(r.match)
    );
    if (reply) {
      reply.times--;
      return new Response(reply.body, { status: reply.status });
    }
    const tree = /^\/api\/datasets\/([^/]+\/[^/]+)\/tree\/(.+)$/.exec(path);
    if (tree) return await this.#tree(url, tree[1], tree[2]);
    const resolve = /^\/datasets\/([^/]+\/[^/]+)\/resolve\/(.+)$/.exec(path);
    if (resolve) return await this.#resolve(request, resolve[1], resolve[2]);
    return error(404, "NotFound");
  }

  /** Splits "refs/convert/parquet/default/train" into branch and rest. */
  #branch(id: string, rest: string): [Branch, string] | Response {
    const repo = this.#repos.get(id);
    if (!repo) return error(401, "RepoNotFound");
    const names = [...repo.keys()].sort((a, b) => b.length - a.length);
    for (const name of names) {
      const branch = repo.get(name)!;
      for (const revision of [name, branch.commit]) {
        if (rest === revision) return [branch, ""];
        if (rest.startsWith(`${revision}/`)) {
          return [branch, rest.slice(revision.length + 1)];
        }
      }
    }
    return error(404, "RevisionNotFound");
  }

  async #tree(url: URL, id: string, rest: string): Promise<Response> {
    const found = this.#branch(id, rest);
    if (found instanceof Response) return found;
    const [branch, folder] = found;
    const entries = [];
    const dirs = new Set<string>();
    for (const [path, bytes] of [...branch.files].sort()) {
      if (folder && !path.startsWith(`${folder}/`)) continue;
      const parts = path.split("/");
      for (let i = 1; i < parts.length; i++) {
        const dir = parts.slice(0, i).join("/");
        if (!dirs.has(dir) && (!folder || dir.startsWith(`${folder}/`))) {
          dirs.add(dir);
          entries.push({
            type: "directory",
            oid: "0".repeat(40),
            size: 0,
            path: dir,
          });
        }
      }
      entries.push({
        type: "file",
        oid: (await sha256Hex(bytes)).slice(0, 40),
        size: bytes.length,
        path,
      });
    }
    if (folder && entries.length === 0) return error(404, "EntryNotFound");
    const cursor = Number(url.searchParams.get("cursor") ?? 0);
    const page = entries.slice(cursor, cursor + this.pageSize);
    const headers: Record<string, string> = {
      "content-type": "application/json",
    };
    if (cursor + this.pageSize < entries.length) {
      const next = new URL(url);
      if (this.linkOrigin) {
        next.href = this.linkOrigin + next.pathname + next.search;
      }
      next.searchParams.set("cursor", String(cursor + this.pageSize));
      headers.link = `<${next.href}>; rel="next"`;
    }
    return new Response(JSON.stringify(page), { headers });
  }

  async #resolve(
    request: Request,
    id: string,
    rest: string,
  ): Promise<Response> {
    const found = this.#branch(id, rest);
    if (found instanceof Response) return found;
    const [branch, file] = found;
    const bytes = branch.files.get(file);
    const common = { "x-repo-commit": branch.commit };
    if (!bytes) return error(404, "EntryNotFound", common);
    const headers = {
      ...common,
      etag: `"${(await sha256Hex(bytes)).slice(0, 40)}"`,
      "content-length": String(bytes.length),
    };
    if (request.method === "HEAD") return new Response(null, { headers });
    return new Response(bytes as Uint8Array<ArrayBuffer>, { headers });
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

async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string"
    ? new TextEncoder().encode(data)
    : data;
  const digest = await crypto.subtle.digest(
    "SHA-256",
    bytes as Uint8Array<ArrayBuffer>,
  );
  return Array.from(
    new Uint8Array(digest),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}
