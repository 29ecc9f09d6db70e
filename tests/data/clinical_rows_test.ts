import assert from "node:assert/strict";
import {
  CLINICAL_KEYS,
  type ClinicalRow,
  loadMtsDialog,
  MTS_DIALOG_FILES,
  MTS_DIALOG_HUB_ID,
  type MtsDialogOptions,
  mtsDialogRows,
  readClinicalJsonl,
} from "../../lib/data/clinical_rows.ts";
import { readRows } from "../../lib/data/read.ts";
import { HubError } from "../../lib/hub/errors.ts";
import { hubSettings } from "../../lib/hub/settings.ts";
import { loadTokenizer } from "../../lib/tokenizer/mod.ts";
import { InputError } from "../../lib/util/errors.ts";
import { countWords } from "../../lib/util/sentences.ts";
import { FakeDatasetHub } from "./fake_dataset_hub.ts";

// Checks data/clinical/{train,eval}.jsonl, tunebook's hand-written
// dialogue → clinical note set, its reader, and the MTS-Dialog loader that
// maps the online source to the same rows (served by the fake hub).

const path = (rel: string) => new URL(rel, import.meta.url).pathname;
const dataPath = (split: string) => path(`../../data/clinical/${split}.jsonl`);
const fixture = (name: string) => path(`../fixtures/clinical/${name}`);
const train = readClinicalJsonl(dataPath("train"));
const evalRows = readClinicalJsonl(dataPath("eval"));
const all = [...train, ...evalRows];
const topicOf = (row: ClinicalRow) => row.id.replace(/-\d+$/, "");
const turns = (row: ClinicalRow) => row.dialogue.split("\n");

Deno.test("clinical files: 120 train and 40 eval rows, keys in order, ids <topic>-<n> unique", () => {
  assert.equal(train.length, 120);
  assert.equal(evalRows.length, 40);
  for (const split of ["train", "eval"]) {
    const lines = Deno.readTextFileSync(dataPath(split)).trimEnd().split("\n");
    for (const [i, line] of lines.entries()) {
      const where = `data/clinical/${split}.jsonl:${i + 1}`;
      assert.deepEqual(
        Object.keys(JSON.parse(line)),
        [...CLINICAL_KEYS],
        where,
      );
    }
  }
  for (const row of all) {
    assert.match(row.id, /^[a-z0-9]+(-[a-z0-9]+)*-[1-9]$/, row.id);
  }
  assert.equal(new Set(all.map((r) => r.id)).size, all.length, "ids repeat");
  // Topics are numbered 1, 2, … within each split.
  for (const rows of [train, evalRows]) {
    const count = new Map<string, number>();
    for (const row of rows) {
      const n = (count.get(topicOf(row)) ?? 0) + 1;
      count.set(topicOf(row), n);
      assert.equal(row.id, `${topicOf(row)}-${n}`);
    }
  }
});

Deno.test("clinical train and eval share no topic, dialogue or summary", () => {
  const trainTopics = new Set(train.map(topicOf));
  const evalTopics = new Set(evalRows.map(topicOf));
  assert.equal(trainTopics.size, 40);
  assert.equal(evalTopics.size, 20);
  for (const topic of evalTopics) {
    assert.ok(!trainTopics.has(topic), `topic ${topic} is in both splits`);
  }
  for (const key of ["dialogue", "summary"] as const) {
    const texts = all.map((r) => r[key]);
    assert.equal(new Set(texts).size, all.length, `a ${key} repeats`);
  }
});

Deno.test("clinical rows: 4–10 alternating Doctor/Patient turns, a 1–3 sentence note, ≤ 180 words together", () => {
  for (const row of all) {
    const lines = turns(row);
    assert.ok(lines.length >= 4 && lines.length <= 10, `${row.id}: turns`);
    const speakers = lines.map((l) => l.slice(0, l.indexOf(":")));
    speakers.slice(1).forEach((s, i) =>
      assert.notEqual(s, speakers[i], `${row.id}: ${s} speaks twice`)
    );
    for (const text of [...lines, row.summary]) {
      assert.equal(text, text.trim(), `${row.id}: untrimmed`);
      assert.doesNotMatch(text, /\s{2,}/, `${row.id}: double space`);
    }
    const sentences = row.summary.split(/(?<=[.!?])\s+/);
    assert.ok(sentences.length >= 1 && sentences.length <= 3, row.id);
    assert.match(row.summary, /^[A-Z0-9].*\.$/, `${row.id}: summary form`);
    const words = countWords(row.dialogue) + countWords(row.summary);
    assert.ok(words <= 180, `${row.id}: ${words} words`);
  }
});

Deno.test("clinical rows fit tiny-base: dialogue + note as a two-turn chat ≤ 200 tokens", async () => {
  const tiny = await loadTokenizer(path("../../checkpoints/tiny-base"));
  let longest = 0;
  for (const row of all) {
    const ids = tiny.encodeChat([
      { role: "user", content: row.dialogue },
      { role: "assistant", content: row.summary },
    ]);
    longest = Math.max(longest, ids.length);
    assert.ok(ids.length <= 200, `${row.id}: ${ids.length} tokens`);
  }
  // The count includes the template, and the rows are not trivially short.
  assert.ok(longest > 100, `longest row only ${longest} tokens`);
});

