import assert from "node:assert/strict";
import { HubError } from "../../lib/hub/errors.ts";
import { hubSettings } from "../../lib/hub/settings.ts";
import { type ListFilesOptions, listRepoFiles } from "../../lib/hub/tree.ts";
import { FakeDatasetHub } from "../data/fake_dataset_hub.ts";

const FILES = {
  main: {
    "README.md": "# card\n",
    "data/train.jsonl": '{"a":1}\n',
    "data/test.jsonl": '{"a":2}\n{"a":3}\n',
  },
  "refs/convert/parquet": {
    "default/train/0000.parquet": "p0",
    "default/train/0001.parquet": "p1",
    "default/test/0000.parquet": "t0",
  },
};

/** A fake hub serving org/set; everything is stopped afterwards. */
async function withHub(body: (hub: FakeDatasetHub) => Promise<void>) {
  const hub = FakeDatasetHub.start();
  try {
    await hub.addDataset("org/set", FILES);
    await body(hub);
  } finally {
    await hub.close();
  }
}

function options(
  hub: FakeDatasetHub,
  extra: ListFilesOptions & { token?: string } = {},
): ListFilesOptions {
  const { token, ...rest } = extra;
  return {
    settings: hubSettings({
      endpoint: hub.url,
      cacheDir: "/nonexistent",
      token: token ?? null,
      env: {},
      envFile: null,
    }),
    repoType: "dataset",
    retries: 0,
    retryDelayMs: 1,
    ...rest,
  };
}

Deno.test("tree listing: files of every page, no folders; a branch with slashes is one encoded segment", async () => {
  await withHub(async (hub) => {
    hub.pageSize = 2;
    const main = await listRepoFiles("org/set", options(hub));
    assert.deepEqual(main, [
      { path: "README.md", size: 7 },
      { path: "data/test.jsonl", size: 16 },
      { path: "data/train.jsonl", size: 8 },
    ]);
    assert.equal(
      hub.requests.length,
      2,
      "four entries (one a folder) in pages of two",
    );

    hub.rawPaths.length = 0;
    const parquet = await listRepoFiles(
      "org/set",
      options(hub, { revision: "refs/convert/parquet", path: "default/train" }),
    );
    assert.deepEqual(parquet.map((f) => f.path), [
      "default/train/0000.parquet",
      "default/train/0001.parquet",
    ]);
    assert.equal(
      hub.rawPaths[0],
      "/api/datasets/org/set/tree/refs%2Fconvert%2Fparquet/default/train",
    );
  });
});

Deno.test("tree listing: a next page on another host is refused and gets no token", async () => {
  await withHub(async (hub) => {
    const other = FakeDatasetHub.start();
    try {
      hub.pageSize = 2;
      hub.linkOrigin = other.url;
      await assert.rejects(
        listRepoFiles("org/set", options(hub, { token: "hf_secret" })),
        (error: Error) => {
          assert.ok(error instanceof HubError);
          assert.equal(error.kind, "bad-response");
          assert.equal(
            error.message,
            `while fetching the file list of org/set, the hub pointed to another host ` +
              `(${other.url}); tunebook talks only to ${hub.url}`,
          );
          return true;
        },
      );
      assert.deepEqual(other.requests, []);
      assert.deepEqual(hub.authorizations, ["Bearer hf_secret"]);
    } finally {
      await other.close();
    }
  });
});

Deno.test("tree listing: a 5xx page is retried; a page that is not JSON is one line naming the URL", async () => {
  await withHub(async (hub) => {
    hub.replyNext("/tree/", 503, "busy");
    const files = await listRepoFiles("org/set", options(hub, { retries: 1 }));
    assert.equal(files.length, 3);
    assert.equal(hub.requests.length, 2);

    hub.replyNext("/tree/", 200, "<html>maintenance</html>");
    await assert.rejects(
      listRepoFiles("org/set", options(hub)),
      (error: Error) => {
        assert.ok(error instanceof HubError);
        assert.equal(error.kind, "bad-response");
        assert.match(
          error.message,
          /^http:\/\/127\.0\.0\.1:\d+\/api\/datasets\/org\/set\/tree\/main\?recursive=true&expand=false did not answer a JSON file list \(/,
        );
        assert.ok(!error.message.includes("\n"));
        return true;
      },
    );
  });
});

Deno.test("tree listing: unknown repo, branch and folder say which, the way the hub reports them", async () => {
  await withHub(async (hub) => {
    await assert.rejects(
      listRepoFiles("org/none", options(hub)),
      (error: HubError) =>
        error.kind === "access" &&
        /^repository "org\/none" was not found at http:\/\/127\.0\.0\.1:\d+ \(HTTP 401\)/
          .test(error.message),
    );
    await assert.rejects(
      listRepoFiles("org/set", options(hub, { revision: "v2" })),
      (error: HubError) =>
        error.kind === "not-found" &&
        /^revision "v2" not found in org\/set/.test(error.message),
    );
    await assert.rejects(
      listRepoFiles("org/set", options(hub, { path: "nothing" })),
      (error: HubError) =>
        error.kind === "not-found" &&
        /^the file list of nothing\/ not found in org\/set at revision "main"/
          .test(error.message),
    );
  });
});
