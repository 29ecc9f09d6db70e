/** The blinded human-evaluation manifest, its key, and reading rated copies back. */
import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import {
  buildHumanManifest,
  CUT_MARKER,
  type ManifestPrompt,
  writeHumanManifest,
} from "../../lib/eval/human_manifest.ts";
import {
  analyzeHumanRatings,
  readHumanRatings,
} from "../../lib/eval/human_ratings.ts";
import { InputError } from "../../lib/util/errors.ts";

const PARADIGMS = ["sft", "dpo", "ppo", "sft_ppo"];

/** n prompts of two lines each; paradigm k's output for prompt i is "Answer #k00i". */
function study(n: number, paradigms = PARADIGMS) {
  const prompts: ManifestPrompt[] = Array.from({ length: n }, (_, i) => ({
    id: `p${i}`,
    prompt: `Question ${i}, "quoted"?\nSecond line`,
    reference: `ref ${i}`,
  }));
  const outputs = Object.fromEntries(
    paradigms.map((p, k) => [
      p,
      prompts.map((_, i) => `Answer #${k * 1000 + i}`),
    ]),
  );
  return { prompts, outputs };
}

type Row = Record<string, string>;
const readCsv = (path: string): Row[] =>
  parse(Deno.readTextFileSync(path), { columns: true });

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "human_manifest_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * A rated copy of `dir`'s manifest: `fill` sets cells of each row, given
 * the paradigm behind each letter. Returns the file's path.
 */
function rate(
  dir: string,
  name: string,
  fill: (row: Row, letterOf: Record<string, string>) => void,
): string {
  const text = Deno.readTextFileSync(`${dir}/manifest.csv`);
  const header = parse(text, { to_line: 1 })[0] as string[];
  const rows = readCsv(`${dir}/manifest.csv`);
  const key = new Map(readCsv(`${dir}/key.csv`).map((k) => [k.row_id, k]));
  for (const row of rows) {
    const k = key.get(row.row_id)!;
    const letterOf = Object.fromEntries(
      Object.entries(k).filter(([c]) => /^[A-Z]$/.test(c)).map((
        [l, p],
      ) => [p, l]),
    );
    fill(row, letterOf);
  }
  const path = `${dir}/${name}.csv`;
  Deno.writeTextFileSync(
    path,
    stringify(rows, { header: true, columns: header }),
  );
  return path;
}

Deno.test("columns are anonymised and shuffled per row; the key maps every letter to its paradigm's output", async () => {
  await withDir(async (dir) => {
    const { prompts, outputs } = study(30);
    const summary = await writeHumanManifest(dir, prompts, outputs, {
      rows: 20,
      seed: 11,
    });
    assert.equal(summary.rows, 20);
    assert.deepEqual(summary.letters, ["A", "B", "C", "D"]);
    const text = Deno.readTextFileSync(summary.manifestCsv);
    const header = text.split("\n")[0];
    const ratings = ["A", "B", "C", "D"].flatMap((l) =>
      ["safety", "helpfulness", "fluency"].map((s) => `${l}_${s}`)
    );
    assert.equal(
      header,
      ["row_id,prompt,reference,A,B,C,D", ...ratings, "preferred,notes"].join(),
    );
    // Nothing given to raters names a paradigm.
    for (const p of ["sft", "dpo", "ppo"]) {
      assert.ok(!text.includes(p), `manifest.csv mentions ${p}`);
      const md = Deno.readTextFileSync(summary.instructionsMd);
      assert.ok(!md.includes(p), `instructions.md mentions ${p}`);
    }

    const rows = readCsv(summary.manifestCsv);
    const key = readCsv(summary.keyCsv);
    assert.deepEqual(Object.keys(key[0]), [
      "row_id",
      "prompt_id",
      "A",
      "B",
      "C",
      "D",
    ]);
    const orders = new Set<string>();
    const inColumnA = new Set<string>();
    rows.forEach((row, r) => {
      const k = key[r];
      assert.equal(k.row_id, row.row_id);
      const i = prompts.findIndex((p) => p.id === k.prompt_id);
      assert.equal(row.prompt, prompts[i].prompt); // newlines and quotes survive
      assert.equal(row.reference, `ref ${i}`);
      const order = ["A", "B", "C", "D"].map((l) => k[l]);
      assert.deepEqual([...order].sort(), [...PARADIGMS].sort());
      for (const l of ["A", "B", "C", "D"]) {
        assert.equal(row[l], outputs[k[l]][i], `row ${r} column ${l}`);
        assert.equal(row[`${l}_safety`], "");
      }
      orders.add(order.join());
      inColumnA.add(k.A);
    });
    // Not one fixed order: many orders, and every paradigm shows up in column A.
    assert.ok(orders.size >= 8, `only ${orders.size} distinct orders`);
    assert.equal(inColumnA.size, 4);
    // Twenty distinct prompts, not the first twenty in order.
    const ids = key.map((k) => k.prompt_id);
    assert.equal(new Set(ids).size, 20);
    assert.notDeepEqual(ids, prompts.slice(0, 20).map((p) => p.id));
  });
});

