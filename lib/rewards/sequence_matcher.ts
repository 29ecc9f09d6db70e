/**
 * Python's `difflib.SequenceMatcher(None, a, b).ratio()`, exactly, for seed
 * 2's reference-similarity term: 2·M / (|a| + |b|), M = characters in the
 * matching blocks found by Ratcliff/Obershelp (longest match, then recurse
 * on both sides), with difflib's "autojunk" rule (when `b` has 200 or more
 * characters, characters occurring in more than 1 % + 1 of it are not used
 * to start a match, though matches may still extend over them).
 *
 * @module
 */

/** `difflib.SequenceMatcher(None, a, b).ratio()` over code points. */
export function sequenceMatcherRatio(a: string, b: string): number {
  const sa = [...a];
  const sb = [...b];
  const total = sa.length + sb.length;
  if (total === 0) return 1;
  return (2 * matchingCharacters(sa, sb)) / total;
}

function matchingCharacters(a: string[], b: string[]): number {
  const b2j = new Map<string, number[]>();
  b.forEach((ch, j) => {
    const list = b2j.get(ch);
    if (list) list.push(j);
    else b2j.set(ch, [j]);
  });
  if (b.length >= 200) {
    const limit = Math.floor(b.length / 100) + 1;
    for (const [ch, list] of [...b2j]) if (list.length > limit) b2j.delete(ch);
  }
  let matched = 0;
  const queue: [number, number, number, number][] = [[
    0,
    a.length,
    0,
    b.length,
  ]];
  while (queue.length > 0) {
    const [alo, ahi, blo, bhi] = queue.pop()!;
    const [i, j, k] = longestMatch(a, b, b2j, alo, ahi, blo, bhi);
    if (k === 0) continue;
    matched += k;
    if (alo < i && blo < j) queue.push([alo, i, blo, j]);
    if (i + k < ahi && j + k < bhi) queue.push([i + k, ahi, j + k, bhi]);
  }
  return matched;
}

/** difflib's `find_longest_match` with no junk function. */
function longestMatch(
  a: string[],
  b: string[],
  b2j: Map<string, number[]>,
  alo: number,
  ahi: number,
  blo: number,
  bhi: number,
): [number, number, number] {
  let besti = alo, bestj = blo, bestsize = 0;
  let j2len = new Map<number, number>();
  for (let i = alo; i < ahi; i++) {
    const next = new Map<number, number>();
    for (const j of b2j.get(a[i]) ?? []) {
      if (j < blo) continue;
      if (j >= bhi) break;
      const k = (j2len.get(j - 1) ?? 0) + 1;
      next.set(j, k);
      if (k > bestsize) {
        besti = i - k + 1;
        bestj = j - k + 1;
        bestsize = k;
      }
    }
    j2len = next;
  }
  // Extend over characters autojunk removed from b2j (they are not junk).
  while (besti > alo && bestj > blo && a[besti - 1] === b[bestj - 1]) {
    besti--;
    bestj--;
    bestsize++;
  }
  while (
    besti + bestsize < ahi && bestj + bestsize < bhi &&
    a[besti + bestsize] === b[bestj + bestsize]
  ) bestsize++;
  return [besti, bestj, bestsize];
}
