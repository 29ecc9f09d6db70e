import assert from "node:assert/strict";
import {
  checkoutCommit,
  COMMAND_ENV,
  provenance,
} from "../../lib/notebook/provenance.ts";
import { nbconvertCommand } from "../../lib/notebook/execute.ts";
import { FAST_ENV } from "../../lib/util/fast.ts";

function withEnv(
  values: Record<string, string | undefined>,
  f: () => Promise<void>,
) {
  const saved = Object.fromEntries(
    Object.keys(values).map((k) => [k, Deno.env.get(k)]),
  );
  const set = (entries: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(entries)) {
      if (v === undefined) Deno.env.delete(k);
      else Deno.env.set(k, v);
    }
  };
  set(values);
  return f().finally(() => set(saved));
}

Deno.test("provenance names the executing command, the mode and the commit", async () => {
  const checkout = await checkoutCommit();
  assert.ok(checkout, "the tests run in a git checkout");
  assert.match(checkout.commit, /^[0-9a-f]{7,}$/);
  await withEnv({
    [COMMAND_ENV]: "./tunebook task notebooks notebooks/haiku.ipynb",
    [FAST_ENV]: "0",
  }, async () => {
    const line = await provenance();
    assert.ok(
      line.startsWith(
        "Executed by `./tunebook task notebooks notebooks/haiku.ipynb` (full settings) at tunebook commit `" +
          checkout.commit + "`",
      ),
      line,
    );
  });
  await withEnv({ [COMMAND_ENV]: undefined, [FAST_ENV]: "1" }, async () => {
    assert.match(await provenance(), /^Executed interactively \(fast mode\)/);
  });
});

Deno.test("the notebooks task hands its command to the kernel", () => {
  const { env } = nbconvertCommand("notebooks/haiku.ipynb", {
    output: "/tmp/out.ipynb",
    fast: false,
    command: "./tunebook task notebooks notebooks/haiku.ipynb",
  });
  assert.equal(
    env[COMMAND_ENV],
    "./tunebook task notebooks notebooks/haiku.ipynb",
  );
  const plain = nbconvertCommand("x.ipynb", { output: "/tmp/x", fast: true });
  assert.equal(plain.env[COMMAND_ENV], undefined);
});
