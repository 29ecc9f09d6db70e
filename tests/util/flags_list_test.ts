/**
 * `flag.list`: a flag given several times keeps every value in order (the
 * serve task's `--adapter NAME=DIR …`), absent is an empty list, a bad
 * value is a usage error naming the flag, and help marks it repeatable.
 * Other flags keep their last value, as before.
 */
import assert from "node:assert/strict";
import { UsageError } from "../../lib/util/errors.ts";
import { flag, helpText, parseCommandLine } from "../../lib/util/flags.ts";

const COMMAND = {
  name: "demo",
  summary: "a demo",
  flags: {
    pair: flag.list("a NAME=VALUE pair", (text) => {
      const [name, value] = text.split("=");
      if (!value) throw new Error(`expected NAME=VALUE, got "${text}"`);
      return { name, value };
    }, { arg: "NAME=VALUE" }),
    port: flag.integer("a port", { default: 1 }),
  },
};

Deno.test("flag.list keeps every value in order; absent is empty; other flags keep the last", () => {
  const { values } = parseCommandLine(COMMAND, [
    "--pair",
    "a=1",
    "--port",
    "5",
    "--pair=b=2",
    "--port",
    "6",
  ]);
  assert.deepEqual(values.pair, [
    { name: "a", value: "1" },
    { name: "b", value: "2" },
  ]);
  assert.equal(values.port, 6);
  assert.deepEqual(parseCommandLine(COMMAND, []).values.pair, []);
});

Deno.test("flag.list: a bad value is a usage error naming the flag; help says repeatable", () => {
  assert.throws(
    () => parseCommandLine(COMMAND, ["--pair", "a=1", "--pair", "oops"]),
    (e: Error) =>
      e instanceof UsageError &&
      e.message === '--pair: expected NAME=VALUE, got "oops"',
  );
  assert.throws(
    () => parseCommandLine(COMMAND, ["--pair"]),
    /--pair needs a value \(NAME=VALUE\)/,
  );
  assert.match(
    helpText(COMMAND),
    /--pair NAME=VALUE +a NAME=VALUE pair \(repeatable\)/,
  );
});
