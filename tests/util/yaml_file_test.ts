import assert from "node:assert/strict";
import { InputError } from "../../lib/util/errors.ts";
import {
  deepMerge,
  parseYaml,
  readYamlFile,
} from "../../lib/util/yaml_file.ts";

const EXPERIMENT = `# an experiment
task: safety
model:
  base_checkpoint: google/gemma-3-270m-it
  peft_target_modules: [q_proj, v_proj]
training:
  learning_rate: 5e-5
  mode: staged
`;

Deno.test("YAML 1.2: 5e-5 is a number (PyYAML's YAML 1.1 reads a string), and every field has its line", () => {
  const file = parseYaml(EXPERIMENT, "configs/x.yml");
  assert.equal(
    (file.value.training as Record<string, unknown>).learning_rate,
    5e-5,
  );
  assert.equal(file.lineOf("task"), 2);
  assert.equal(file.lineOf("model.peft_target_modules"), 5);
  assert.equal(file.lineOf("training.learning_rate"), 7);
  assert.equal(file.lineOf("training.epochs"), undefined);
  assert.equal(file.lineOf("task.deeper"), undefined);
  assert.deepEqual(parseYaml("", "empty.yml").value, {});
});

Deno.test("YAML errors are one line naming the file, line and column", async () => {
  const cases: [string, RegExp][] = [
    ["a: 1\nb: [1, 2\n", /^bad\.yml:\d+:\d+: /],
    ["a: 1\na: 2\n", /^bad\.yml:2:1: Map keys must be unique/],
    [
      "- 1\n- 2\n",
      /^bad\.yml:1: the top level must be a mapping of fields, got a list$/,
    ],
    [
      "just text\n",
      /^bad\.yml:1: the top level must be a mapping of fields, got "just text"$/,
    ],
  ];
  for (const [text, pattern] of cases) {
    assert.throws(
      () => parseYaml(text, "bad.yml"),
      (e: Error) =>
        e instanceof InputError && pattern.test(e.message) &&
        !e.message.includes("\n"),
      text,
    );
  }
  await assert.rejects(
    () => readYamlFile("/nonexistent/defaults.yml"),
    /^InputError: \/nonexistent\/defaults\.yml: no such file$/,
  );
});

Deno.test("deepMerge: the experiment wins, mappings merge key by key, lists replace", () => {
  const defaults = {
    seed: 42,
    model: {
      peft_rank: 8,
      peft_target_modules: ["q_proj", "k_proj", "v_proj", "o_proj"],
    },
    training: { epochs: 3, batch_size: 4 },
  };
  const experiment = {
    model: { peft_target_modules: ["q_proj"] },
    training: { epochs: 2 },
    rl: { algorithm: "dpo" },
  };
  assert.deepEqual(deepMerge(defaults, experiment), {
    seed: 42,
    model: { peft_rank: 8, peft_target_modules: ["q_proj"] },
    training: { epochs: 2, batch_size: 4 },
    rl: { algorithm: "dpo" },
  });
  assert.equal(defaults.training.epochs, 3, "inputs unchanged");
});