/** Writes `lines` to a temporary JSONL file and reads it back. */
function readLines(lines: string[]): { path: string; read: () => unknown } {
  const file = Deno.makeTempFileSync({ suffix: ".jsonl" });
  Deno.writeTextFileSync(file, lines.join("\n") + "\n");
  return { path: file, read: () => readClinicalJsonl(file) };
}

const good = JSON.stringify({
  id: "x-1",
  dialogue: "Doctor: Hi.\nPatient: Hello.",
  summary: "Greeting only.",
});

Deno.test("malformed clinical lines: one-line InputErrors naming file, line and field", () => {
  const cases: [string, RegExp][] = [
    ["{not json", /:2: invalid JSON: /],
    ["[1, 2]", /:2: a row must be a JSON object$/],
    [
      JSON.stringify({ id: "x-2", dialogue: "Doctor: Hi." }),
      /:2: field "summary" must be a non-empty string$/,
    ],
    [
      JSON.stringify({ id: 7, dialogue: "Doctor: Hi.", summary: "S." }),
      /:2: field "id" must be a non-empty string$/,
    ],
    [
      JSON.stringify({
        id: "x-2",
        dialogue: "Doctor: Hi.",
        summary: "S.",
        topic: "t",
      }),
      /:2: unknown field "topic" \(fields: id, dialogue, summary\)$/,
    ],
    [
      JSON.stringify({
        id: "x-2",
        dialogue: "Doctor: Hi.\nNurse: Hello.",
        summary: "S.",
      }),
      /:2: field "dialogue" line 2 must start with "Doctor: " or "Patient: ", got "Nurse: Hello\."$/,
    ],
    [
      JSON.stringify({ id: "x-2", dialogue: "Doctor: Hi.", summary: "A.\nB." }),
      /:2: field "summary" must be one line$/,
    ],
    [good, /:2: field "id" repeats "x-1" from line 1$/],
  ];
  for (const [line, message] of cases) {
    const file = readLines([good, line]);
    assert.throws(file.read, (e: Error) => {
      assert.ok(e instanceof InputError, `${line}: ${e}`);
      assert.ok(e.message.startsWith(`${file.path}:2: `), e.message);
      assert.doesNotMatch(e.message, /\n/);
      assert.match(e.message, message);
      return true;
    });
    Deno.removeSync(file.path);
  }
  const empty = readLines([""]);
  assert.throws(empty.read, { message: `${empty.path}: no rows` });
  Deno.removeSync(empty.path);
  assert.throws(
    () => readClinicalJsonl("/no/such/clinical.jsonl"),
    (e: Error) =>
      e instanceof InputError &&
      e.message.startsWith("/no/such/clinical.jsonl: cannot read: "),
  );
});

const MTS_TRAIN: ClinicalRow[] = [
  {
    id: "0",
    dialogue: "Doctor: What brings you in?\n" +
      "Patient: My knee is sore since I was gardening on the weekend.",
    summary: "Sore knee after gardening.",
  },
  {
    id: "1",
    dialogue: "Doctor: How long have you had the cough?\n" +
      "Patient: About two weeks, and it is worse at night.\n" +
      "Doctor: Any fever?\nPatient: No.",
    summary: "The patient is a 40-year-old who reports two weeks of a dry " +
      "cough, worse at night.  No fever.",
  },
  {
    id: "2",
    dialogue: "Doctor: Are you taking any medicines?\n" +
      "Guest_family: She takes vitamin D every morning.",
    summary: "Daily vitamin D.",
  },
];

Deno.test("MTS-Dialog CSV rows map to clinical rows: ID → id, trimmed turns, section_text → summary", async () => {
  const file = fixture("mts_train.csv");
  assert.deepEqual(mtsDialogRows(await readRows(file), file), MTS_TRAIN);
  const missing = fixture("mts_missing_column.csv");
  assert.throws(
    () =>
      mtsDialogRows([{ ID: "3", dialogue: "  ", section_text: "x" }], "src"),
    {
      message: 'src row 1: field "dialogue" is empty',
    },
  );
  await assert.rejects(
    async () => mtsDialogRows(await readRows(missing), missing),
    {
      message:
        `${missing} line 2 (record 1): field "section_text" is missing (columns: ID, section_header, dialogue)`,
    },
  );
});

const MIRROR = {
  main: {
    "README.md": Deno.readTextFileSync(fixture("card.md")),
    ".gitattributes": "*.csv filter=lfs diff=lfs merge=lfs -text\n",
    [MTS_DIALOG_FILES.train]: Deno.readTextFileSync(fixture("mts_train.csv")),
    [MTS_DIALOG_FILES.validation]: Deno.readTextFileSync(
      fixture("mts_validation.csv"),
    ),
  },
};

function optionsFor(
  endpoint: string,
  cacheDir: string,
  offline = false,
): MtsDialogOptions {
  return {
    settings: hubSettings({
      endpoint,
      cacheDir,
      token: null,
      offline,
      env: {},
      envFile: null,
    }),
    progress: false,
    retries: 0,
    retryDelayMs: 1,
    log: () => {},
  };
}

