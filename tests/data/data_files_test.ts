import assert from "node:assert/strict";
import { readCardConfigs } from "../../lib/data/card.ts";
import {
  canonicalSplit,
  chooseDataFiles,
  globToRegExp,
  inferSplits,
} from "../../lib/data/data_files.ts";
import {
  formatSplit,
  parseSplit,
  sliceRows,
} from "../../lib/data/split_spec.ts";

/** A card shaped like openai/gsm8k's (its configs part as the hub writes it). */
const GSM8K_CARD = await Deno.readTextFile(
  new URL("../fixtures/data/gsm8k_card.md", import.meta.url),
);

const GSM8K_FILES = [
  ".gitattributes",
  "README.md",
  "main/test-00000-of-00001.parquet",
  "main/train-00000-of-00001.parquet",
  "socratic/test-00000-of-00001.parquet",
  "socratic/train-00000-of-00001.parquet",
];

Deno.test("card configs: lists, mappings, quoted and flow values, default flag, comments", () => {
  const card = `---
license: apache-2.0
configs:
  - config_name: default   # the main one
    default: true
    data_files:
      - split: train
        path:
          - "data/train-*"
          - data/extra-*.parquet
      - split: test
        path: [ 'data/test-*', "more/test.jsonl" ]
  - config_name: flat
    data_files: flat/*.jsonl
  - config_name: by_split
    data_files:
      train: a/train.csv
      validation: [a/dev.csv]
  - config_name: dir
    data_dir: sub
task_categories:
- text-generation
---
body: not yaml
`;
  const configs = readCardConfigs(card, "x/README.md");
  assert.deepEqual(
    configs.map((
      c,
    ) => [c.name, c.isDefault, Object.fromEntries(c.dataFiles), c.dataDir]),
    [
      ["default", true, {
        train: ["data/train-*", "data/extra-*.parquet"],
        test: ["data/test-*", "more/test.jsonl"],
      }, undefined],
      ["flat", false, { train: ["flat/*.jsonl"] }, undefined],
      [
        "by_split",
        false,
        { train: ["a/train.csv"], validation: ["a/dev.csv"] },
        undefined,
      ],
      ["dir", false, {}, "sub"],
    ],
  );
  assert.deepEqual(
    readCardConfigs("# no front matter\nconfigs: nope", "r"),
    [],
  );
  assert.deepEqual(readCardConfigs("---\nlicense: mit\n---\n", "r"), []);
  assert.throws(
    () =>
      readCardConfigs(
        "---\nconfigs:\n  - config_name: a\n    data_files:\n    - split: train\n---\n",
        "r/README.md",
      ),
    {
      message:
        'r/README.md configs[0]: data_files entries need "split" and "path"',
    },
  );
  // Broken YAML is one line with the README's own line number.
  assert.throws(
    () =>
      readCardConfigs(
        "---\nlicense: mit\nconfigs:\n  - config_name: [a\n---\n",
        "r/README.md",
      ),
    { message: /^r\/README\.md \(dataset card\):4:\d+: / },
  );
});

Deno.test("globs: * stays in a folder, ** crosses, classes, literal dots", () => {
  assert.equal(
    globToRegExp("main/train-*").test("main/train-00000-of-00001.parquet"),
    true,
  );
  assert.equal(
    globToRegExp("main/train-*").test("main/x/train-0.parquet"),
    false,
  );
  assert.equal(globToRegExp("**/*.jsonl").test("a/b/c.jsonl"), true);
  assert.equal(globToRegExp("**/*.jsonl").test("c.jsonl"), true);
  assert.equal(globToRegExp("data/[0-9].csv").test("data/7.csv"), true);
  assert.equal(globToRegExp("data/a.csv").test("data/aXcsv"), false);
});

Deno.test("gsm8k: config and split from the card; config required when several exist", () => {
  const choose = (config: string | undefined, split: string) =>
    chooseDataFiles(GSM8K_FILES, {
      config,
      split,
      readme: GSM8K_CARD,
      source: "openai/gsm8k",
    });
  assert.deepEqual(choose("main", "test").files, [
    "main/test-00000-of-00001.parquet",
  ]);
  assert.deepEqual(choose("socratic", "train").files, [
    "socratic/train-00000-of-00001.parquet",
  ]);
  assert.throws(() => choose(undefined, "train"), {
    message:
      "openai/gsm8k has several configs (main, socratic); choose one with the config option",
  });
  assert.throws(() => choose("mian", "train"), {
    message: 'openai/gsm8k has no config "mian" (configs: main, socratic)',
  });
  assert.throws(() => choose("main", "validation"), {
    message:
      'openai/gsm8k config "main" has no split "validation" (splits: train, test)',
  });
  // Without the card, the config's folder and the file names still work.
  const noCard = chooseDataFiles(GSM8K_FILES, {
    config: "main",
    split: "train",
    source: "gsm8k",
  });
  assert.deepEqual(noCard.files, ["main/train-00000-of-00001.parquet"]);
  assert.throws(
    () =>
      chooseDataFiles(GSM8K_FILES, {
        config: "other",
        split: "train",
        source: "gsm8k",
      }),
    {
      message:
        'gsm8k has no config "other": no data files under other/ (folders with data: main, socratic)',
    },
  );
});

