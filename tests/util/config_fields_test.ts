import assert from "node:assert/strict";
import {
  type ConfigOf,
  defineConfig,
  derived,
  field,
  parseConfig,
  withDefaults,
} from "../../lib/util/config_fields.ts";
import {
  fieldRows,
  fieldsHelp,
  fieldsMarkdown,
} from "../../lib/util/config_docs.ts";
import { ConfigError } from "../../lib/util/fields.ts";
import { InputError } from "../../lib/util/errors.ts";
import { closestName, editDistance } from "../../lib/util/suggest.ts";

const INNER = {
  size: field.integer("size", { min: 1, default: 4, doc: "a size" }),
  scale: field.number("scale_factor", {
    default: derived((c) => (c.size as number) * 2, "2 × size"),
    doc: "a scale",
  }),
};

const TABLE = {
  name: field.string("name", { doc: "required name" }),
  note: field.string("note", { default: null, doc: "optional note" }),
  rate: field.number("learning_rate", {
    min: 0,
    max: 1,
    default: 0.5,
    doc: "a rate",
  }),
  steps: field.integer("max_steps", { default: 0, doc: "steps" }),
  mode: field.choice("mode", ["a", "b"] as const, {
    default: "a",
    doc: "a mode",
  }),
  on: field.boolean("enabled", { default: false, doc: "a switch" }),
  tags: field.stringList("tags", { default: [], doc: "tags" }),
  inner: field.section("inner", INNER, { doc: "a section" }),
  items: field.list("items", {
    shape: '{"id": …}',
    entry: (r) => r.string("id"),
    doc: "a list",
  }),
};
const SPEC = defineConfig({
  name: "Test",
  fields: TABLE,
  check(config, reader) {
    if (config.mode === "b" && config.steps === 0) {
      throw reader.error("max_steps", "must be positive in mode b");
    }
  },
});

const base = { name: "x", items: [{ id: "i" }] };
const parse = (json: unknown) => parseConfig(SPEC, json, "t.json");

Deno.test("config fields: JSON names map to typed camelCase properties with defaults", () => {
  const c: ConfigOf<typeof TABLE> = parse(base);
  assert.deepEqual(c, {
    name: "x",
    note: null,
    rate: 0.5,
    steps: 0,
    mode: "a",
    on: false,
    tags: [],
    inner: null,
    items: ["i"],
  });
  const full = parse({
    ...base,
    note: "n",
    learning_rate: 0.1,
    max_steps: 3,
    mode: "b",
    enabled: true,
    tags: "one",
    inner: { size: 3 },
  });
  assert.equal(full.note, "n");
  assert.equal(full.rate, 0.1);
  assert.deepEqual(full.tags, ["one"]);
  assert.deepEqual(full.inner, { size: 3, scale: 6 }, "derived from size");
  assert.deepEqual(parse({ ...base, inner: {} }).inner, { size: 4, scale: 8 });
});

Deno.test("config fields: errors name the file and the field path", () => {
  const cases: [unknown, RegExp][] = [
    [{ items: base.items }, /^t\.json: field "name" is missing/],
    [
      { ...base, learning_rate: 2 },
      /field "learning_rate" must be between 0 and 1, got 2/,
    ],
    [
      { ...base, max_steps: 1.5 },
      /field "max_steps" must be a non-negative integer/,
    ],
    [{ ...base, mode: "c" }, /field "mode" must be one of "a", "b", got "c"/],
    [{ ...base, inner: { size: 0 } }, /field "inner\.size" must be at least 1/],
    [{ ...base, inner: 3 }, /field "inner" must be a JSON object/],
    [
      { ...base, items: [] },
      /field "items" must be a non-empty list of \{"id": …\}/,
    ],
    [
      { ...base, items: [{ id: 1 }] },
      /field "items\[0\]\.id" must be a string/,
    ],
    [{ ...base, mode: "b" }, /field "max_steps" must be positive in mode b/],
  ];
  for (const [json, message] of cases) {
    assert.throws(() => parse(json), (e: Error) => {
      assert.ok(e instanceof ConfigError && e instanceof InputError);
      assert.match(e.message, message);
      return true;
    });
  }
});

