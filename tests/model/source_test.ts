import assert from "node:assert/strict";
import { writeSafetensors } from "../../lib/safetensors/safetensors.ts";
import {
  ShardedCheckpoint,
  writeShardedSafetensors,
} from "../../lib/safetensors/sharded.ts";
import type { HubError } from "../../lib/hub/errors.ts";
import {
  resolveModelSource,
  type ResolveOptions,
} from "../../lib/model/source.ts";
import { hubSettings } from "../../lib/hub/settings.ts";
import { FakeHub } from "../hub/fake_hub.ts";

async function withHub(
  body: (hub: FakeHub, temp: string) => Promise<void>,
): Promise<void> {
  const hub = await FakeHub.start();
  const temp = await Deno.makeTempDir({ prefix: "tunebook-resolve-" });
  try {
    await body(hub, temp);
  } finally {
    await hub.close();
    await Deno.remove(temp, { recursive: true });
  }
}

function options(
  endpoint: string,
  cacheDir: string,
  env: Record<string, string> = {},
): ResolveOptions {
  return {
    settings: hubSettings({ endpoint, cacheDir, env, envFile: null }),
    progress: false,
    retries: 0,
    retryDelayMs: 1,
    log: () => {},
  };
}

/** The bytes of a real single-tensor safetensors file. */
async function weightsFile(temp: string, value: number): Promise<Uint8Array> {
  const path = `${temp}/w-${value}.safetensors`;
  await writeSafetensors(path, {
    "lm_head.weight": { shape: [2, 2], data: new Float32Array(4).fill(value) },
  });
  return await Deno.readFile(path);
}

const smallModel = async (temp: string) => ({
  "config.json": '{"model_type":"llama"}',
  "tokenizer.json": '{"model":{}}',
  "tokenizer_config.json": "{}",
  "model.safetensors": await weightsFile(temp, 1.5),
});

Deno.test("a hub id downloads config, tokenizer files and weights; a second call sends no request", async () => {
  await withHub(async (hub, temp) => {
    const commit = await hub.addRepo("org/tiny", {
      files: await smallModel(temp),
    });
    const cacheDir = `${temp}/cache`;
    const model = await resolveModelSource(
      "org/tiny",
      options(hub.url, cacheDir),
    );
    assert.equal(
      model.dir,
      `${cacheDir}/models--org--tiny/snapshots/${commit}`,
    );
    assert.equal(model.origin, "hub");
    assert.equal(model.commit, commit);
    assert.deepEqual(model.weights, { files: ["model.safetensors"] });
    assert.deepEqual(model.files, [
      "config.json",
      "tokenizer.json",
      "tokenizer_config.json",
      "model.safetensors",
    ]);
    using checkpoint = await ShardedCheckpoint.open(model.dir);
    assert.deepEqual([...(await checkpoint.read("lm_head.weight")).data], [
      1.5,
      1.5,
      1.5,
      1.5,
    ]);
    // The files after config.json are asked for by commit, not by branch.
    assert.ok(
      hub.requests.some((r) =>
        r.path === `/org/tiny/resolve/${commit}/tokenizer.json`
      ),
    );

    const seen = hub.requests.length;
    const again = await resolveModelSource(
      "org/tiny",
      options(hub.url, cacheDir),
    );
    assert.deepEqual(again, model);
    assert.equal(
      hub.requests.length,
      seen,
      "complete snapshot: no request at all",
    );

    await resolveModelSource("org/tiny", {
      ...options(hub.url, cacheDir),
      checkForUpdates: true,
    });
    assert.ok(
      hub.requests.slice(seen).every((r) => r.method === "HEAD"),
      "checking for updates downloads nothing",
    );
  });
});

Deno.test("a sharded model brings its index and every shard", async () => {
  await withHub(async (hub, temp) => {
    const built = `${temp}/built`;
    const data = Float32Array.from({ length: 64 }, (_, i) => i / 8);
    await writeShardedSafetensors(built, {
      "a.weight": { shape: [8, 8], data },
      "b.weight": { shape: [8, 8], data, dtype: "BF16" },
    }, { maxShardBytes: 300 });
    const files: Record<string, Uint8Array | string> = { "config.json": "{}" };
    for (const entry of Deno.readDirSync(built)) {
      files[entry.name] = await Deno.readFile(`${built}/${entry.name}`);
    }
    await hub.addRepo("org/big", { files });

    const model = await resolveModelSource(
      "org/big",
      options(hub.url, `${temp}/cache`),
    );
    assert.deepEqual(model.weights, {
      index: "model.safetensors.index.json",
      files: [
        "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors",
      ],
    });
    using checkpoint = await ShardedCheckpoint.open(model.dir);
    assert.deepEqual((await checkpoint.read("b.weight")).data, data);
  });
});

Deno.test("HF_HUB_OFFLINE with an empty cache explains how to provide the files", async () => {
  await withHub(async (hub, temp) => {
    await hub.addRepo("org/tiny", { files: await smallModel(temp) });
    const cacheDir = `${temp}/cache`;
    const offline = options(hub.url, cacheDir, { HF_HUB_OFFLINE: "1" });
    await assert.rejects(
      () => resolveModelSource("org/tiny", offline),
      (error: HubError) => {
        assert.equal(error.kind, "offline");
        const expected = [
          `cannot load org/tiny (revision "main"): HF_HUB_OFFLINE is set, and the hub cache ${cacheDir} holds no snapshot of it.`,
          `To provide the files:`,
          `  1. on a machine with internet, run`,
          `       huggingface-cli download org/tiny --local-dir tiny`,
          `     (newer huggingface_hub: hf download …; gated models need HF_TOKEN there too),`,
          `     copy the folder here and pass its path instead of "org/tiny"; or`,
          `  2. copy a Hugging Face cache that holds this model (its models--org--tiny folder, usually under`,
          `     ~/.cache/huggingface/hub) and set HF_HUB_CACHE to the folder containing models--org--tiny (now: ${cacheDir}).`,
        ];
        assert.equal(error.message, expected.join("\n"));
        return true;
      },
    );
    assert.equal(hub.requests.length, 0, "offline means no request");

    const online = await resolveModelSource(
      "org/tiny",
      options(hub.url, cacheDir),
    );
    const seen = hub.requests.length;
    const cached = await resolveModelSource("org/tiny", offline);
    assert.equal(cached.dir, online.dir);
    assert.equal(hub.requests.length, seen);
  });
});

