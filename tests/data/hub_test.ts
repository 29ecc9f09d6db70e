import assert from "node:assert/strict";
import { parquetWriteBuffer } from "hyparquet-writer";
import { numinaRows } from "../../lib/data/formats.ts";
import { gsm8kRows } from "../../lib/data/gsm8k.ts";
import { loadDataset, type LoadDatasetOptions } from "../../lib/data/hub.ts";
import { HubError } from "../../lib/hub/errors.ts";
import { hubSettings } from "../../lib/hub/settings.ts";
import { FakeDatasetHub } from "./fake_dataset_hub.ts";

const CARD = await Deno.readTextFile(
  new URL("../fixtures/data/gsm8k_card.md", import.meta.url),
);

function gsm8kParquet(questions: string[], finals: number[]): Uint8Array {
  return new Uint8Array(parquetWriteBuffer({
    columnData: [
      { name: "question", data: questions, type: "STRING" },
      {
        name: "answer",
        data: finals.map((n) =>
          `Some steps.\n#### ${n.toLocaleString("en-US")}`
        ),
        type: "STRING",
      },
    ],
  }));
}

const GSM8K = {
  main: {
    "README.md": CARD,
    ".gitattributes": "*.parquet filter=lfs diff=lfs merge=lfs -text\n",
    "main/train-00000-of-00001.parquet": gsm8kParquet(
      ["t1", "t2", "t3", "t4"],
      [1, 2, 3, 4],
    ),
    "main/test-00000-of-00001.parquet": gsm8kParquet(["q1", "q2"], [18, 1234]),
    "socratic/train-00000-of-00001.parquet": gsm8kParquet(["s1"], [5]),
    "socratic/test-00000-of-00001.parquet": gsm8kParquet(["s2"], [6]),
  },
};