Deno.test("same seed, same files; another seed, another sample and order", async () => {
  await withDir(async (dir) => {
    const { prompts, outputs } = study(25);
    const files = async (sub: string, seed: number) => {
      const s = await writeHumanManifest(`${dir}/${sub}`, prompts, outputs, {
        rows: 10,
        seed,
      });
      return [s.manifestCsv, s.keyCsv, s.instructionsMd].map((p) =>
        Deno.readTextFileSync(p)
      );
    };
    const a = await files("a", 5);
    assert.deepEqual(await files("b", 5), a);
    const c = await files("c", 6);
    assert.notEqual(c[1], a[1]);
  });
});

Deno.test("rows default to 200 capped at the prompts; long outputs are cut and counted", () => {
  const { prompts, outputs } = study(7, ["x", "y"]);
  outputs.x[3] = "é".repeat(30); // 30 characters, not bytes
  outputs.y[5] = "z".repeat(31);
  const m = buildHumanManifest(prompts, outputs, { maxChars: 30 });
  assert.equal(m.rows.length, 7);
  assert.equal(m.counts.rows, 7);
  assert.equal(m.counts.available, 7);
  assert.equal(m.counts.cut, 1);
  assert.deepEqual(m.counts.cutByParadigm, { x: 0, y: 1 });
  const cells = m.rows.flatMap((r) => [r.A, r.B]);
  assert.ok(cells.includes("é".repeat(30)));
  assert.ok(cells.includes("z".repeat(30) + CUT_MARKER));
  assert.ok(m.instructions.includes(CUT_MARKER.trim()));
  // No reference column when no prompt has one.
  const bare = buildHumanManifest(
    prompts.map(({ id, prompt }) => ({ id, prompt })),
    outputs,
  );
  assert.deepEqual(bare.columns.slice(0, 4), ["row_id", "prompt", "A", "B"]);
});

Deno.test("bad manifest inputs are one-line errors naming the paradigm or prompt", async () => {
  const { prompts, outputs } = study(4, ["sft", "dpo"]);
  const err = (fn: () => unknown, pattern: RegExp) =>
    assert.throws(fn, (e: Error) => {
      assert.ok(e instanceof InputError, e.message);
      assert.ok(!e.message.includes("\n"));
      assert.match(e.message, pattern);
      return true;
    });
  err(
    () =>
      buildHumanManifest(prompts, { ...outputs, dpo: outputs.dpo.slice(1) }),
    /paradigm "dpo" has 3 outputs for 4 prompts/,
  );
  err(
    () => buildHumanManifest(prompts, { sft: outputs.sft }),
    /2 to 26 paradigms/,
  );
  err(
    () =>
      buildHumanManifest([prompts[0], prompts[0]], {
        a: ["1", "2"],
        b: ["1", "2"],
      }),
    /prompt id "p0" appears twice/,
  );
  err(
    () => buildHumanManifest(prompts, outputs, { rows: 0 }),
    /rows must be a positive integer/,
  );
  await withDir(async (dir) => {
    await writeHumanManifest(dir, prompts, outputs);
    await assert.rejects(
      () => writeHumanManifest(dir, prompts, outputs, { seed: 1 }),
      /manifest\.csv already exists.*pass overwrite/,
    );
    await writeHumanManifest(dir, prompts, outputs, {
      seed: 1,
      overwrite: true,
    });
  });
});

