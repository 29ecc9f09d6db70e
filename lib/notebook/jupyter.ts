/**
 * The raw channel to a Jupyter front end, when there is one.
 *
 * Inside `deno jupyter` (the Deno kernel), `Deno.jupyter` publishes rich
 * outputs; anywhere else merely reading `Deno.jupyter` throws. Everything
 * here degrades to "not in Jupyter" so that library code can report through
 * the same calls from `deno run` tasks.
 *
 * The Deno kernel can announce a cell as finished before its last outputs
 * have gone out, and headless execution (nbclient) then drops them. Waiting a
 * few milliseconds after the last output, as {@link emit} does, kept every
 * output in repeated runs (engine notes §17).
 *
 * @module
 */

/** A Jupyter MIME bundle, e.g. `{ "text/plain": "…", "text/html": "…" }`. */
export type MimeBundle = Record<string, string | object>;

/** How long to wait after an output so that it is published before the cell ends. */
export const SETTLE_MS = 20;

/** True inside the Deno Jupyter kernel. */
export function inJupyter(): boolean {
  try {
    return typeof Deno.jupyter?.broadcast === "function";
  } catch {
    return false; // outside `deno jupyter` the getter throws
  }
}

/** Options of {@link emit}. */
export interface EmitOptions {
  /** Jupyter display id: later emits with `update` replace this output. */
  displayId?: string;
  /** Replace the output with `displayId` instead of adding a new one. */
  update?: boolean;
}

/**
 * Publishes a MIME bundle as a `display_data` (or `update_display_data`)
 * message and then waits {@link SETTLE_MS}. Throws outside Jupyter.
 */
export async function emit(
  bundle: MimeBundle,
  options: EmitOptions = {},
): Promise<void> {
  if (!inJupyter()) {
    throw new Error("emit: not running inside the Deno Jupyter kernel");
  }
  if (options.update && !options.displayId) {
    throw new Error(
      "emit: update needs the displayId of the output to replace",
    );
  }
  await Deno.jupyter.display(bundle, {
    raw: true,
    update: options.update ?? false,
    display_id: options.displayId,
  });
  await settle();
}

/**
 * Waits long enough for outputs already sent to reach Jupyter. End a cell
 * whose last output came from `console.log` with `await settle()`.
 */
export function settle(ms = SETTLE_MS): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
