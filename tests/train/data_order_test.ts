/** The seeded epoch sampler: permutations, determinism, epoch crossing, resume. */
import assert from "node:assert/strict";
import { EpochSampler, epochSeed } from "../../lib/train/data_order.ts";

function draw(s: EpochSampler, batches: number[]): number[][] {
  return batches.map((b) => s.next(b));
}

Deno.test("EpochSampler: each epoch is a fresh permutation of every row", () => {
  const s = new EpochSampler(10, 7);
  const epochs = [0, 1, 2].map(() => s.next(10));
  for (const e of epochs) {
    assert.deepEqual([...e].sort((a, b) => a - b), [...Array(10).keys()]);
  }
  assert.notDeepEqual(epochs[0], epochs[1]);
  assert.notDeepEqual(epochs[1], epochs[2]);
  assert.notDeepEqual(epochs[0], [...Array(10).keys()], "actually shuffled");
  assert.equal(s.epoch, 3);
  assert.deepEqual(epochs[1], s.epochOrder(1));
});

Deno.test("EpochSampler: same seed, same order; another seed, another order", () => {
  const sizes = [3, 4, 5, 2, 8, 3];
  assert.deepEqual(
    draw(new EpochSampler(13, 42), sizes),
    draw(new EpochSampler(13, 42), sizes),
  );
  assert.notDeepEqual(
    draw(new EpochSampler(13, 42), sizes),
    draw(new EpochSampler(13, 43), sizes),
  );
  assert.notEqual(epochSeed(0, 1), epochSeed(1, 0));
  assert.notEqual(epochSeed(2 ** 40, 0), epochSeed(0, 0));
});

Deno.test("EpochSampler: batches straddle epochs unless dropLast", () => {
  const s = new EpochSampler(5, 1);
  const [e0, e1] = [s.epochOrder(0), s.epochOrder(1)];
  assert.deepEqual(s.next(3), e0.slice(0, 3));
  assert.deepEqual(s.next(3), [...e0.slice(3), e1[0]]);
  assert.equal(s.epoch, 1);
  assert.equal(s.position, 1);
  assert.equal(s.next(12).length, 12, "a batch larger than the dataset");

  const d = new EpochSampler(5, 1, { dropLast: true });
  assert.deepEqual(d.next(3), e0.slice(0, 3));
  assert.deepEqual(d.next(3), e1.slice(0, 3), "the 2-row tail is dropped");
  assert.throws(() => d.next(6), /exceeds the dataset's 5 rows/);

  const ordered = new EpochSampler(4, 9, { shuffle: false });
  assert.deepEqual(draw(ordered, [3, 3, 2]), [[0, 1, 2], [3, 0, 1], [2, 3]]);
  assert.equal(ordered.epoch, 2);
});

Deno.test("EpochSampler: a state round-trip through JSON continues the same sequence", () => {
  for (const dropLast of [false, true]) {
    const straight = new EpochSampler(11, 2024, { dropLast });
    const expected = draw(straight, [4, 4, 4, 3, 4, 4, 2, 4, 4]);

    const first = new EpochSampler(11, 2024, { dropLast });
    const head = draw(first, [4, 4, 4, 3]);
    const saved = JSON.parse(JSON.stringify(first.state()));
    const resumed = EpochSampler.fromState(saved, 11);
    const tail = draw(resumed, [4, 4, 2, 4, 4]);
    assert.deepEqual([...head, ...tail], expected, `dropLast ${dropLast}`);
    assert.deepEqual(resumed.state(), straight.state());
  }
});

Deno.test("EpochSampler: bad arguments and mismatched states are explained", () => {
  assert.throws(
    () => new EpochSampler(0, 1),
    /dataset size must be a positive integer/,
  );
  assert.throws(() => new EpochSampler(3, 0.5), /seed must be an integer/);
  assert.throws(() => new EpochSampler(3, 1).next(0), /batch size must be/);
  const state = new EpochSampler(8, 3).state();
  assert.throws(
    () => EpochSampler.fromState(state, 9),
    /a dataset of 8 rows, this one has 9/,
  );
  assert.throws(
    () => EpochSampler.fromState({ ...state, position: 9 }, 8),
    /field "position" must be an integer in \[0, 8\]/,
  );
  assert.throws(
    () => EpochSampler.fromState({ ...state, epoch: -1 }, 8),
    /field "epoch"/,
  );
});
