import assert from "node:assert/strict";
import { initEngine } from "../../lib/engine/mod.ts";
import { endOfHaikuMass } from "../../lib/experiments/haiku/end_of_haiku.ts";
import { haikuStudySettings } from "../../lib/experiments/haiku/settings.ts";

await initEngine({ verbose: false });

Deno.test("end of a haiku: the next token's probability splits into stop, byte and text tokens", async () => {
  const settings = haikuStudySettings({ fast: true });
  const mass = await endOfHaikuMass(settings, null, 3);
  assert.equal(mass.topics, 3);
  assert.ok(
    Math.abs(mass.stop + mass.bytes + mass.text - 1) < 1e-6,
    JSON.stringify(mass),
  );
  // The base model was pretrained on plain ASCII prose: it goes on writing.
  assert.ok(mass.text > 0.9, JSON.stringify(mass));
  assert.ok(mass.stop < 0.05, JSON.stringify(mass));
});
