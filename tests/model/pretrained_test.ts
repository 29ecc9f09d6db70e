import assert from "node:assert/strict";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import { hubSettings } from "../../lib/hub/settings.ts";
import { loadPretrained } from "../../lib/model/pretrained.ts";
import { sequenceLogProbs } from "../../lib/model/logprobs.ts";
import { FakeHub } from "../hub/fake_hub.ts";

await initEngine({ verbose: false });
const fixture =
  new URL("../fixtures/models/tiny-gemma3", import.meta.url).pathname;
const tokenizerFixture =
  new URL("../fixtures/tokenizers/chatml", import.meta.url).pathname;

Deno.test("loadPretrained: a hub id downloads into the cache and loads the same model as the folder", async () => {
  const hub = await FakeHub.start();
  const cacheDir = await Deno.makeTempDir();
  try {
    const files: Record<string, Uint8Array> = {};
    for (
      const name of [
        "config.json",
        "generation_config.json",
        "model.safetensors",
      ]
    ) {
      files[name] = await Deno.readFile(`${fixture}/${name}`);
    }
    for (const name of ["tokenizer.json", "tokenizer_config.json"]) {
      files[name] = await Deno.readFile(`${tokenizerFixture}/${name}`);
    }
    await hub.addRepo("tunebook/tiny-gemma3", { files });
    const hubOptions = {
      settings: hubSettings({
        endpoint: hub.url,
        cacheDir,
        env: {},
        envFile: null,
      }),
      progress: false as const,
      log: () => {},
    };
    const remote = await loadPretrained("tunebook/tiny-gemma3", {
      hub: hubOptions,
    });
    const local = await loadPretrained(fixture);
    assert.ok(
      remote.dir.startsWith(cacheDir),
      `downloaded into the cache: ${remote.dir}`,
    );
    assert.ok(remote.tokenizer, "tokenizer loaded from the downloaded files");
    assert.equal(
      local.tokenizer,
      undefined,
      "the fixture folder has no tokenizer",
    );
    const ids = tf.tensor2d([[2, 5, 9, 13, 4]], [1, 5], "int32");
    assert.deepEqual(
      sequenceLogProbs(remote.model, ids).dataSync(),
      sequenceLogProbs(local.model, ids).dataSync(),
    );
    remote.model.dispose();
    local.model.dispose();
  } finally {
    await hub.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
});
