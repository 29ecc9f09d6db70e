/**
 * A W&B API server on 127.0.0.1 that answers what `@wandb/sdk` 0.5.1 asks
 * (found by logging its requests): the GraphQL `Viewer` query (whose key
 * is this), the `UpsertBucket` mutation (start a run), and
 * `/files/<entity>/<project>/<run>/file_stream` (history rows, then
 * `{complete, exitcode}`). It records every request, answers with a status
 * of the test's choosing where asked, and gives back what a run sent.
 *
 * @module
 */

/** One request as the server got it. */
export interface RecordedRequest {
  path: string;
  authorization: string | null;
  /** The body as sent. */
  text: string;
}

/** What the server answers with an error instead of data. */
export interface FakeWandbOptions {
  /** Status for the Viewer query (default 200). */
  viewerStatus?: number;
  /** Status for UpsertBucket (default 200). */
  upsertStatus?: number;
  /** The key's entity (default "tunebook-tests"). */
  entity?: string;
}

/** A running fake server. */
export interface FakeWandb {
  /** `http://127.0.0.1:<port>`, for WANDB_BASE_URL. */
  url: string;
  requests: RecordedRequest[];
  /** The variables of each UpsertBucket (a run's start). */
  upserts(): Record<string, unknown>[];
  /** The history rows every file_stream request carried, in order. */
  history(): Record<string, unknown>[];
  /** The exit codes the runs ended with (`{complete: true, exitcode}`). */
  exitCodes(): number[];
  close(): Promise<void>;
}

/** Starts the server. */
export function fakeWandb(options: FakeWandbOptions = {}): FakeWandb {
  const entity = options.entity ?? "tunebook-tests";
  const requests: RecordedRequest[] = [];
  const graphqlError = (status: number) =>
    Response.json({ errors: [{ message: `refused (${status})` }] }, {
      status,
    });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      const path = new URL(request.url).pathname;
      const text = await request.text();
      requests.push({
        path,
        authorization: request.headers.get("authorization"),
        text,
      });
      if (path === "/graphql") {
        const { query, variables } = JSON.parse(text);
        if (/query Viewer/.test(query)) {
          if (options.viewerStatus) return graphqlError(options.viewerStatus);
          return Response.json({
            data: {
              viewer: { id: "u1", entity, flags: "", teams: { edges: [] } },
            },
          });
        }
        if (/mutation UpsertBucket/.test(query)) {
          if (options.upsertStatus) return graphqlError(options.upsertStatus);
          return Response.json({
            data: {
              upsertBucket: {
                bucket: {
                  id: "b1",
                  name: variables.name,
                  displayName: variables.displayName,
                  description: null,
                  config: variables.config,
                  sweepName: null,
                  project: {
                    id: "p1",
                    name: variables.project,
                    entity: { id: "e1", name: variables.entity },
                  },
                },
                inserted: true,
              },
            },
          });
        }
      }
      if (/^\/files\/[^/]+\/[^/]+\/[^/]+\/file_stream$/.test(path)) {
        return Response.json({ exitcode: null, limits: {} });
      }
      return new Response("not found", { status: 404 });
    },
  );
  const bodies = (test: (r: RecordedRequest) => boolean) =>
    requests.filter(test).map((r) => JSON.parse(r.text));
  const streams = () => bodies((r) => r.path.endsWith("/file_stream"));
  return {
    url: `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`,
    requests,
    upserts: () =>
      bodies((r) => r.path === "/graphql")
        .filter((b) => /mutation UpsertBucket/.test(b.query))
        .map((b) => b.variables),
    history: () =>
      streams().flatMap((b) =>
        (b.files?.["wandb-history.jsonl"]?.content ?? []).map((line: string) =>
          JSON.parse(line)
        )
      ),
    exitCodes: () =>
      streams().filter((b) => b.complete === true).map((b) => b.exitcode),
    close: () => server.shutdown(),
  };
}
