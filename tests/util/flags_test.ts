import assert from "node:assert/strict";
import {
  errorKind,
  exitCodeOf,
  InputError,
  messageOf,
  UsageError,
} from "../../lib/util/errors.ts";
import { ConfigError } from "../../lib/util/fields.ts";
import {
  type Command,
  flag,
  helpText,
  parseCommandLine,
  usageLine,
} from "../../lib/util/flags.ts";

const COMMAND = {
  name: "demo",
  summary: "A demo task.",
  flags: {
    data: flag.string("data file", { arg: "FILE", required: true }),
    out: flag.string("output folder", { arg: "DIR", default: "out" }),
    steps: flag.integer("steps", { min: 1, default: 10 }),
    seed: flag.integer("seed"),
    lr: flag.number("learning rate", { above: 0 }),
    level: flag.choice("level", ["easy", "hard"], { default: "easy" }),
    ids: flag.parsed("ids", (t) => t.split(",").map(Number), { arg: "1,2" }),
    quick: flag.boolean("quick run"),
  },
} satisfies Command;

const parse = (...argv: string[]) => parseCommandLine(COMMAND, argv);

/** The usage error `argv` gives. */
function usageError(...argv: string[]): string {
  try {
    parse(...argv);
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error));
    return error.message;
  }
  throw new Error(`no error for ${argv.join(" ")}`);
}

Deno.test("flags: typed values, defaults, = and space forms, positionals refused", () => {
  const { values, positionals, help } = parse(
    "--data",
    "d.jsonl",
    "--steps=3",
    "--lr",
    "2e-3",
    "--level",
    "hard",
    "--ids",
    "4,5",
    "--quick",
  );
  const typed: {
    data: string;
    out: string;
    steps: number;
    seed: number | undefined;
    lr: number | undefined;
    level: "easy" | "hard";
    ids: number[] | undefined;
    quick: boolean;
  } = values;
  assert.deepEqual(typed, {
    data: "d.jsonl",
    out: "out",
    steps: 3,
    seed: undefined,
    lr: 2e-3,
    level: "hard",
    ids: [4, 5],
    quick: true,
  });
  assert.deepEqual(positionals, []);
  assert.equal(help, false);
  assert.equal(parse("--data", "d", "--seed", "0").values.seed, 0);
  assert.equal(parse("--data=d").values.quick, false);
  assert.equal(parse("--help", "--bogus").help, true, "--help wins");
  assert.equal(parse("-h").help, true);
});

Deno.test("flags: every mistake is a usage error naming the flag", () => {
  const cases: [string[], string][] = [
    [["--data", "d", "--bogus-flag"], 'unknown option "--bogus-flag"'],
    [
      ["--data", "d", "--step", "3"],
      'unknown option "--step"; did you mean "--steps"?',
    ],
    [["--data", "d", "-x"], 'unknown option "-x"'],
    [[], "--data is required"],
    [["--data"], "--data needs a file"],
    [["--data", "--quick"], "--data needs a file"],
    [["--data", "d", "--out"], "--out needs a directory"],
    [
      ["--data", "d", "--steps", "abc"],
      '--steps must be an integer ≥ 1, got "abc"',
    ],
    [
      ["--data", "d", "--steps", "0"],
      '--steps must be an integer ≥ 1, got "0"',
    ],
    [
      ["--data", "d", "--steps", "-1"],
      '--steps must be an integer ≥ 1, got "-1"',
    ],
    [["--data", "d", "--steps", ""], '--steps must be an integer ≥ 1, got ""'],
    [
      ["--data", "d", "--seed", "1.5"],
      '--seed must be an integer ≥ 0, got "1.5"',
    ],
    [["--data", "d", "--lr", "0"], '--lr must be a number > 0, got "0"'],
    [
      ["--data", "d", "--lr", "Infinity"],
      '--lr must be a number > 0, got "Infinity"',
    ],
    [
      ["--data", "d", "--level", "mid"],
      '--level must be one of easy, hard, got "mid"',
    ],
    [["--data", "d", "--quick=1"], '--quick takes no value, got "--quick=1"'],
    [["--data", "d", "extra"], 'unexpected argument "extra"'],
    [["--data", "d", "--", "--x"], 'unexpected argument "--x"'],
  ];
  for (const [argv, message] of cases) {
    assert.equal(usageError(...argv), message, argv.join(" "));
  }
});

Deno.test("flags: positionals where the command takes them, and after --", () => {
  const command: Command = {
    name: "paths",
    summary: "Takes paths.",
    flags: { filter: flag.string("filter", { arg: "TEXT" }) },
    positionals: { arg: "[path ...]", doc: "paths" },
  };
  const line = parseCommandLine(command, [
    "a",
    "--filter",
    "x",
    "-",
    "--",
    "--b",
  ]);
  assert.deepEqual(line.positionals, ["a", "-", "--b"]);
  assert.equal(line.values.filter, "x");
});

Deno.test("flags: usage line and help come from the declarations", () => {
  assert.equal(
    usageLine(COMMAND),
    "usage: deno task demo --data FILE [options]",
  );
  const help = helpText(COMMAND);
  assert.ok(
    help.startsWith(`${usageLine(COMMAND)}\n\nA demo task.\n\noptions:\n`),
  );
  assert.match(help, /^ {2}--data FILE +data file \(required\)$/m);
  assert.match(help, /^ {2}--steps N +steps \(default 10\)$/m);
  assert.match(help, /^ {2}--level easy\|hard +level \(default easy\)$/m);
  assert.match(help, /^ {2}--quick +quick run$/m);
  assert.match(help, /^ {2}--help +print this help and exit$/m);
});

Deno.test("errors: usage, input and bug are told apart by class", () => {
  const cases: [unknown, string, number][] = [
    [new UsageError("u"), "usage", 2],
    [new InputError("i"), "input", 1],
    [new ConfigError("c.json", "f", "is bad"), "input", 1],
    [new Deno.errors.NotFound("gone"), "input", 1],
    [new Deno.errors.PermissionDenied("no"), "input", 1],
    [new SyntaxError("Unexpected token"), "input", 1],
    [new Error("data.jsonl line 3: field x"), "input", 1],
    [new TypeError("cannot read properties of undefined"), "bug", 1],
    [new RangeError("Invalid array length"), "bug", 1],
    [new ReferenceError("x is not defined"), "bug", 1],
    [Object.assign(new Error("1 !== 2"), { name: "AssertionError" }), "bug", 1],
    ["a string", "bug", 1],
    // The wasm heap running out is the user's to fix (smaller batch…), not a bug.
    [new WebAssembly.RuntimeError("memory access out of bounds"), "input", 1],
    [
      new WebAssembly.RuntimeError("Aborted(). Build with -sASSERTIONS"),
      "input",
      1,
    ],
    [new RangeError("Invalid typed array length: 167772160"), "input", 1],
    [new WebAssembly.RuntimeError("unreachable"), "input", 1],
  ];
  for (const [error, kind, code] of cases) {
    assert.equal(errorKind(error), kind, String(error));
    assert.equal(exitCodeOf(error), code, String(error));
  }
  assert.match(
    messageOf(new RangeError("Invalid typed array length: 167772160")),
    /^the 4 GiB WebAssembly heap ran out \(Invalid typed array length: 167772160\): lower per_device_train_batch_size/,
  );
  assert.equal(
    messageOf(new WebAssembly.RuntimeError("unreachable")),
    "unreachable",
    "other wasm traps keep their message",
  );
});