Deno.test("config fields: an unknown field is refused with the closest known name", () => {
  assert.throws(
    () => parse({ ...base, lerning_rate: 0.1 }),
    /t\.json: field "lerning_rate" is not a known setting here; known: name, note, .*; did you mean "learning_rate"\?/,
  );
  assert.throws(
    () => parse({ ...base, inner: { sise: 2 } }),
    /field "inner\.sise" is not a known setting here; known: size, scale_factor; did you mean "inner\.size"\?/,
  );
  assert.throws(
    () => parse({ ...base, zzz: 1 }),
    (e: Error) => !e.message.includes("did you mean"),
  );
});

Deno.test("config fields: withDefaults changes defaults only; a default read out of order is caught", () => {
  const other = withDefaults(TABLE, {
    rate: 0.25,
    steps: derived(() => 7, "7"),
  });
  const c = parseConfig({ name: "O", fields: other }, base, "o.json");
  assert.equal(c.rate, 0.25);
  assert.equal(c.steps, 7);
  assert.equal(parse(base).rate, 0.5, "the original table is untouched");
  assert.throws(
    () =>
      parseConfig(
        { name: "O", fields: other },
        { ...base, learning_rate: 3 },
        "o.json",
      ),
    /between 0 and 1/,
  );
  const backwards = {
    a: field.number("a", {
      default: derived((c) => c.b as number, "b"),
      doc: "",
    }),
    b: field.number("b", { default: 1, doc: "" }),
  };
  assert.throws(
    () => parseConfig({ name: "B", fields: backwards }, {}, "b.json"),
    /the default of "a" reads "b", which is declared after it/,
  );
});

Deno.test("config docs: rows, Markdown table and help text come from the declarations", () => {
  const rows = fieldRows(TABLE);
  assert.deepEqual(rows.map((r) => r.name), [
    "name",
    "note",
    "learning_rate",
    "max_steps",
    "mode",
    "enabled",
    "tags",
    "inner",
    "inner.size",
    "inner.scale_factor",
    "items",
  ]);
  const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
  assert.deepEqual(
    [byName.name.default, byName.note.default, byName.learning_rate.default],
    ["required", "none", "0.5"],
  );
  assert.equal(byName["inner.scale_factor"].default, "2 × size");
  assert.equal(byName.learning_rate.type, "number in [0, 1]");
  assert.equal(byName.mode.type, 'one of "a", "b"');
  assert.equal(byName["inner.size"].type, "integer ≥ 1");
  const md = fieldsMarkdown(SPEC).split("\n");
  assert.equal(md.length, rows.length + 2);
  assert.match(md[0], /^\| field +\| type +\| default +\| meaning +\|$/);
  assert.ok(new Set(md.map((l) => l.length)).size === 1, "columns padded");
  assert.match(md.find((l) => l.includes("`mode`"))!, /\| `"a"` +\| a mode/);
  const help = fieldsHelp(SPEC);
  assert.match(help, /^ {2}name +string; required\n {4,}required name$/m);
  assert.match(help, /^ {2}note +string; optional$/m);
  assert.match(help, /^ {2}learning_rate +number in \[0, 1\]; default 0\.5$/m);
});

Deno.test("suggest: the closest name within a third of the word", () => {
  assert.equal(editDistance("styel", "style"), 1, "a swap counts once");
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(
    closestName("lerning_rate", ["learning_rate", "seed"]),
    "learning_rate",
  );
  assert.equal(closestName("max-step", ["max-steps", "model"]), "max-steps");
  assert.equal(closestName("bogus-flag", ["model", "steps"]), undefined);
  assert.equal(closestName("x", ["y"]), undefined, "not for one-letter words");
});
