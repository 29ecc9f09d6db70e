/**
 * Download progress: events from the downloader and a throttled one-line
 * display on stderr (`model.safetensors  120.0 MB / 536.2 MB (22%)  9.8 MB/s`).
 *
 * @module
 */

/** One progress update for one file. */
export interface ProgressEvent {
  file: string;
  /** Bytes on disk so far, including any resumed part. */
  received: number;
  /** Full size when the server said it. */
  total?: number;
  /** Bytes that were already on disk when this download (re)started. */
  resumedFrom: number;
  /** `performance.now()` when this download (re)started. */
  startedAt: number;
  /** Last event for this file. */
  done: boolean;
}

/** Receives progress events. */
export type ProgressReporter = (event: ProgressEvent) => void;

/** `1.5 MB`-style size (decimal units, like the hub shows). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** The text of one progress line. `now` defaults to the current time. */
export function formatProgress(
  event: ProgressEvent,
  now = performance.now(),
): string {
  const seconds = Math.max((now - event.startedAt) / 1000, 1e-3);
  const rate = (event.received - event.resumedFrom) / seconds;
  const size = event.total === undefined
    ? formatBytes(event.received)
    : `${formatBytes(event.received)} / ${formatBytes(event.total)} (${
      Math.floor((100 * event.received) / Math.max(event.total, 1))
    }%)`;
  const resumed = event.resumedFrom > 0
    ? `, resumed at ${formatBytes(event.resumedFrom)}`
    : "";
  return `${event.file}  ${size}  ${formatBytes(Math.round(rate))}/s${resumed}`;
}

/**
 * A reporter that redraws one line on stderr at most every `intervalMs`
 * (on a terminal), or prints a plain line every few seconds otherwise, and
 * always prints the final line.
 */
export function stderrProgress(intervalMs = 250): ProgressReporter {
  const terminal = Deno.stderr.isTerminal();
  const every = terminal ? intervalMs : Math.max(intervalMs, 5000);
  const encoder = new TextEncoder();
  let lastShown = -Infinity;
  return (event) => {
    const now = performance.now();
    if (!event.done && now - lastShown < every) return;
    lastShown = event.done ? -Infinity : now;
    const line = formatProgress(event, now);
    const text = terminal
      ? `\r${line}\x1b[K${event.done ? "\n" : ""}`
      : `${line}\n`;
    Deno.stderr.writeSync(encoder.encode(text));
  };
}
