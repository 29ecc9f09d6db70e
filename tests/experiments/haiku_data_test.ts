import assert from "node:assert/strict";
import {
  readEvalPrompts,
  readTrainHaikus,
} from "../../lib/experiments/haiku/data.ts";

const dir = await Deno.makeTempDir({ prefix: "haiku_data_" });

Deno.test("eval files in gemma_haiku's format give prompts, topics and references", async () => {
  const evalSet = await readEvalPrompts("data/haiku/eval.json");
  assert.equal(evalSet.length, 85);
  assert.deepEqual(evalSet[0], {
    prompt: [{
      role: "user",
      content:
        "Generate a haiku about the following topic: A heron fishing in a marsh at sunrise.\n",
    }],
    topic: "A heron fishing in a marsh at sunrise.",
    reference:
      "Gray heron at dawn\nstands on one leg in the reeds\nthen strikes like a spear",
  });
  const haikus = await readTrainHaikus("data/haiku/train.json");
  assert.equal(haikus.length, 365);
  assert.equal(
    haikus[0],
    "Snow on the tall pines\nand not one bird has sung yet\nthe sky turns pale gold",
  );

  const bad = `${dir}/bad.jsonl`;
  await Deno.writeTextFile(
    bad,
    [
      JSON.stringify({
        conversations: [{ role: "user", content: "topic: a" }],
      }),
      JSON.stringify({
        conversations: [{ role: "assistant", content: "no question" }],
      }),
    ].join("\n"),
  );
  await assert.rejects(
    readEvalPrompts(bad),
    /bad\.jsonl line 2: the conversation must end with a user turn/,
  );
  const noTurns = `${dir}/none.jsonl`;
  await Deno.writeTextFile(noTurns, JSON.stringify({ text: "x" }) + "\n");
  await assert.rejects(readEvalPrompts(noTurns), /none\.jsonl line 1/);
});

Deno.test({
  name: "cleanup",
  fn: async () => {
    await Deno.remove(dir, { recursive: true });
  },
});