Deno.test("an unreachable hub falls back to the cache, or explains how to provide the files", async () => {
  await withHub(async (hub, temp) => {
    await hub.addRepo("org/tiny", { files: await smallModel(temp) });
    const cacheDir = `${temp}/cache`;
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const deadEndpoint = `http://127.0.0.1:${listener.addr.port}`;
    listener.close(); // nothing listens there any more

    await assert.rejects(
      () => resolveModelSource("org/tiny@v1", options(deadEndpoint, cacheDir)),
      (error: HubError) => {
        assert.equal(error.kind, "offline");
        assert.match(
          error.message,
          /^cannot load org\/tiny \(revision "v1"\): http:\/\/127\.0\.0\.1:\d+ could not be reached \(/,
        );
        assert.match(
          error.message,
          /huggingface-cli download org\/tiny --revision v1 --local-dir tiny/,
        );
        return true;
      },
    );

    const online = await resolveModelSource(
      "org/tiny",
      options(hub.url, cacheDir),
    );
    const notes: string[] = [];
    const viaCache = await resolveModelSource("org/tiny", {
      ...options(deadEndpoint, cacheDir),
      checkForUpdates: true,
      log: (m) => notes.push(m),
    });
    assert.equal(viaCache.dir, online.dir);
    assert.match(
      notes[0],
      /could not be reached .*; using the cached snapshot /,
    );

    hub.failNext("/resolve/", 500, 100);
    await assert.rejects(
      () =>
        resolveModelSource("org/tiny", options(hub.url, `${temp}/other-cache`)),
      /failed \(HTTP 500 Internal Server Error, 1 attempt\).*\n.*To provide the files/s,
    );
  });
});

Deno.test("a cache written by Python's huggingface_hub is used as is", async () => {
  await withHub(async (hub, temp) => {
    const cacheDir = `${temp}/hub`;
    const repoDir = `${cacheDir}/models--google--gemma-3-270m-it`;
    const commit = "ac0d1b8a6f1e2c3d4e5f60718293a4b5c6d7e8f9";
    const snapshot = `${repoDir}/snapshots/${commit}`;
    await Deno.mkdir(`${repoDir}/blobs`, { recursive: true });
    await Deno.mkdir(`${repoDir}/refs`);
    await Deno.mkdir(snapshot, { recursive: true });
    await Deno.writeTextFile(`${repoDir}/refs/main`, commit);
    const blobs: Record<string, Uint8Array | string> = {
      "config.json": '{"model_type":"gemma3_text"}',
      "tokenizer.json": "{}",
      "model.safetensors": await weightsFile(temp, 2),
    };
    for (const [i, [name, content]] of Object.entries(blobs).entries()) {
      const blob = `${"0".repeat(39)}${i}`;
      await Deno.writeFile(
        `${repoDir}/blobs/${blob}`,
        typeof content === "string"
          ? new TextEncoder().encode(content)
          : content,
      );
      await Deno.symlink(`../../blobs/${blob}`, `${snapshot}/${name}`);
    }
    // The cache is found through HF_HOME (<HF_HOME>/hub), as Python finds it.
    const settings = hubSettings({
      endpoint: hub.url,
      env: { HF_HOME: temp, HF_HUB_OFFLINE: "true" },
      envFile: null,
    });
    assert.equal(settings.cacheDir, cacheDir);
    const model = await resolveModelSource("google/gemma-3-270m-it", {
      settings,
      progress: false,
    });
    assert.equal(model.dir, snapshot);
    assert.deepEqual(model.files, [
      "config.json",
      "tokenizer.json",
      "model.safetensors",
    ]);
    assert.equal(hub.requests.length, 0);
  });
});

Deno.test("local folders are used as they are; bad sources are clear errors", async () => {
  await withHub(async (_hub, temp) => {
    const dir = `${temp}/my-model`;
    await Deno.mkdir(dir);
    await Deno.writeTextFile(`${dir}/config.json`, "{}");
    await assert.rejects(
      () => resolveModelSource(dir),
      /my-model is not a complete model folder: missing model\.safetensors \(or model\.safetensors\.index\.json with its shards\)/,
    );
    await Deno.writeFile(
      `${dir}/model.safetensors`,
      await weightsFile(temp, 3),
    );
    await Deno.writeTextFile(`${dir}/chat_template.jinja`, "{{ messages }}");
    const model = await resolveModelSource(dir);
    assert.deepEqual(model, {
      dir,
      origin: "local",
      weights: { files: ["model.safetensors"] },
      files: ["config.json", "chat_template.jinja", "model.safetensors"],
    });
    await assert.rejects(
      () => resolveModelSource("./no/such/folder"),
      /model folder not found: \.\/no\/such\/folder/,
    );
    await assert.rejects(
      () => resolveModelSource(`${dir}/config.json`),
      /is a file; pass the folder/,
    );
    await assert.rejects(
      () => resolveModelSource("org/na me"),
      /neither an existing folder nor a hub id/,
    );
  });
});