/** A fake hub serving the har1 mirror layout, and a fresh cache. */
async function withMirror(
  body: (hub: FakeDatasetHub, cacheDir: string) => Promise<void>,
): Promise<void> {
  const hub = FakeDatasetHub.start();
  const cacheDir = await Deno.makeTempDir({ prefix: "tunebook-clinical-" });
  try {
    await body(hub, cacheDir);
  } finally {
    await hub.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
}

Deno.test("loadMtsDialog: the default mirror's train and validation files, mapped, pinned to the commit", async () => {
  await withMirror(async (hub, cacheDir) => {
    const commits = await hub.addDataset(MTS_DIALOG_HUB_ID, MIRROR);
    const options = optionsFor(hub.url, cacheDir);
    const data = await loadMtsDialog(options);
    assert.deepEqual(data.rows, MTS_TRAIN);
    assert.equal(data.origin, "hub");
    assert.equal(data.repo, MTS_DIALOG_HUB_ID);
    assert.equal(data.commit, commits.main);
    assert.equal(data.split, "train");
    assert.deepEqual(data.files, [
      `${cacheDir}/datasets--har1--MTS_Dialogue-Clinical_Note/snapshots/${commits.main}/${MTS_DIALOG_FILES.train}`,
    ]);
    assert.deepEqual(hub.requests, [
      `HEAD /datasets/${MTS_DIALOG_HUB_ID}/resolve/main/${MTS_DIALOG_FILES.train}`,
      `GET /datasets/${MTS_DIALOG_HUB_ID}/resolve/main/${MTS_DIALOG_FILES.train}`,
    ]);

    const validation = await loadMtsDialog({
      ...options,
      split: "validation[1:]",
    });
    assert.deepEqual(validation.rows, [{
      id: "1",
      dialogue:
        "Doctor: Any allergies to medicines?\nPatient: None that I know of.",
      summary: "No known drug allergies.",
    }]);
    assert.equal(validation.split, "validation[1:]");
  });
});

Deno.test("loadMtsDialog: a bad row of the mirror names the repo, file, line and field", async () => {
  await withMirror(async (hub, cacheDir) => {
    await hub.addDataset(MTS_DIALOG_HUB_ID, {
      main: {
        ...MIRROR.main,
        [MTS_DIALOG_FILES.train]: Deno.readTextFileSync(
          fixture("mts_missing_column.csv"),
        ),
      },
    });
    await assert.rejects(loadMtsDialog(optionsFor(hub.url, cacheDir)), {
      message:
        `${MTS_DIALOG_HUB_ID}/${MTS_DIALOG_FILES.train} line 2 (record 1): ` +
        'field "section_text" is missing (columns: ID, section_header, dialogue)',
    });
  });
});

Deno.test("loadMtsDialog offline: a cached file loads with no request; an uncached one says how to get the dataset", async () => {
  await withMirror(async (hub, cacheDir) => {
    await hub.addDataset(MTS_DIALOG_HUB_ID, MIRROR);
    await loadMtsDialog(optionsFor(hub.url, cacheDir));
    hub.requests.length = 0;
    const offline = optionsFor(hub.url, cacheDir, true);
    const cached = await loadMtsDialog(offline);
    assert.deepEqual(cached.rows, MTS_TRAIN);
    await assert.rejects(
      loadMtsDialog({ ...offline, split: "validation" }),
      (e: Error) => {
        assert.ok(e instanceof HubError && e.kind === "offline");
        assert.match(
          e.message,
          /^cannot load dataset har1\/MTS_Dialogue-Clinical_Note \(split "validation", revision "main"\): HF_HUB_OFFLINE is set, and the hub cache .* holds no copy of "MTS-Dialog-Validation Set \(SDHP\)\.csv"\./,
        );
        assert.ok(
          e.message.includes(
            `huggingface-cli download ${MTS_DIALOG_HUB_ID} --repo-type dataset`,
          ),
        );
        return true;
      },
    );
    assert.deepEqual(hub.requests, []);
  });
});

Deno.test("loadMtsDialog from another source: a local CSV file, or a hub repo whose files name their splits", async () => {
  const local = await loadMtsDialog({
    source: fixture("mts_validation.csv"),
    split: "train[:1]",
  });
  assert.equal(local.origin, "file");
  assert.deepEqual(local.rows.map((r) => r.summary), [
    "Nonsmoker.  Drinks coffee daily.",
  ]);
  await withMirror(async (hub, cacheDir) => {
    await hub.addDataset("someone/mts-dialog", {
      main: {
        "train.csv": MIRROR.main[MTS_DIALOG_FILES.train],
        "validation.csv": MIRROR.main[MTS_DIALOG_FILES.validation],
      },
    });
    const data = await loadMtsDialog({
      ...optionsFor(hub.url, cacheDir),
      source: "someone/mts-dialog",
      split: "validation",
    });
    assert.deepEqual(data.rows.map((r) => r.id), ["0", "1"]);
    assert.match(data.how, /file names/);
  });
});
