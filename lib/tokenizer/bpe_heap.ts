/**
 * The priority queue of BPE training: (count, pair key) entries, largest
 * count first, and among equal counts the smallest key, so the merge order
 * is fully determined by the data.
 *
 * @module
 */

/** A binary max-heap of (count, key) pairs ordered by count, then by smaller key. */
export class PairHeap {
  #counts: number[] = [];
  #keys: number[] = [];

  /** Number of entries (stale ones included). */
  get size(): number {
    return this.#counts.length;
  }

  /** Adds an entry. */
  push(count: number, key: number): void {
    this.#counts.push(count);
    this.#keys.push(key);
    let i = this.#counts.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  /** Removes and returns the first entry. Throws when empty. */
  pop(): { count: number; key: number } {
    const n = this.#counts.length;
    if (n === 0) throw new Error("PairHeap.pop on an empty heap");
    const top = { count: this.#counts[0], key: this.#keys[0] };
    this.#swap(0, n - 1);
    this.#counts.pop();
    this.#keys.pop();
    let i = 0;
    const size = n - 1;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let best = i;
      if (l < size && this.#before(l, best)) best = l;
      if (r < size && this.#before(r, best)) best = r;
      if (best === i) break;
      this.#swap(i, best);
      i = best;
    }
    return top;
  }

  #before(a: number, b: number): boolean {
    const ca = this.#counts[a], cb = this.#counts[b];
    return ca > cb || (ca === cb && this.#keys[a] < this.#keys[b]);
  }

  #swap(a: number, b: number): void {
    const c = this.#counts[a];
    this.#counts[a] = this.#counts[b];
    this.#counts[b] = c;
    const k = this.#keys[a];
    this.#keys[a] = this.#keys[b];
    this.#keys[b] = k;
  }
}
