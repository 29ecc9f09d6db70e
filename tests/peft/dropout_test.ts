import assert from "node:assert/strict";
import { initEngine } from "../../lib/engine/mod.ts";
import { dropoutMask, seedFrom } from "../../lib/peft/dropout.ts";

await initEngine({ verbose: false });

Deno.test("dropoutMask: drops a fraction p and scales the rest by 1/(1-p)", () => {
  for (const p of [0.05, 0.1, 0.5]) {
    const data = dropoutMask([301, 199], p, seedFrom(4, 2, 9)).dataSync();
    const keep = Math.fround(1 / (1 - p));
    let zeros = 0;
    for (const x of data) {
      if (x === 0) zeros++;
      else assert.equal(x, keep);
    }
    const fraction = zeros / data.length;
    // Binomial standard deviation is at most 0.002 here; allow 4 of them.
    assert.ok(Math.abs(fraction - p) < 0.008, `p ${p}: dropped ${fraction}`);
  }
  assert.ok(dropoutMask([5, 7], 0, 1).dataSync().every((x) => x === 1));
  assert.throws(() => dropoutMask([2], 1, 0), /must be in \[0, 1\)/);
});

Deno.test("dropoutMask: a pure function of the seed; seedFrom separates its parts", () => {
  const a = dropoutMask([64, 33], 0.3, seedFrom(1, 5, 0)).dataSync();
  assert.deepEqual(dropoutMask([64, 33], 0.3, seedFrom(1, 5, 0)).dataSync(), a);
  const seeds = new Set<number>();
  for (let seed = 0; seed < 4; seed++) {
    for (let step = 0; step < 50; step++) {
      for (let module = 0; module < 10; module++) {
        seeds.add(seedFrom(seed, step, module));
      }
    }
  }
  assert.equal(seeds.size, 4 * 50 * 10, "no collisions among 2000 triples");
  assert.notEqual(seedFrom(1, 2), seedFrom(2, 1));
  assert.notEqual(seedFrom(2 ** 40), seedFrom(0), "high bits count");
  assert.throws(() => seedFrom(-1), /non-negative integers/);
});
