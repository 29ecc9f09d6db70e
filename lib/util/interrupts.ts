/**
 * Ctrl-C (SIGINT) and SIGTERM as a request to stop cleanly: the first signal
 * is recorded for a loop to see between units of work (a trainer finishes
 * its step, writes a checkpoint and exits), and the listeners are removed
 * at once, so a second signal gets the default action and ends the process
 * immediately, even inside a long synchronous computation.
 *
 * ```ts
 * const watch = watchInterrupts((signal) => console.error(`${signal}: stopping after this step`));
 * try {
 *   for (…) { step(); await signalsDelivered(); if (watch.signal) break; }
 * } finally { watch.stop(); }
 * ```
 *
 * @module
 */

/** The signals that ask a run to stop. */
export type StopSignal = "SIGINT" | "SIGTERM";

/** Listens for the first stop signal until stopped. */
export interface InterruptWatch {
  /** The signal received, or null. */
  readonly signal: StopSignal | null;
  /** Removes the listeners (idempotent); call it when the work ends. */
  stop(): void;
}

/**
 * Listens for SIGINT and SIGTERM (only SIGINT on Windows); `onSignal` is
 * called once, with the first one.
 */
export function watchInterrupts(
  onSignal: (signal: StopSignal) => void,
): InterruptWatch {
  const signals: StopSignal[] = Deno.build.os === "windows"
    ? ["SIGINT"]
    : ["SIGINT", "SIGTERM"];
  const listeners = new Map<StopSignal, () => void>();
  let received: StopSignal | null = null;
  const stop = () => {
    for (const [signal, listener] of listeners) {
      Deno.removeSignalListener(signal, listener);
    }
    listeners.clear();
  };
  for (const signal of signals) {
    const listener = () => {
      if (received) return;
      received = signal;
      // With no listener left, the next signal ends the process (Deno
      // restores the default action).
      stop();
      onSignal(signal);
    };
    Deno.addSignalListener(signal, listener);
    listeners.set(signal, listener);
  }
  return {
    get signal() {
      return received;
    },
    stop,
  };
}

/**
 * Lets signal listeners run: they run only when the event loop turns, which
 * a synchronous step (a tfjs forward and backward pass) never lets happen.
 */
export function signalsDelivered(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** The exit status a shell reports for a process ended by `signal`. */
export function signalExitCode(signal: StopSignal): number {
  return signal === "SIGINT" ? 130 : 143;
}
