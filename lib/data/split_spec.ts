/**
 * Split names with an optional slice, as the `datasets` library writes
 * them: `train`, `train[:5%]`, `test[10:20]`, `train[-100:]`. finetuned-llama loads
 * `AI-MO/NuminaMath-TIR` as `train[:5%]`.
 *
 * Percent bounds are rounded to the nearest row (`n * pct / 100`), and
 * negative bounds count from the end, as in Python slices.
 *
 * @module
 */

/** A parsed split: its name and an optional [start, end) slice. */
export interface SplitSpec {
  name: string;
  start?: SliceBound;
  end?: SliceBound;
}

/** One slice bound: a row count or a percentage, possibly negative. */
export interface SliceBound {
  value: number;
  percent: boolean;
}

/** Parses `name` or `name[start:end]`; throws on anything else. */
export function parseSplit(text: string): SplitSpec {
  const m = /^([\w.-]+)(?:\[\s*([^:\]]*)\s*:\s*([^\]]*)\s*\])?$/.exec(
    text.trim(),
  );
  if (!m) {
    throw new Error(
      `"${text}" is not a split; expected e.g. "train", "test[:100]" or "train[:5%]"`,
    );
  }
  const bound = (raw: string | undefined): SliceBound | undefined => {
    if (raw === undefined || raw.trim() === "") return undefined;
    const b = /^(-?\d+(?:\.\d+)?)\s*(%?)$/.exec(raw.trim());
    if (!b || (!b[2] && !Number.isInteger(Number(b[1])))) {
      throw new Error(
        `"${text}": slice bound "${raw}" must be a whole number of rows or a percentage`,
      );
    }
    return { value: Number(b[1]), percent: b[2] === "%" };
  };
  const spec: SplitSpec = { name: m[1] };
  const start = bound(m[2]);
  const end = bound(m[3]);
  if (start) spec.start = start;
  if (end) spec.end = end;
  return spec;
}

/** The rows a slice selects (all of them without a slice). */
export function sliceRows<T>(rows: readonly T[], spec: SplitSpec): T[] {
  const n = rows.length;
  const index = (bound: SliceBound | undefined, fallback: number) => {
    if (!bound) return fallback;
    const raw = bound.percent
      ? Math.round((n * bound.value) / 100)
      : bound.value;
    const i = raw < 0 ? n + raw : raw;
    return Math.min(n, Math.max(0, i));
  };
  return rows.slice(index(spec.start, 0), index(spec.end, n));
}

/** `train[:5%]` back as text. */
export function formatSplit(spec: SplitSpec): string {
  if (!spec.start && !spec.end) return spec.name;
  const show = (b?: SliceBound) => b ? `${b.value}${b.percent ? "%" : ""}` : "";
  return `${spec.name}[${show(spec.start)}:${show(spec.end)}]`;
}
