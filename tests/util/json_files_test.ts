import assert from "node:assert/strict";
import { InputError } from "../../lib/util/errors.ts";
import {
  appendJsonl,
  jsonLines,
  readJsonFile,
  readJsonFileIfPresent,
  readJsonFileSync,
  writeJsonFile,
  writeJsonl,
} from "../../lib/util/json_files.ts";

Deno.test("JSON files: written atomically, read back, errors name the file and what it holds", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/state.json`;
    await writeJsonFile(path, { step: 3, names: ["a"] });
    assert.equal(
      await Deno.readTextFile(path),
      '{\n  "step": 3,\n  "names": [\n    "a"\n  ]\n}\n',
    );
    assert.deepEqual(await readJsonFile(path, "trainer state"), {
      step: 3,
      names: ["a"],
    });
    assert.deepEqual(readJsonFileSync(path), { step: 3, names: ["a"] });
    assert.equal(await readJsonFileIfPresent(`${dir}/absent.json`), undefined);
    await assert.rejects(
      () => readJsonFile(`${dir}/absent.json`, "trainer state"),
      (e: Error) =>
        e instanceof Deno.errors.NotFound &&
        e.message ===
          `${dir}/absent.json: cannot read the trainer state: no such file`,
    );
    await Deno.writeTextFile(`${dir}/torn.json`, '{"step": 3,');
    await assert.rejects(
      () => readJsonFile(`${dir}/torn.json`, "trainer state"),
      (e: Error) =>
        e instanceof InputError &&
        e.message.startsWith(
          `${dir}/torn.json: cannot read the trainer state: `,
        ),
    );
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      "state.json",
      "torn.json",
    ], "no temporary file is left behind");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("JSON Lines: one compact record per line, appended in order", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/rows.jsonl`;
    assert.equal(jsonLines([{ a: 1 }, [2]]), '{"a":1}\n[2]\n');
    assert.equal(jsonLines([]), "");
    await writeJsonl(path, [{ a: 1 }]);
    await appendJsonl(path, [{ b: 2 }, { c: "x\ny" }]);
    await appendJsonl(path, []);
    assert.equal(
      await Deno.readTextFile(path),
      '{"a":1}\n{"b":2}\n{"c":"x\\ny"}\n',
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
