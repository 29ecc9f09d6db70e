import assert from "node:assert/strict";
import { writeAtomic } from "../../lib/util/atomic.ts";
import {
  readSafetensors,
  SafetensorsFile,
  writeSafetensors,
} from "../../lib/safetensors/safetensors.ts";

async function withTempDir(
  body: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tunebook-st-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A file laid out by hand from the spec, independent of the writer. */
function handMade(
  header: Record<string, unknown>,
  data: Uint8Array,
): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const bytesOf = (array: ArrayBufferView) =>
  new Uint8Array(array.buffer, array.byteOffset, array.byteLength);

Deno.test("round trip of F32, BF16 and F16 tensors with metadata", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/model.safetensors`;
    const weight = new Float32Array([0.1, -2.5, 1e-3, 7, 0.33, -0]);
    const exact = new Float32Array([1, -0.5, 3.140625, 2 ** -10]); // exact in bf16 and f16
    const tiny = new Float32Array([
      2 ** -24,
      3 * 2 ** -24,
      2 ** -14 - 2 ** -24,
    ]); // f16 subnormals
    await writeSafetensors(path, {
      "w.f32": { shape: [2, 3], data: weight },
      "w.bf16": { shape: [4], data: exact, dtype: "BF16" },
      "w.f16": { shape: [1, 3], data: tiny, dtype: "F16" },
      "empty": { shape: [0, 4], data: new Float32Array(0) },
    }, { metadata: { step: "12" } });

    const { tensors, metadata } = await readSafetensors(path);
    assert.deepEqual(metadata, { format: "pt", step: "12" });
    assert.deepEqual(tensors.get("w.f32"), {
      shape: [2, 3],
      dtype: "F32",
      data: weight,
    });
    assert.deepEqual(tensors.get("w.bf16"), {
      shape: [4],
      dtype: "BF16",
      data: exact,
    });
    assert.deepEqual(tensors.get("w.f16"), {
      shape: [1, 3],
      dtype: "F16",
      data: tiny,
    });
    assert.deepEqual(tensors.get("empty")?.shape, [0, 4]);

    // Inexact values are rounded to the nearest bf16: 0.1 → 0.10009765625.
    await writeSafetensors(path, {
      x: { shape: [2], data: new Float32Array([0.1, 1 / 3]), dtype: "BF16" },
    });
    const rounded = (await readSafetensors(path)).tensors.get("x")!.data;
    assert.deepEqual([...rounded], [0.10009765625, 0.333984375]);
  });
});

Deno.test("writer layout follows the spec byte for byte", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/a.safetensors`;
    await writeSafetensors(path, {
      b: { shape: [1], data: new Float32Array([1]), dtype: "BF16" },
      a: { shape: [2], data: new Float32Array([1, 2]) },
    });
    const bytes = await Deno.readFile(path);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    assert.equal(n % 8, 0, "header padded to a multiple of 8");
    const json = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    assert.equal(
      json.trimEnd(),
      '{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
        '"b":{"dtype":"BF16","shape":[1],"data_offsets":[8,10]}}',
    );
    assert.match(json, /^[^ ]* *$/, "padding is spaces at the end");
    assert.deepEqual([...bytes.subarray(8 + n)], [
      0,
      0,
      0x80,
      0x3f,
      0,
      0,
      0,
      0x40,
      0x80,
      0x3f,
    ]);
    const leftovers = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.deepEqual(
      leftovers,
      ["a.safetensors"],
      "no temporary file left behind",
    );
  });
});

Deno.test("reads a hand-made file: unpadded header, integer dtypes, tensors on demand", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/h.safetensors`;
    const data = new Uint8Array([
      ...bytesOf(new BigInt64Array([5n, -6n])),
      ...bytesOf(new Int32Array([-7])),
      ...bytesOf(new Uint16Array([0x3f80, 0xc000])), // bf16 1, -2
      1,
      0,
      200,
    ]);
    await Deno.writeFile(
      path,
      handMade({
        "ids": { dtype: "I64", shape: [2], data_offsets: [0, 16] },
        "n": { dtype: "I32", shape: [], data_offsets: [16, 20] },
        "h": { dtype: "BF16", shape: [2], data_offsets: [20, 24] },
        "mask": { dtype: "BOOL", shape: [2], data_offsets: [24, 26] },
        "px": { dtype: "U8", shape: [1], data_offsets: [26, 27] },
      }, data),
    );
    using file = await SafetensorsFile.open(path);
    assert.deepEqual(file.metadata, {});
    assert.deepEqual(file.names(), ["ids", "n", "h", "mask", "px"]);
    assert.deepEqual(file.info("h"), {
      name: "h",
      dtype: "BF16",
      shape: [2],
      begin: 20,
      end: 24,
    });
    const [h, ids] = await Promise.all([file.read("h"), file.read("ids")]);
    assert.deepEqual([...h.data], [1, -2]);
    assert.deepEqual([...ids.data], [5, -6]);
    assert.deepEqual([...(await file.read("n")).data], [-7]);
    assert.deepEqual([...(await file.read("mask")).data], [1, 0]);
    assert.deepEqual([...(await file.read("px")).data], [200]);
    assert.throws(
      () => file.info("nope"),
      /h\.safetensors: no tensor named "nope"/,
    );
  });
});

Deno.test("a truncated file is an error naming the tensor that runs past the end", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/t.safetensors`;
    await writeSafetensors(path, {
      "layer.0.weight": { shape: [8], data: new Float32Array(8) },
      "layer.1.weight": { shape: [8], data: new Float32Array(8) },
    });
    const bytes = await Deno.readFile(path);
    await Deno.writeFile(path, bytes.subarray(0, bytes.length - 5));
    await assert.rejects(
      () => SafetensorsFile.open(path),
      /t\.safetensors: tensor "layer\.1\.weight" needs bytes \[32, 64\) .* only 59 data bytes \(truncated file\?\)/,
    );
  });
});

