import assert from "node:assert/strict";
import { libUrl, spawnCode } from "../helpers/child.ts";

/**
 * A child that watches for stop signals, reports the first, then computes
 * synchronously for 20 s, as a long training step does.
 */
function watcher() {
  return spawnCode(`
    const { watchInterrupts } = await import("${libUrl("util/interrupts.ts")}");
    const watch = watchInterrupts((signal) => console.log("first " + signal));
    console.log("ready");
    while (!watch.signal) await new Promise((r) => setTimeout(r, 5));
    const end = Date.now() + 20_000;
    while (Date.now() < end) {}
    console.log("not stopped");
  `);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.test(`interrupts: the first ${signal} is reported, the second ends the process at once, mid-computation`, async () => {
    const child = watcher();
    await child.waitFor("ready");
    child.process.kill(signal);
    await child.waitFor(`first ${signal}`);
    const sent = performance.now();
    child.process.kill(signal);
    const status = await child.process.status;
    assert.equal(status.signal, signal);
    assert.ok(performance.now() - sent < 5000, "did not wait for the step");
    assert.doesNotMatch(child.printed, /not stopped/);
  });
}
