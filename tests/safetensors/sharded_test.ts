import assert from "node:assert/strict";
import {
  readShardIndex,
  ShardedCheckpoint,
  writeShardedSafetensors,
} from "../../lib/safetensors/sharded.ts";
import {
  type TensorToWrite,
  writeSafetensors,
} from "../../lib/safetensors/safetensors.ts";

async function withTempDir(
  body: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tunebook-shard-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const listing = (dir: string) =>
  [...Deno.readDirSync(dir)].map((e) => e.name).sort();

function tensors(): Map<string, TensorToWrite> {
  const make = (n: number, seed: number) =>
    Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i));
  return new Map<string, TensorToWrite>([
    ["embed.weight", { shape: [10, 4], data: make(40, 1) }], // 160 bytes
    ["layers.0.q.weight", { shape: [4, 4], data: make(16, 2), dtype: "BF16" }], // 32 bytes
    ["layers.0.k.weight", { shape: [4, 4], data: make(16, 3) }], // 64 bytes
    ["layers.1.q.weight", { shape: [4, 4], data: make(16, 4), dtype: "F16" }], // 32 bytes
    ["norm.weight", { shape: [4], data: make(4, 5) }], // 16 bytes
  ]);
}

Deno.test("sharded write + read round trip with HF names and index", async () => {
  await withTempDir(async (dir) => {
    const result = await writeShardedSafetensors(dir, tensors(), {
      maxShardBytes: 100,
    });
    // embed (160 B) exceeds the limit alone; the 32+64 B pair fits; 32+16 B fit.
    assert.deepEqual(result.files, [
      "model-00001-of-00003.safetensors",
      "model-00002-of-00003.safetensors",
      "model-00003-of-00003.safetensors",
    ]);
    assert.equal(result.index, "model.safetensors.index.json");
    const index = await readShardIndex(`${dir}/model.safetensors.index.json`);
    assert.equal(index.metadata.total_size, 304);
    assert.equal(
      index.weightMap.get("layers.0.k.weight"),
      "model-00002-of-00003.safetensors",
    );

    using checkpoint = await ShardedCheckpoint.open(dir);
    assert.deepEqual(checkpoint.names(), [...tensors().keys()]);
    assert.equal(
      checkpoint.shardOf("norm.weight"),
      "model-00003-of-00003.safetensors",
    );
    assert.equal(checkpoint.info("layers.1.q.weight").dtype, "F16");
    const embed = await checkpoint.read("embed.weight");
    assert.deepEqual(embed.data, tensors().get("embed.weight")!.data);
    const all = await checkpoint.readAll((name) => name.startsWith("layers.0"));
    assert.deepEqual([...all.keys()], [
      "layers.0.q.weight",
      "layers.0.k.weight",
    ]);
    assert.deepEqual(
      all.get("layers.0.k.weight")!.data,
      tensors().get("layers.0.k.weight")!.data,
    );
    const bf16 = all.get("layers.0.q.weight")!.data;
    const original = tensors().get("layers.0.q.weight")!.data;
    for (let i = 0; i < bf16.length; i++) {
      assert.ok(
        Math.abs(bf16[i] - original[i]) <= 2 ** -9,
        "bf16 keeps 8 significant bits",
      );
    }
  });
});

Deno.test("a checkpoint that fits one shard is a plain model.safetensors, and stale shards are removed", async () => {
  await withTempDir(async (dir) => {
    await writeShardedSafetensors(dir, tensors(), { maxShardBytes: 100 });
    await Deno.writeTextFile(`${dir}/config.json`, "{}");
    const result = await writeShardedSafetensors(dir, tensors());
    assert.deepEqual(result, { files: ["model.safetensors"] });
    assert.deepEqual(listing(dir), ["config.json", "model.safetensors"]);
    using checkpoint = await ShardedCheckpoint.open(dir);
    assert.equal(checkpoint.shardOf("norm.weight"), "model.safetensors");
    assert.deepEqual(checkpoint.metadata, { format: "pt" });
    assert.equal(checkpoint.names().length, 5);
  });
});

Deno.test("a missing shard is an error naming the shard and a tensor in it", async () => {
  await withTempDir(async (dir) => {
    await writeShardedSafetensors(dir, tensors(), { maxShardBytes: 100 });
    await Deno.remove(`${dir}/model-00002-of-00003.safetensors`);
    await assert.rejects(
      () => ShardedCheckpoint.open(dir),
      /model\.safetensors\.index\.json lists shard "model-00002-of-00003\.safetensors" for 2 tensor\(s\) \(e\.g\. "layers\.0\.q\.weight"\), but .* is missing/,
    );
  });
});

Deno.test("index and shards that disagree are errors naming the tensor", async () => {
  await withTempDir(async (dir) => {
    await writeShardedSafetensors(dir, tensors(), { maxShardBytes: 100 });
    const indexPath = `${dir}/model.safetensors.index.json`;
    const json = JSON.parse(await Deno.readTextFile(indexPath));
    json.weight_map["lm_head.weight"] = "model-00001-of-00003.safetensors";
    await Deno.writeTextFile(indexPath, JSON.stringify(json));
    await assert.rejects(
      () => ShardedCheckpoint.open(dir),
      /tensor "lm_head\.weight" is listed in .*index\.json under shard "model-00001-of-00003\.safetensors", but .* does not contain it/,
    );

    delete json.weight_map["lm_head.weight"];
    delete json.weight_map["norm.weight"];
    await Deno.writeTextFile(indexPath, JSON.stringify(json));
    await assert.rejects(
      () => ShardedCheckpoint.open(dir),
      /model-00003-of-00003\.safetensors holds tensor "norm\.weight", which .* does not map to this shard/,
    );

    json.weight_map["norm.weight"] = "../elsewhere.safetensors";
    await Deno.writeTextFile(indexPath, JSON.stringify(json));
    await assert.rejects(
      () => ShardedCheckpoint.open(dir),
      /weight_map\["norm\.weight"\] must be a \.safetensors file name/,
    );
  });
});

Deno.test("opening a folder without weights, or a single file directly", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      () => ShardedCheckpoint.open(dir),
      /no weights found \(expected model\.safetensors or model\.safetensors\.index\.json/,
    );
    await writeSafetensors(`${dir}/adapter_model.safetensors`, {
      "base_model.model.q.lora_A.weight": {
        shape: [2, 4],
        data: new Float32Array(8).fill(0.5),
      },
    });
    using adapter = await ShardedCheckpoint.open(
      `${dir}/adapter_model.safetensors`,
    );
    assert.deepEqual(adapter.names(), ["base_model.model.q.lora_A.weight"]);
    assert.throws(() => adapter.shardOf("x"), /no tensor named "x"/);
  });
});
