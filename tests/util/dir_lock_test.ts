import assert from "node:assert/strict";
import { LOCK_FILE, lockDir } from "../../lib/util/dir_lock.ts";
import { libUrl, spawnCode } from "../helpers/child.ts";

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test("lockDir: a live holder is named and refused; a holder killed with -9 is taken over, saying whose", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dir-lock-" });
  const holder = spawnCode(`
    const { lockDir } = await import("${libUrl("util/dir_lock.ts")}");
    await lockDir(${JSON.stringify(dir)});
    console.log("locked");
    setTimeout(() => {}, 60_000);
  `);
  await holder.waitFor("locked");
  const pid = holder.process.pid;
  await assert.rejects(
    () => lockDir(dir),
    new RegExp(
      `${dir} is in use by another run \\(pid ${pid} on host ${Deno.hostname()}, since `,
    ),
  );
  holder.process.kill("SIGKILL");
  await holder.process.status;
  assert.ok(
    await exists(`${dir}/${LOCK_FILE}`),
    "the dead holder's file is left",
  );
  const lock = await lockDir(dir);
  assert.equal(lock.previous?.pid, pid, "says whose lock it took over");
  lock.release();
  assert.equal(await exists(`${dir}/${LOCK_FILE}`), false, "released");
  const again = await lockDir(dir);
  assert.equal(
    again.previous,
    null,
    "a released lock leaves nothing to take over",
  );
  again.release();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("lockDir: one process cannot hold a folder twice", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dir-lock-" });
  const first = await lockDir(dir);
  await assert.rejects(
    () => lockDir(dir),
    new RegExp(`in use by another run \\(pid ${Deno.pid} `),
  );
  first.release();
  first.release(); // idempotent
  (await lockDir(dir)).release();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("lockDir: a lock file left by another host is not taken over", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dir-lock-" });
  await Deno.writeTextFile(
    `${dir}/${LOCK_FILE}`,
    JSON.stringify({ pid: 4321, host: "elsewhere", started: "then" }),
  );
  await assert.rejects(
    () => lockDir(dir),
    /was left by pid 4321 on host elsewhere, since then.*if it does not, delete .*\.tunebook\.lock/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("lockDir: a holder that has locked but not yet written its name is still named", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dir-lock-" });
  const path = `${dir}/${LOCK_FILE}`;
  // What a holder looks like for a moment: locked, the file still empty.
  const file = await Deno.open(path, { read: true, write: true, create: true });
  assert.ok(await file.tryLock(true));
  const refused = assert.rejects(
    () => lockDir(dir),
    /in use by another run \(pid 777 on host here, since now\)/,
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  await Deno.writeTextFile(
    path,
    JSON.stringify({ pid: 777, host: "here", started: "now" }),
  );
  await refused;
  file.close();
  await Deno.remove(dir, { recursive: true });
});
