import assert from "node:assert/strict";
import {
  fastMode,
  findJupyter,
  formatTable,
  inJupyter,
  liveDisplay,
  type NotebookJson,
  notebookProblems,
  show,
} from "../../lib/notebook/mod.ts";
import { lineChart } from "../../lib/plot/mod.ts";

/** Runs `body` and returns what it printed with console.log. */
async function printed(body: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    await body();
  } finally {
    console.log = original;
  }
  return lines;
}

Deno.test("formatTable: markdown, html and aligned text from the same rows", () => {
  const table = formatTable(
    [
      { model: "a|b", accuracy: 0.123456, steps: 300 },
      { model: "<c>", accuracy: 12345.678, steps: 5 },
    ],
    {
      caption: "Results",
      columns: ["model", { key: "accuracy", label: "acc" }, "steps"],
    },
  );
  assert.equal(
    table.markdown,
    "Results\n\n| model | acc | steps |\n| --- | ---: | ---: |\n| a\\|b | 0.1235 | 300 |\n| <c> | 12345.7 | 5 |",
  );
  assert.match(table.html, /<caption>Results<\/caption>/);
  assert.match(table.html, /<td style="text-align:left">&lt;c&gt;<\/td>/);
  assert.match(table.html, /<td style="text-align:right">12345.7<\/td>/);
  assert.equal(
    table.text,
    [
      "Results",
      "model      acc  steps",
      "-----  -------  -----",
      "a|b     0.1235    300",
      "<c>    12345.7      5",
    ].join("\n"),
  );
});

Deno.test("formatTable: default columns are every key in first-seen order", () => {
  const table = formatTable([{ a: 1 }, { b: true, a: null }]);
  assert.equal(table.text, "a  b\n-  ----\n1\n   true");
});

Deno.test("show and liveDisplay print plain text outside Jupyter", async () => {
  assert.equal(inJupyter(), false);
  const svg = lineChart([{ step: 0, loss: 1 }, { step: 1, loss: 0.5 }], {
    x: "step",
    y: "loss",
  });
  const lines = await printed(async () => {
    await show.markdown("**hello**");
    await show.table([{ n: 1 }]);
    await show.svg(svg, { alt: "loss curve" });
    await show.svg(svg);
    const live = liveDisplay();
    await live.svg(svg);
    await live.markdown("step 1");
    await live.markdown("step 2");
    assert.equal(live.updates, 3);
  });
  assert.deepEqual(lines, [
    "**hello**",
    "n\n-\n1",
    "[loss curve]",
    "[chart 640×360]",
    "step 1",
    "step 2",
  ]);
  await assert.rejects(
    () => show.svg("<figure/>"),
    /show.svg: expected an <svg> document/,
  );
});

Deno.test("fastMode reads TUNEBOOK_FAST and refuses values it does not understand", () => {
  const saved = Deno.env.get("TUNEBOOK_FAST");
  try {
    Deno.env.delete("TUNEBOOK_FAST");
    assert.equal(fastMode(), false);
    for (
      const [value, expected] of [["1", true], ["true", true], ["0", false], [
        "",
        false,
      ]] as const
    ) {
      Deno.env.set("TUNEBOOK_FAST", value);
      assert.equal(fastMode(), expected, `TUNEBOOK_FAST=${value}`);
    }
    Deno.env.set("TUNEBOOK_FAST", "fastish");
    assert.throws(
      () => fastMode(),
      /TUNEBOOK_FAST="fastish" is not understood/,
    );
  } finally {
    if (saved === undefined) Deno.env.delete("TUNEBOOK_FAST");
    else Deno.env.set("TUNEBOOK_FAST", saved);
  }
});

Deno.test("notebookProblems finds errors, silent code cells and a foreign kernel", () => {
  const notebook: NotebookJson = {
    metadata: { kernelspec: { name: "python3" } },
    cells: [
      { cell_type: "markdown", source: "# title" },
      {
        cell_type: "code",
        source: ["const x = 1;\n", "await show.text(`${x}`);"],
        outputs: [{ output_type: "display_data" }],
      },
      {
        cell_type: "code",
        source: "\n// silent cell\nconst y = 2;",
        outputs: [],
      },
      {
        cell_type: "code",
        source: "throw new Error('boom')",
        outputs: [{ output_type: "error", ename: "Error", evalue: "boom" }],
      },
      { cell_type: "code", source: "  \n", outputs: [] },
    ],
  };
  const problems = notebookProblems(notebook);
  assert.deepEqual(
    problems.map((p) => [p.cell, p.snippet, p.message.split(" (")[0]]),
    [
      [
        undefined,
        undefined,
        'metadata.kernelspec.name is "python3"; expected "deno"',
      ],
      [2, "// silent cell", "no output"],
      [3, "throw new Error('boom')", "Error: boom"],
    ],
  );
  notebook.metadata = { kernelspec: { name: "deno" } };
  notebook.cells = notebook.cells.slice(0, 2);
  assert.deepEqual(notebookProblems(notebook), []);
});

Deno.test("findJupyter says to run ./tunebook when no jupyter is found", async () => {
  await assert.rejects(
    () => findJupyter(["/nonexistent/jupyter", "jupyter-that-does-not-exist"]),
    /no jupyter with nbconvert found \(tried \/nonexistent\/jupyter, jupyter-that-does-not-exist\); run \.\/tunebook once/,
  );
});
