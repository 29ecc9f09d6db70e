/**
 * A progress line for long work: count, percentage, rate, ETA and the latest
 * metrics, redrawn in place on a terminal and printed at most every few
 * seconds when output goes to a file or CI log.
 *
 * @module
 */

/** Options of a {@link Progress} line. */
export interface ProgressOptions {
  /** What is being counted ("step", "sample", …). */
  unit?: string;
  /** Minimum milliseconds between redraws when stderr is not a terminal. */
  logEveryMs?: number;
  /** Where to write (default stderr). */
  write?: (line: string, final: boolean) => void;
  /**
   * When the counted work began (`performance.now()`, default: now) and
   * how many units were done before it (a resumed run's steps), so the
   * rate counts only this run's units over this run's time.
   */
  since?: { time: number; done: number };
}

/** A progress line over `total` units of work. */
export class Progress {
  private readonly started: number;
  private readonly doneBefore: number;
  private lastDraw = -Infinity;
  private readonly interactive: boolean;

  constructor(
    readonly label: string,
    readonly total: number,
    private readonly options: ProgressOptions = {},
  ) {
    this.interactive = !options.write && Deno.stderr.isTerminal();
    this.started = options.since?.time ?? performance.now();
    this.doneBefore = options.since?.done ?? 0;
  }

  /** Reports that `done` units are finished, with optional metrics to show. */
  update(done: number, metrics: Record<string, number | string> = {}): void {
    const now = performance.now();
    const final = done >= this.total;
    const every = this.interactive ? 100 : (this.options.logEveryMs ?? 5000);
    if (!final && now - this.lastDraw < every) return;
    this.lastDraw = now;
    const line = this.format(done, metrics, now);
    if (this.options.write) this.options.write(line, final);
    else if (this.interactive) {
      Deno.stderr.writeSync(
        new TextEncoder().encode(`\r\x1b[2K${line}${final ? "\n" : ""}`),
      );
    } else console.error(line);
  }

  /** The text of the line, e.g. "train  40/200 (20%) 3.1 step/s ETA 52s loss=2.31". */
  format(
    done: number,
    metrics: Record<string, number | string>,
    now = performance.now(),
  ): string {
    const elapsed = (now - this.started) / 1000;
    const rate = done > this.doneBefore
      ? (done - this.doneBefore) / elapsed
      : 0;
    const eta = rate > 0 ? (this.total - done) / rate : NaN;
    const pct = this.total > 0 ? Math.floor((100 * done) / this.total) : 100;
    // A metric not measured yet (NaN before a trainer's first record) is left out.
    const shown = Object.entries(metrics).filter(([, v]) =>
      typeof v !== "number" || !Number.isNaN(v)
    ).map(([k, v]) => `${k}=${typeof v === "number" ? formatNumber(v) : v}`)
      .join(" ");
    const timing = done >= this.total
      ? `in ${formatDuration(elapsed)}`
      : `ETA ${formatDuration(eta)}`;
    const unit = this.options.unit ?? "it";
    return `${this.label} ${done}/${this.total} (${pct}%) ${
      rate.toFixed(rate < 10 ? 2 : 1)
    } ${unit}/s ${timing}${shown ? " " + shown : ""}`;
  }
}

/** Seconds as "1h02m", "3m05s" or "12s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  if (s >= 3600) {
    return `${Math.floor(s / 3600)}h${
      String(Math.floor((s % 3600) / 60)).padStart(2, "0")
    }m`;
  }
  if (s >= 60) {
    return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  }
  return `${s}s`;
}

function formatNumber(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a >= 1000 || a < 0.001 ? v.toExponential(2) : v.toPrecision(4);
}
