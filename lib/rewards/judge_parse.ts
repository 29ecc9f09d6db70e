/**
 * Reading a judge model's per-criterion scores out of its reply.
 *
 * Accepted, anywhere in the reply (code fences and prose around it are
 * ignored; the first JSON value holding scores is used):
 * - `{"scores": [{"criterion": 1, "points": 2}, …]}` (what judgePrompt asks
 *   for); `id` / `index` for `criterion`, `score` / `earned` for `points`,
 *   or `"met": true|false` for all-or-nothing;
 * - the same list without the wrapper;
 * - `{"scores": {"1": 2, "2": 0}}` or `{"1": 2, "2": 0}`.
 *
 * Every criterion must be scored exactly once, with a number from 0 to its
 * points; anything else is unreadable, with the reason.
 *
 * @module
 */

/** Parsed points per criterion, or why the reply could not be read. */
export type JudgeScores = { points: number[] } | { reason: string };

/**
 * Per-criterion points from `output`, given each criterion's maximum
 * (`maxPoints[i]` for criterion `i + 1`).
 */
export function parseJudgeScores(
  output: string,
  maxPoints: readonly number[],
): JudgeScores {
  let entries: Entry[] | string = "no JSON object or list in the reply";
  for (const value of jsonValues(output)) {
    const found = scoreEntries(value);
    // A JSON value that is not a score list (e.g. "[1]" in prose): keep looking.
    if (typeof found !== "string") {
      entries = found;
      break;
    }
    if (entries === "no JSON object or list in the reply") entries = found;
  }
  if (typeof entries === "string") return { reason: entries };
  const points = new Array<number | undefined>(maxPoints.length).fill(
    undefined,
  );
  for (const [id, raw] of entries) {
    const n = typeof id === "number" ? id : Number(String(id).trim());
    if (!Number.isInteger(n) || n < 1 || n > maxPoints.length) {
      return {
        reason: `criterion ${
          JSON.stringify(id)
        } is not one of 1..${maxPoints.length}`,
      };
    }
    if (points[n - 1] !== undefined) {
      return { reason: `criterion ${n} is scored twice` };
    }
    const max = maxPoints[n - 1];
    const v = raw === true
      ? max
      : raw === false
      ? 0
      : typeof raw === "string"
      ? Number(raw)
      : raw;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > max) {
      return {
        reason: `criterion ${n}: ${
          JSON.stringify(raw)
        } is not a score from 0 to ${max}`,
      };
    }
    points[n - 1] = v;
  }
  const missing = points.flatMap((p, i) => p === undefined ? [i + 1] : []);
  if (missing.length) {
    return { reason: `no score for criterion ${missing.join(", ")}` };
  }
  return { points: points as number[] };
}

type Entry = [string | number, unknown];

function scoreEntries(value: unknown): Entry[] | string {
  const body = isObject(value) && "scores" in value ? value.scores : value;
  if (Array.isArray(body)) {
    const out: Entry[] = [];
    for (const item of body) {
      if (!isObject(item)) return "a score entry is not an object";
      const id = item.criterion ?? item.id ?? item.index;
      const score = item.points ?? item.score ?? item.earned ?? item.met;
      if (typeof id !== "number" && typeof id !== "string") {
        return "a score entry has no criterion number";
      }
      if (score === undefined) return `criterion ${id} has no points`;
      out.push([id, score]);
    }
    return out;
  }
  if (isObject(body)) {
    const keys = Object.keys(body);
    if (keys.length === 0 || !keys.every((k) => /^\s*\d+\s*$/.test(k))) {
      return "the JSON has no list of scores";
    }
    return keys.map((k) => [k, body[k]]);
  }
  return "the JSON has no list of scores";
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Every balanced `{…}` or `[…]` in `text` that JSON.parse accepts, in order. */
function* jsonValues(text: string): Generator<unknown> {
  for (let start = 0; start < text.length; start++) {
    const c = text[start];
    if (c !== "{" && c !== "[") continue;
    const end = balancedEnd(text, start);
    if (end < 0) continue;
    try {
      yield JSON.parse(text.slice(start, end + 1));
      start = end;
    } catch {
      // not JSON after all; an inner bracket may still start some
    }
  }
}

/** Index of the bracket closing the one at `start`, skipping JSON strings. */
function balancedEnd(text: string, start: number): number {
  const stack: string[] = [];
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "{") stack.push("}");
    else if (c === "[") stack.push("]");
    else if (c === "}" || c === "]") {
      if (stack.pop() !== c) return -1;
      if (stack.length === 0) return i;
    }
  }
  return -1;
}
