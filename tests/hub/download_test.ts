import assert from "node:assert/strict";
import { downloadHubFile, type HubOptions } from "../../lib/hub/download.ts";
import { HubError } from "../../lib/hub/errors.ts";
import type { ProgressEvent } from "../../lib/hub/progress.ts";
import { hubSettings } from "../../lib/hub/settings.ts";
import { FakeHub } from "./fake_hub.ts";

/** A fake hub plus a fresh cache; everything is removed afterwards. */
async function withHub(
  body: (hub: FakeHub, cacheDir: string) => Promise<void>,
): Promise<void> {
  const hub = await FakeHub.start();
  const cacheDir = await Deno.makeTempDir({ prefix: "tunebook-cache-" });
  try {
    await body(hub, cacheDir);
  } finally {
    await hub.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
}

function options(
  hub: FakeHub,
  cacheDir: string,
  extra: { token?: string | null } = {},
): HubOptions {
  return {
    settings: hubSettings({
      endpoint: hub.url,
      cacheDir,
      token: extra.token ?? null,
      env: {},
      envFile: null,
    }),
    progress: false,
    retries: 2,
    retryDelayMs: 1,
  };
}

const weights = Uint8Array.from(
  { length: 50_000 },
  (_, i) => (i * 7 + (i >> 8)) & 255,
);

Deno.test("a file lands in a huggingface_hub-style cache: blob, symlinked snapshot, ref", async () => {
  await withHub(async (hub, cacheDir) => {
    const commit = await hub.addRepo("org/tiny", {
      files: { "config.json": '{"a":1}', "model.safetensors": weights },
    });
    const events: ProgressEvent[] = [];
    const { path, commit: got } = await downloadHubFile(
      "org/tiny",
      "model.safetensors",
      {
        ...options(hub, cacheDir),
        progress: (e) => events.push({ ...e }),
      },
    );
    const repoDir = `${cacheDir}/models--org--tiny`;
    assert.equal(got, commit);
    assert.equal(path, `${repoDir}/snapshots/${commit}/model.safetensors`);
    assert.deepEqual(await Deno.readFile(path!), weights);
    assert.equal(await Deno.readTextFile(`${repoDir}/refs/main`), commit);
    const sha = [...Deno.readDirSync(`${repoDir}/blobs`)].map((e) => e.name);
    assert.equal(sha.length, 1);
    assert.equal(await Deno.readLink(path!), `../../blobs/${sha[0]}`);
    // HEAD on the hub, then the bytes from the "CDN" it redirects to.
    assert.deepEqual(hub.requests.map((r) => `${r.method} ${r.path}`), [
      "HEAD /org/tiny/resolve/main/model.safetensors",
      `GET /cdn/${sha[0]}`,
    ]);
    assert.equal(events.at(-1)?.done, true);
    assert.equal(events.at(-1)?.received, weights.length);
    assert.equal(events.at(-1)?.total, weights.length);

    // Cached: only the HEAD that checks the commit, no second GET.
    await downloadHubFile(
      "org/tiny",
      "model.safetensors",
      options(hub, cacheDir),
    );
    assert.equal(hub.requests.filter((r) => r.method === "GET").length, 1);
  });
});

Deno.test("a body cut mid-file is resumed with a Range request, byte-identical", async () => {
  await withHub(async (hub, cacheDir) => {
    await hub.addRepo("org/tiny", { files: { "model.safetensors": weights } });
    hub.cutOnce("org/tiny", "model.safetensors", 12_345);
    const { path } = await downloadHubFile(
      "org/tiny",
      "model.safetensors",
      options(hub, cacheDir),
    );
    assert.deepEqual(await Deno.readFile(path!), weights);
    const gets = hub.requests.filter((r) => r.method === "GET");
    assert.deepEqual(gets.map((r) => r.range), [null, "bytes=12345-"]);
  });
});

Deno.test("an interrupted run keeps .incomplete and the next run resumes from it", async () => {
  await withHub(async (hub, cacheDir) => {
    await hub.addRepo("org/tiny", { files: { "model.safetensors": weights } });
    hub.cutOnce("org/tiny", "model.safetensors", 20_000);
    const noRetry = {
      ...options(hub, cacheDir),
      retries: 0,
      cacheFallback: false,
    };
    await assert.rejects(
      () => downloadHubFile("org/tiny", "model.safetensors", noRetry),
      (error: HubError) => {
        assert.equal(error.kind, "unreachable");
        assert.match(
          error.message,
          /downloading model\.safetensors of org\/tiny failed after 1 attempt/,
        );
        assert.match(
          error.message,
          /20000 bytes are kept in .*\.incomplete and the next run resumes/,
        );
        return true;
      },
    );
    const { path } = await downloadHubFile(
      "org/tiny",
      "model.safetensors",
      noRetry,
    );
    assert.deepEqual(await Deno.readFile(path!), weights);
    assert.equal(
      hub.requests.filter((r) => r.method === "GET").at(-1)?.range,
      "bytes=20000-",
    );
    const blobs = [...Deno.readDirSync(`${cacheDir}/models--org--tiny/blobs`)]
      .map((e) => e.name);
    assert.equal(blobs.length, 1, "no .incomplete left");
  });
});

Deno.test("the token is sent as a Bearer header; gated and private repos explain what to do", async () => {
  await withHub(async (hub, cacheDir) => {
    await hub.addRepo("org/gated", {
      files: { "config.json": "{}" },
      token: "hf_right",
    });
    await assert.rejects(
      () => downloadHubFile("org/gated", "config.json", options(hub, cacheDir)),
      (error: HubError) => {
        assert.equal(error.kind, "access");
        assert.match(
          error.message,
          /access to org\/gated was refused \(HTTP 401\) while fetching config\.json/,
        );
        assert.match(
          error.message,
          /No token was sent \(HF_TOKEN is not set\)/,
        );
        assert.match(
          error.message,
          new RegExp(`accept the license on ${hub.url}/org/gated`),
        );
        assert.match(error.message, /HF_TOKEN=hf_… in the project's \.env/);
        return true;
      },
    );
    await assert.rejects(
      () =>
        downloadHubFile(
          "org/gated",
          "config.json",
          options(hub, cacheDir, { token: "hf_wrong" }),
        ),
      (error: HubError) => {
        assert.match(
          error.message,
          /\(HTTP 403\).*A token was sent \(from options\) but refused/s,
        );
        assert.ok(
          !error.message.includes("hf_wrong"),
          "the token never appears in messages",
        );
        return true;
      },
    );
    const { path } = await downloadHubFile(
      "org/gated",
      "config.json",
      options(hub, cacheDir, { token: "hf_right" }),
    );
    assert.equal(await Deno.readTextFile(path!), "{}");
    assert.equal(hub.requests.at(-1)?.authorization, "Bearer hf_right");
    assert.equal(hub.requests[0].authorization, null);

    await assert.rejects(
      () =>
        downloadHubFile("org/nothere", "config.json", options(hub, cacheDir)),
      /repository "org\/nothere" was not found at http:\/\/127\.0\.0\.1:\d+ \(HTTP 401\), or it is private/,
    );
  });
});

Deno.test("404s name the repo, file and revision; optional files are remembered as absent", async () => {
  await withHub(async (hub, cacheDir) => {
    const commit = await hub.addRepo("org/tiny", {
      files: { "config.json": "{}" },
    });
    await assert.rejects(
      () =>
        downloadHubFile("org/tiny", "tokenizer.json", options(hub, cacheDir)),
      (error: HubError) => {
        assert.equal(error.kind, "not-found");
        assert.match(
          error.message,
          /^tokenizer\.json not found in org\/tiny at revision "main" \(http:.*\/org\/tiny\/resolve\/main\/tokenizer\.json\)$/,
        );
        return true;
      },
    );
    await assert.rejects(
      () =>
        downloadHubFile("org/tiny", "config.json", {
          ...options(hub, cacheDir),
          revision: "v9",
        }),
      /revision "v9" not found in org\/tiny/,
    );
    const absent = await downloadHubFile("org/tiny", "chat_template.jinja", {
      ...options(hub, cacheDir),
      optional: true,
    });
    assert.deepEqual(absent, { commit });
    await Deno.stat(
      `${cacheDir}/models--org--tiny/.no_exist/${commit}/chat_template.jinja`,
    );
    await assert.rejects(
      () =>
        downloadHubFile("org/../etc", "config.json", options(hub, cacheDir)),
      /"org\/\.\.\/etc" is not a hub repository id/,
    );
  });
});

Deno.test("5xx answers are retried; when they persist the cached copy is used", async () => {
  await withHub(async (hub, cacheDir) => {
    await hub.addRepo("org/tiny", { files: { "config.json": '{"v":1}' } });
    hub.failNext("config.json", 500, 2);
    const { path } = await downloadHubFile(
      "org/tiny",
      "config.json",
      options(hub, cacheDir),
    );
    assert.equal(await Deno.readTextFile(path!), '{"v":1}');
    assert.equal(hub.requests.length, 4, "two failed HEADs, one HEAD, one GET");

    hub.failNext("config.json", 503, 10);
    const cached = await downloadHubFile(
      "org/tiny",
      "config.json",
      options(hub, cacheDir),
    );
    assert.equal(cached.path, path);
    await assert.rejects(
      () =>
        downloadHubFile("org/tiny", "config.json", {
          ...options(hub, cacheDir),
          cacheFallback: false,
        }),
      /http:\/\/127\.0\.0\.1:\d+ failed \(HTTP 503 Service Unavailable, 3 attempts\)/,
    );
  });
});