Deno.test("sharded data/<split>-NNNNN-of-NNNNN names (smoltldr, NuminaMath-TIR), any split name", () => {
  const files = [
    "README.md",
    "data/test-00000-of-00001.parquet",
    "data/train-00000-of-00002.parquet",
    "data/train-00001-of-00002.parquet",
    "data/validation-00000-of-00001.parquet",
    "data/extra_hard-00000-of-00001.parquet",
  ];
  const splits = inferSplits(files.filter((f) => f.endsWith(".parquet")));
  assert.deepEqual([...splits.keys()].sort(), [
    "extra_hard",
    "test",
    "train",
    "validation",
  ]);
  const train = chooseDataFiles(files, {
    split: "train",
    source: "mlabonne/smoltldr",
  });
  assert.deepEqual(train.files, [
    "data/train-00000-of-00002.parquet",
    "data/train-00001-of-00002.parquet",
  ]);
  assert.equal(
    chooseDataFiles(files, { split: "dev", source: "s" }).files[0],
    "data/validation-00000-of-00001.parquet",
  );
  assert.throws(
    () => chooseDataFiles(files, { split: "holdout", source: "s" }),
    {
      message:
        's has no split "holdout" (splits found: test, train, validation, extra_hard; from 5 data file(s) such as data/test-00000-of-00001.parquet)',
    },
  );
});

Deno.test("split words in file and folder names; gemma_haiku's folder; a lone file is train", () => {
  assert.deepEqual(
    Object.fromEntries(
      inferSplits(["train.jsonl", "valid.jsonl", "test.jsonl", "notes.jsonl"]),
    ),
    {
      train: ["train.jsonl"],
      validation: ["valid.jsonl"],
      test: ["test.jsonl"],
    },
  );
  assert.deepEqual(
    Object.fromEntries(
      inferSplits([
        "train/a.csv",
        "train/b.csv",
        "eval/a.csv",
        "my-testing_set.csv",
      ]),
    ),
    {
      train: ["train/a.csv", "train/b.csv"],
      test: ["eval/a.csv", "my-testing_set.csv"],
    },
  );
  // "trainer.jsonl" and "contest.jsonl" do not name a split.
  assert.deepEqual(
    Object.fromEntries(inferSplits(["trainer.jsonl", "contest.jsonl"])),
    {
      train: ["trainer.jsonl", "contest.jsonl"],
    },
  );
  // gemma_haiku's layout: JSON is the dominant format; eval_data.json is the test split.
  const gemmaHaikuFiles = [
    "README.md",
    "train_dataset/sft_data.json",
    "train_dataset/rl_data.json",
    "train_dataset/train_haiku.csv",
    "eval_dataset/eval_data.json",
  ];
  assert.deepEqual(
    chooseDataFiles(gemmaHaikuFiles, { split: "test", source: "gemma_haiku" })
      .files,
    ["eval_dataset/eval_data.json"],
  );
  assert.deepEqual(
    chooseDataFiles(["only.jsonl"], { split: "train", source: "x" }).files,
    ["only.jsonl"],
  );
  assert.throws(
    () =>
      chooseDataFiles(["README.md", "a.txt"], { split: "train", source: "x" }),
    {
      message:
        "x has no data files (readable: .json, .jsonl, .ndjson, .csv, .parquet, .json.gz, .jsonl.gz, .ndjson.gz, .csv.gz)",
    },
  );
  assert.equal(canonicalSplit("EVAL"), "test");
  assert.equal(canonicalSplit("holdout"), undefined);
});

Deno.test("split slices: counts, percentages, negatives, and bad specs", () => {
  const rows = Array.from({ length: 40 }, (_, i) => i);
  assert.deepEqual(sliceRows(rows, parseSplit("train[:5%]")), [0, 1]);
  assert.deepEqual(sliceRows(rows, parseSplit("test[10:13]")), [10, 11, 12]);
  assert.deepEqual(sliceRows(rows, parseSplit("train[-3:]")), [37, 38, 39]);
  assert.deepEqual(sliceRows(rows, parseSplit("train[95%:]")), [38, 39]);
  assert.deepEqual(sliceRows(rows, parseSplit("train[:1000]")).length, 40);
  assert.deepEqual(sliceRows(rows, parseSplit("train")).length, 40);
  assert.equal(formatSplit(parseSplit(" train[ :5% ] ")), "train[:5%]");
  assert.throws(() => parseSplit("train[:abc]"), {
    message:
      '"train[:abc]": slice bound "abc" must be a whole number of rows or a percentage',
  });
  assert.throws(() => parseSplit("train[:5"), /is not a split/);
});