Deno.test("rated copies map back to paradigms through the key", async () => {
  await withDir(async (dir) => {
    const { prompts, outputs } = study(12);
    await writeHumanManifest(dir, prompts, outputs, { seed: 3 });
    const level: Record<string, number> = {
      dpo: 5,
      sft: 4,
      ppo: 3,
      sft_ppo: 2,
    };
    const path = rate(dir, "alice", (row, letterOf) => {
      for (const p of PARADIGMS) {
        row[`${letterOf[p]}_safety`] = String(level[p]);
      }
      row.preferred = letterOf.ppo;
    });
    const data = await readHumanRatings(`${dir}/key.csv`, [path]);
    assert.deepEqual(data.paradigms, ["dpo", "ppo", "sft", "sft_ppo"]);
    assert.equal(data.raters[0].rater, "alice");
    const rated = Object.values(data.raters[0].rows);
    assert.equal(rated.length, 12);
    for (const r of rated) {
      for (const p of PARADIGMS) assert.equal(r.scores[p].safety, level[p]);
      assert.equal(r.scores.dpo.fluency, undefined);
      assert.equal(r.preferred, "ppo");
    }
    const report = analyzeHumanRatings(data, { resamples: 100 });
    const dpo = report.scores.find((s) =>
      s.paradigm === "dpo" && s.scale === "safety"
    );
    assert.equal(dpo!.estimate!.mean, 5);
    assert.equal(
      report.winRates.find((w) => w.a === "dpo" && w.b === "ppo")!.rateA!.mean,
      0,
    );
  });
});

/** A two-paradigm manifest whose records each span two lines: row r (0-based) starts on line 2 + 2r. */
async function smallRated(
  dir: string,
  edit: (rows: Row[], header: string[]) => void,
): Promise<string> {
  const { prompts, outputs } = study(3, ["sft", "dpo"]);
  await writeHumanManifest(dir, prompts, outputs, { overwrite: true });
  const text = Deno.readTextFileSync(`${dir}/manifest.csv`);
  const header = parse(text, { to_line: 1 })[0] as string[];
  const rows = readCsv(`${dir}/manifest.csv`);
  rows.forEach((r) => (r.A_safety = "4"));
  edit(rows, header);
  const path = `${dir}/rater.csv`;
  Deno.writeTextFileSync(
    path,
    stringify(rows, { header: true, columns: header }),
  );
  return path;
}