/** A fake hub with openai/gsm8k, a fresh cache, options pointing at both. */
async function withHub(
  body: (
    hub: FakeDatasetHub,
    options: LoadDatasetOptions,
    cacheDir: string,
  ) => Promise<void>,
): Promise<void> {
  const hub = FakeDatasetHub.start();
  const cacheDir = await Deno.makeTempDir({ prefix: "tunebook-dscache-" });
  try {
    await hub.addDataset("openai/gsm8k", GSM8K);
    await body(hub, optionsFor(hub.url, cacheDir), cacheDir);
  } finally {
    await hub.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
}

function optionsFor(
  endpoint: string,
  cacheDir: string,
  extra: { offline?: boolean; token?: string } = {},
): LoadDatasetOptions {
  return {
    settings: hubSettings({
      endpoint,
      cacheDir,
      token: extra.token ?? null,
      offline: extra.offline ?? false,
      env: {},
      envFile: null,
    }),
    progress: false,
    retries: 0,
    retryDelayMs: 1,
    log: () => {},
  };
}

Deno.test("a hub dataset: tree listing, card config, download into datasets-- cache, rows", async () => {
  await withHub(async (hub, options, cacheDir) => {
    const commits = await hub.addDataset("openai/gsm8k", GSM8K);
    const data = await loadDataset("openai/gsm8k", {
      ...options,
      config: "main",
      split: "test",
    });
    assert.deepEqual(
      gsm8kRows(data.rows, "gsm8k").map((r) => [r.question, r.final]),
      [["q1", 18], ["q2", 1234]],
    );
    const snapshot =
      `${cacheDir}/datasets--openai--gsm8k/snapshots/${commits.main}`;
    assert.deepEqual(data.files, [
      `${snapshot}/main/test-00000-of-00001.parquet`,
    ]);
    assert.equal(data.origin, "hub");
    assert.equal(data.commit, commits.main);
    assert.equal(data.config, "main");
    assert.match(data.how, /dataset card config "main", split "test"/);
    assert.equal(
      await Deno.readTextFile(`${cacheDir}/datasets--openai--gsm8k/refs/main`),
      commits.main,
    );
    assert.deepEqual(hub.requests, [
      "GET /api/datasets/openai/gsm8k/tree/main",
      "HEAD /datasets/openai/gsm8k/resolve/main/README.md",
      "GET /datasets/openai/gsm8k/resolve/main/README.md",
      `HEAD /datasets/openai/gsm8k/resolve/${commits.main}/main/test-00000-of-00001.parquet`,
      `GET /datasets/openai/gsm8k/resolve/${commits.main}/main/test-00000-of-00001.parquet`,
    ]);

    // Again: the listing and HEADs are asked, but no bytes are fetched twice.
    hub.requests.length = 0;
    const again = await loadDataset("openai/gsm8k", {
      ...options,
      config: "main",
      split: "test[:1]",
    });
    assert.deepEqual(again.rows.map((r) => r.question), ["q1"]);
    assert.equal(
      hub.requests.filter((r) => r.startsWith("GET /datasets/")).length,
      0,
    );
  });
});

Deno.test("tree pages linked with rel=next are all read; the token goes along", async () => {
  await withHub(async (hub, _options, cacheDir) => {
    hub.pageSize = 2;
    const options = optionsFor(hub.url, cacheDir, { token: "hf_secret" });
    const data = await loadDataset("openai/gsm8k@main", {
      ...options,
      config: "socratic",
      split: "train",
    });
    assert.deepEqual(data.rows.map((r) => r.question), ["s1"]);
    const pages = hub.requests.filter((r) => r.startsWith("GET /api/"));
    assert.ok(pages.length >= 4, `expected several pages, got ${pages.length}`);
    assert.ok(hub.authorizations.every((a) => a === "Bearer hf_secret"));
  });
});

Deno.test("offline: the cached split loads with no request; an uncached one explains what to do", async () => {
  await withHub(async (hub, options, cacheDir) => {
    await loadDataset("openai/gsm8k", {
      ...options,
      config: "main",
      split: "test",
    });
    hub.requests.length = 0;
    const offline = optionsFor(hub.url, cacheDir, { offline: true });
    const cached = await loadDataset("openai/gsm8k", {
      ...offline,
      config: "main",
      split: "test",
    });
    assert.deepEqual(cached.rows.map((r) => r.question), ["q1", "q2"]);
    assert.match(cached.how, /from the cache/);

    await assert.rejects(
      loadDataset("openai/gsm8k", {
        ...offline,
        config: "main",
        split: "train",
      }),
      (e: Error) => {
        assert.ok(e instanceof HubError && e.kind === "offline");
        assert.match(
          e.message,
          /^cannot load dataset openai\/gsm8k \(config "main", split "train", revision "main"\): HF_HUB_OFFLINE is set/,
        );
        assert.match(e.message, /main\/train-\* matched no file/);
        assert.ok(
          e.message.includes(
            "huggingface-cli download openai/gsm8k --repo-type dataset --local-dir gsm8k",
          ),
        );
        assert.ok(e.message.includes(`(now: ${cacheDir})`));
        return true;
      },
    );
    await assert.rejects(
      loadDataset("AI-MO/NuminaMath-TIR", { ...offline, split: "train[:5%]" }),
      (e: Error) =>
        e instanceof HubError && e.kind === "offline" &&
        e.message.includes('split "train[:5%]"') &&
        e.message.includes("holds no snapshot of it") &&
        e.message.includes("datasets--AI-MO--NuminaMath-TIR"),
    );
    assert.deepEqual(hub.requests, []);
  });
});

Deno.test("an unreachable hub falls back to the cache, with a note; else the offline error", async () => {
  await withHub(async (hub, options, cacheDir) => {
    await loadDataset("openai/gsm8k", {
      ...options,
      config: "main",
      split: "test",
    });
    const down = FakeDatasetHub.start();
    const deadUrl = down.url;
    await down.close();
    const notes: string[] = [];
    const dead = {
      ...optionsFor(deadUrl, cacheDir),
      log: (m: string) => notes.push(m),
    };
    const data = await loadDataset("openai/gsm8k", {
      ...dead,
      config: "main",
      split: "test",
    });
    assert.equal(data.rows.length, 2);
    assert.equal(notes.length, 1);
    assert.match(notes[0], /could not be reached.*using the cached snapshot/);
    await assert.rejects(
      loadDataset("mlabonne/smoltldr", dead),
      (e: Error) =>
        e instanceof HubError && e.kind === "offline" &&
        /could not be reached/.test(e.message),
    );
    assert.equal(hub.requests.length, 5); // only the first, online load
  });
});

Deno.test("unknown repo, revision, config or split: clear errors", async () => {
  await withHub(async (_hub, options) => {
    await assert.rejects(
      loadDataset("openai/gsm9k", { ...options, split: "test" }),
      (e: Error) => {
        assert.ok(e instanceof HubError);
        assert.match(
          e.message,
          /^dataset openai\/gsm9k: repository "openai\/gsm9k" was not found at http:\/\/127\.0\.0\.1:\d+/,
        );
        return true;
      },
    );
    await assert.rejects(
      loadDataset("openai/gsm8k", {
        ...options,
        revision: "v9",
        config: "main",
      }),
      (e: Error) => {
        assert.ok(e instanceof HubError && e.kind === "not-found");
        assert.match(e.message, /revision "v9" not found in openai\/gsm8k/);
        return true;
      },
    );
    await assert.rejects(
      loadDataset("openai/gsm8k", { ...options, split: "test" }),
      {
        message:
          "openai/gsm8k has several configs (main, socratic); choose one with the config option",
      },
    );
    await assert.rejects(
      loadDataset("openai/gsm8k", {
        ...options,
        config: "main",
        split: "validation",
      }),
      {
        message:
          'openai/gsm8k config "main" has no split "validation" (splits: train, test)',
      },
    );
    await assert.rejects(loadDataset("./no/such/folder", options), {
      message: "data file or folder not found: ./no/such/folder",
    });
    await assert.rejects(loadDataset("missing.jsonl", options), {
      message: "data file or folder not found: missing.jsonl",
    });
    await assert.rejects(
      loadDataset("not a repo", options),
      /is neither an existing file or folder nor a hub dataset id/,
    );
  });
});

Deno.test("a repo without readable data files is read from refs/convert/parquet", async () => {
  await withHub(async (hub, options) => {
    const commits = await hub.addDataset("org/scripted", {
      main: {
        "README.md": "# no configs\n",
        "scripted.py": "# a loading script\n",
        "data.tar.gz": "x",
      },
      "refs/convert/parquet": {
        "default/train/0000.parquet": gsm8kParquet(["p1", "p2"], [1, 2]),
        "default/train/0001.parquet": gsm8kParquet(["p3"], [3]),
        "default/test/0000.parquet": gsm8kParquet(["p4"], [4]),
      },
    });
    const data = await loadDataset("org/scripted", options);
    assert.deepEqual(data.rows.map((r) => r.question), ["p1", "p2", "p3"]);
    // Rows of a split in several files are located by file and row.
    assert.throws(
      () => gsm8kRows([...data.rows, { question: "x" }], "org/scripted"),
      {
        message:
          'org/scripted row 4: field "answer" is missing (columns: question)',
      },
    );
    assert.throws(() => numinaRows(data.rows, "org/scripted"), {
      message:
        'org/scripted 0000.parquet row 1: field "problem" is missing (columns: question, answer)',
    });
    assert.equal(data.commit, commits["refs/convert/parquet"]);
    assert.match(data.how, /parquet conversion/);
    assert.ok(
      hub.requests.includes(
        "GET /api/datasets/org/scripted/tree/refs/convert/parquet/default/train",
      ),
    );
    await assert.rejects(
      loadDataset("org/scripted", { ...options, split: "validation" }),
      (e: Error) =>
        e instanceof HubError &&
        /no data files tunebook reads.*no parquet conversion of config "default" split "validation"/
          .test(e.message),
    );
  });
});

Deno.test("a local folder (a huggingface-cli download copy) and a single file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tunebook-dsdir-" });
  try {
    for (const [path, content] of Object.entries(GSM8K.main)) {
      await Deno.mkdir(`${dir}/${path}`.replace(/\/[^/]*$/, ""), {
        recursive: true,
      });
      await Deno.writeFile(
        `${dir}/${path}`,
        typeof content === "string"
          ? new TextEncoder().encode(content)
          : content,
      );
    }
    await Deno.mkdir(`${dir}/.cache/huggingface`, { recursive: true });
    await Deno.writeTextFile(
      `${dir}/.cache/huggingface/train.jsonl`,
      "not data\n",
    );
    const folder = await loadDataset(dir, {
      config: "main",
      split: "train[-2:]",
    });
    assert.equal(folder.origin, "folder");
    assert.deepEqual(folder.rows.map((r) => r.question), ["t3", "t4"]);
    assert.deepEqual(folder.files, [
      `${dir}/main/train-00000-of-00001.parquet`,
    ]);

    const file = await loadDataset(`${dir}/main/test-00000-of-00001.parquet`, {
      split: "anything[1:]",
    });
    assert.equal(file.origin, "file");
    assert.deepEqual(file.rows.map((r) => r.question), ["q2"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