Deno.test("inconsistent headers are errors naming the tensor", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/bad.safetensors`;
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [
        {
          a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
          b: { dtype: "F32", shape: [2], data_offsets: [4, 12] },
        },
        12,
        /tensor "b" bytes \[4, 12\) overlap tensor "a" \[0, 8\)/,
      ],
      [
        { a: { dtype: "F32", shape: [3], data_offsets: [0, 8] } },
        8,
        /tensor "a": shape \[3\] of F32 needs 12 bytes but data_offsets \[0, 8\] span 8/,
      ],
      [
        {
          a: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
          b: { dtype: "F32", shape: [1], data_offsets: [8, 12] },
        },
        12,
        /bytes \[4, 8\) after tensor "a" belong to no tensor; tensor "b" starts at 8/,
      ],
      [
        { a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } },
        10,
        /6 data bytes after the last tensor "a" belong to no tensor/,
      ],
      [
        { q: { dtype: "F4", shape: [2], data_offsets: [0, 1] } },
        1,
        /tensor "q": unknown dtype "F4"/,
      ],
      [
        { q: { dtype: "F32", shape: [1] } },
        4,
        /tensor "q": "data_offsets" must be \[begin, end\]/,
      ],
      [
        { q: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } },
        4,
        /tensor "q": "shape" must be/,
      ],
      [
        { __metadata__: { step: 3 } },
        0,
        /"__metadata__\.step" must be a string/,
      ],
    ];
    for (const [header, dataBytes, expected] of cases) {
      await Deno.writeFile(path, handMade(header, new Uint8Array(dataBytes)));
      await assert.rejects(() => SafetensorsFile.open(path), (error: Error) => {
        assert.match(error.message, /bad\.safetensors: /);
        assert.match(error.message, expected);
        return true;
      });
    }
  });
});

Deno.test("a header length that does not fit the file is a clear error", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/len.safetensors`;
    await writeSafetensors(path, {
      a: { shape: [1], data: new Float32Array([1]) },
    });
    const bytes = await Deno.readFile(path);
    const view = new DataView(bytes.buffer);
    view.setBigUint64(0, BigInt(bytes.length), true);
    await Deno.writeFile(path, bytes);
    await assert.rejects(
      () => SafetensorsFile.open(path),
      /len\.safetensors: header length \d+ bytes runs past the end of the file/,
    );
    view.setBigUint64(0, 2n ** 62n, true);
    await Deno.writeFile(path, bytes);
    await assert.rejects(
      () => SafetensorsFile.open(path),
      /exceeds the 100000000-byte limit/,
    );
    await Deno.writeFile(path, new TextEncoder().encode("{}"));
    await assert.rejects(
      () => SafetensorsFile.open(path),
      /too short to hold the 8-byte header length/,
    );
    await Deno.writeFile(
      path,
      handMade({}, new Uint8Array()).map((b, i) => (i === 8 ? 0x5b : b)),
    );
    await assert.rejects(
      () => SafetensorsFile.open(path),
      /header must start with "\{"/,
    );
  });
});

Deno.test("writer rejects bad tensors naming them, and writes atomically", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/w.safetensors`;
    await assert.rejects(
      () =>
        writeSafetensors(path, {
          "lora_A": { shape: [2, 2], data: new Float32Array(3) },
        }),
      /w\.safetensors: tensor "lora_A": shape \[2, 2\] has 4 elements but data has 3/,
    );
    await assert.rejects(
      () =>
        writeSafetensors(path, {
          x: { shape: [1], data: new Float32Array(1), dtype: "F8" as "F16" },
        }),
      /tensor "x": cannot write dtype "F8"/,
    );
    await writeSafetensors(path, {
      x: { shape: [1], data: new Float32Array([4]) },
    });
    // A writer that fails midway leaves the previous file intact and no temporary file.
    await assert.rejects(
      () =>
        writeAtomic(path, async (file) => {
          await file.write(new Uint8Array(3));
          throw new Error("disk full");
        }),
      /disk full/,
    );
    assert.deepEqual(
      [...(await readSafetensors(path)).tensors.get("x")!.data],
      [4],
    );
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), [
      "w.safetensors",
    ]);
  });
});