Deno.test("invalid rated files are one-line errors naming file, line and column", async () => {
  await withDir(async (dir) => {
    const cases: [string, (rows: Row[], header: string[]) => void, RegExp][] = [
      [
        "rating out of range",
        (rows) => (rows[1].B_safety = "6"),
        /rater\.csv line 4, column B_safety: "6" is not a whole number 1–5$/,
      ],
      [
        "fractional rating",
        (rows) => (rows[2].A_fluency = "3.5"),
        /rater\.csv line 6, column A_fluency: "3\.5" is not/,
      ],
      [
        "word as rating",
        (rows) => (rows[0].A_helpfulness = "good"),
        /line 2, column A_helpfulness: "good"/,
      ],
      [
        "preferred not a letter of the row",
        (rows) => (rows[1].preferred = "C"),
        /rater\.csv line 4, column preferred: "C" is not a letter A\/B$/,
      ],
      [
        "unknown row id",
        (rows) => (rows[2].row_id = "99"),
        /line 6, column row_id: row 99 is not in the key \(3 rows\)/,
      ],
      [
        "duplicate row",
        (rows) => rows.push({ ...rows[0] }),
        /line 8, column row_id: row 1 appears twice \(first: line 2\)$/,
      ],
      [
        "empty row id",
        (rows) => (rows[1].row_id = ""),
        /line 4, column row_id: row_id is empty/,
      ],
      [
        "missing column",
        (_, header) => header.splice(header.indexOf("B_fluency"), 1),
        /rater\.csv line 1: column "B_fluency" is missing/,
      ],
      [
        "missing preferred",
        (_, header) => header.splice(header.indexOf("preferred"), 1),
        /line 1: column "preferred" is missing/,
      ],
    ];
    for (const [what, edit, pattern] of cases) {
      const path = await smallRated(dir, edit);
      await assert.rejects(
        () => readHumanRatings(`${dir}/key.csv`, [path]),
        (e: Error) => {
          assert.ok(e instanceof InputError, `${what}: ${e.message}`);
          assert.ok(!e.message.includes("\n"), what);
          assert.ok(e.message.startsWith(path), `${what}: ${e.message}`);
          assert.match(e.message, pattern, what);
          return true;
        },
      );
    }
    const path = await smallRated(dir, () => {});
    Deno.writeTextFileSync(
      path,
      Deno.readTextFileSync(path) + "1,x,y,z,a,b,c,d,e,f,g,h,i,j,k,l,m,n\n",
    );
    await assert.rejects(
      () => readHumanRatings(`${dir}/key.csv`, [path]),
      /rater\.csv line 8: 18 cells but the header names 13 columns/,
    );
    await assert.rejects(
      () => readHumanRatings(`${dir}/key.csv`, [`${dir}/nope.csv`]),
      Deno.errors.NotFound,
    );
    const ok = await smallRated(dir, () => {});
    await assert.rejects(
      () =>
        readHumanRatings(`${dir}/key.csv`, [ok, { path: ok, rater: "rater" }]),
      /rater "rater" is also .*rater\.csv; give each file its own rater name$/,
    );
  });
});

Deno.test("spreadsheet habits are accepted: BOM, CRLF, lowercase letters, 4.0, dropped rows and trailing cells, extra columns", async () => {
  await withDir(async (dir) => {
    const path = await smallRated(dir, (rows, header) => {
      rows[0].preferred = "b";
      rows[0].B_helpfulness = "4.0";
      rows.splice(2, 1);
      header.push("my_comments");
    });
    const lines = Deno.readTextFileSync(path).split("\n");
    // Drop four empty trailing cells where a line has them, as some spreadsheets do.
    const crlf = "\ufeff" +
      lines.map((l) => l.replace(/,,,,$/, "")).join("\r\n");
    Deno.writeTextFileSync(path, crlf);
    const key = readCsv(`${dir}/key.csv`);
    const data = await readHumanRatings(`${dir}/key.csv`, [path]);
    const rows = data.raters[0].rows;
    assert.deepEqual(Object.keys(rows), ["1", "2"]);
    assert.equal(rows["1"].preferred, key[0].B);
    assert.equal(rows["1"].scores[key[0].B].helpfulness, 4);
    assert.equal(rows["1"].scores[key[0].A].safety, 4);
    assert.equal(rows["2"].scores[key[1].B].safety, undefined);
    const report = analyzeHumanRatings(data);
    assert.deepEqual(
      report.raters.map((r) => [r.rater, r.rows, r.preferences]),
      [["rater", 2, 1]],
    );
    assert.deepEqual(report.agreement.preferred, { kappa: [], alpha: [] });
  });
});
