import assert from "node:assert/strict";
import { deriveSeed, Rng } from "../../lib/util/random.ts";

Deno.test("deriveSeed: one stream per path, stable, order-sensitive, 32-bit", () => {
  const seen = new Set<number>();
  for (let a = 0; a < 16; a++) {
    for (let b = 0; b < 16; b++) seen.add(deriveSeed(3407, a, b));
  }
  assert.equal(seen.size, 256, "no two paths share a seed");
  assert.equal(deriveSeed(3407, 1, 2), deriveSeed(3407, 1, 2));
  assert.notEqual(deriveSeed(3407, 1, 2), deriveSeed(3407, 2, 1));
  assert.notEqual(deriveSeed(3407, 1), deriveSeed(3408, 1));
  assert.notEqual(deriveSeed(3407, 0), deriveSeed(3407, 0, 0));
  // Seeds above 2^32 (a GRPO step seed is seed × 1 000 003 + step) are fine.
  const big = deriveSeed(3407 * 1_000_003 + 5, 0, 1);
  assert.ok(Number.isInteger(big) && big >= 0 && big < 2 ** 32);
  // The streams it seeds are unrelated for neighbouring indices.
  const first = (seed: number) => new Rng(seed).next();
  assert.notEqual(first(deriveSeed(0, 0, 0)), first(deriveSeed(0, 0, 1)));
  assert.throws(
    () => deriveSeed(0, -1),
    /path\[0\] must be a non-negative integer/,
  );
  assert.throws(() => deriveSeed(0, 1, 0.5), /path\[1\]/);
  assert.throws(() => deriveSeed(NaN), /base must be a finite number/);
});
