import assert from "node:assert/strict";
import { initEngine } from "../../lib/engine/mod.ts";
import { graderCalibration } from "../../lib/experiments/reasoning/metrics.ts";
import { reasoningSettings } from "../../lib/experiments/reasoning/settings.ts";
import { readRubricRows } from "../../lib/experiments/reasoning/train.ts";
import { useLiteEmbedder } from "../../lib/rewards/use_lite.ts";

await initEngine({ verbose: false });

Deno.test("grader check: reference answers grade highest, a restated question next, another question's answer lowest", async () => {
  const rows = await readRubricRows(reasoningSettings().evalData);
  const embedder = useLiteEmbedder();
  try {
    const c = await graderCalibration(rows, embedder);
    assert.equal(c.rows, rows.length);
    assert.ok(
      c.reference > c.question && c.question > c.other,
      JSON.stringify(c),
    );
    for (const v of [c.question, c.reference, c.other]) {
      assert.ok(v >= 0 && v <= 1, String(v));
    }
    await assert.rejects(
      graderCalibration(rows.slice(0, 1), embedder),
      /at least two rows/,
    );
  } finally {
    await embedder.close?.();
  }
});
