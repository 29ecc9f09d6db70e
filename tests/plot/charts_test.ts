import assert from "node:assert/strict";
import { join } from "node:path";
import {
  barChart,
  histogram,
  lineChart,
  renderSvg,
  scatterChart,
  SVG_NS,
  svgToPng,
  withNamespace,
  writeSvg,
} from "../../lib/plot/mod.ts";

const history = [0, 1, 2, 3, 4, 5].flatMap((step) => [
  { step, loss: 3 / (step + 1), run: "alpha-run" },
  { step, loss: 2 / (step + 1) + 0.1, run: "beta-run" },
]);

/**
 * The `<g aria-label="…">` groups Plot draws for a mark, each from its opening
 * tag to the matching `</g>` (facets nest groups inside groups).
 */
function markGroups(svg: string, label: string): string[] {
  const groups: string[] = [];
  const opening = new RegExp(`<g[^>]*aria-label="${label}"[^>]*>`, "g");
  for (const match of svg.matchAll(opening)) {
    const tags = /<g[\s>]|<\/g>/g;
    tags.lastIndex = match.index + match[0].length;
    let depth = 1;
    for (let tag = tags.exec(svg); tag; tag = tags.exec(svg)) {
      depth += tag[0] === "</g>" ? -1 : 1;
      if (depth === 0) {
        groups.push(svg.slice(match.index, tag.index + 4));
        break;
      }
    }
  }
  return groups;
}

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

/** PNG width and height from the IHDR chunk, after checking the signature. */
function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  assert.deepEqual([...bytes.slice(0, 8)], signature, "not a PNG file");
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** rsvg-convert parses with libxml2, so this also proves the SVG is well-formed XML. */
async function rasterise(
  svg: string,
): Promise<{ width: number; height: number }> {
  const dir = await Deno.makeTempDir({ prefix: "tunebook-plot-" });
  try {
    const png = join(dir, "chart.png");
    await svgToPng(svg, png);
    return pngSize(await Deno.readFile(png));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("lineChart: one standalone SVG with xmlns, a line per series and the legend inside", async () => {
  const svg = lineChart(history, {
    x: "step",
    y: "loss",
    series: "run",
    title: "Training & loss",
  });
  assert.match(svg, new RegExp(`^<svg xmlns="${SVG_NS}"[^>]* width="640"`));
  assert.ok(svg.endsWith("</svg>"));
  assert.equal(
    count(svg, "<svg"),
    1 + 2,
    "outer svg plus one swatch per series",
  );
  const lines = markGroups(svg, "line");
  assert.equal(lines.length, 1);
  assert.equal(count(lines[0], "<path"), 2, "one path per series");
  for (const label of ["alpha-run", "beta-run", "Training &amp; loss"]) {
    assert.ok(svg.includes(`>${label}</text>`), `missing text ${label}`);
  }
  const size = await rasterise(svg);
  assert.equal(size.width, 640);
  assert.ok(
    size.height > 360,
    `legend and title should add height, got ${size.height}`,
  );
});

Deno.test("lineChart: smoothing keeps the raw lines and adds smoothed ones", () => {
  const svg = lineChart(history, {
    x: "step",
    y: "loss",
    series: "run",
    smooth: 3,
  });
  const lines = markGroups(svg, "line");
  assert.equal(lines.length, 2);
  assert.match(lines[0], /stroke-opacity="0.25"/);
});

Deno.test("lineChart: without series or title it is a plain Plot SVG with xmlns", async () => {
  const svg = lineChart(history.filter((row) => row.run === "alpha-run"), {
    x: "step",
    y: "loss",
  });
  assert.match(
    svg,
    /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*viewBox="0 0 640 360"/,
  );
  assert.doesNotMatch(svg, /aria-label="legend"/);
  assert.deepEqual(await rasterise(svg), { width: 640, height: 360 });
});

Deno.test("charts reject bad rows, naming the row and the field", () => {
  assert.throws(
    () =>
      lineChart([{ step: 0, loss: 1 }, { step: 1, loss: NaN }], {
        x: "step",
        y: "loss",
      }),
    /lineChart: row 1 field "loss" is NaN; expected a finite number/,
  );
  assert.throws(
    () =>
      lineChart([{ step: 0, loss: 0 }], {
        x: "step",
        y: "loss",
        yScale: "log",
      }),
    /row 0 field "loss" is 0; a log scale needs values > 0/,
  );
  assert.throws(
    () => lineChart(history, { x: "step", y: "loss", smooth: 0.5 }),
    /smooth must be a positive integer/,
  );
  assert.throws(
    () =>
      scatterChart([{ a: 1 }] as { a: number; b?: number }[], {
        x: "a",
        y: "b",
      }),
    /scatterChart: row 0 field "b" is missing/,
  );
});

const models = [
  { model: "small", size: "64", mean: 0.42, low: 0.35, high: 0.5 },
  { model: "large", size: "64", mean: 0.61, low: 0.55, high: 0.66 },
  { model: "small", size: "128", mean: 0.45, low: 0.4, high: 0.52 },
  { model: "large", size: "128", mean: 0.7, low: 0.64, high: 0.75 },
];

Deno.test("barChart: a bar and an error bar with two caps per row", async () => {
  const svg = barChart(models.slice(0, 2), {
    x: "model",
    y: "mean",
    low: "low",
    high: "high",
  });
  assert.equal(count(markGroups(svg, "bar")[0], "<rect"), 2);
  const rules = markGroups(svg, "rule");
  // the zero baseline, then the error bars
  assert.equal(rules.length, 2);
  assert.equal(count(rules[1], "<line"), 2);
  const ticks = markGroups(svg, "tick");
  assert.equal(
    ticks.length,
    2,
    "one tick mark for the low caps, one for the high caps",
  );
  for (const caps of ticks) assert.equal(count(caps, "<line"), 2);
  await rasterise(svg);
});

Deno.test("barChart: groups are panels in row order with a legend", async () => {
  const svg = barChart(models, {
    x: "model",
    y: "mean",
    low: "low",
    high: "high",
    group: "size",
    title: "Accuracy",
  });
  assert.ok(
    svg.indexOf(">64</text>") < svg.indexOf(">128</text>"),
    "64 should come first, as in the rows",
  );
  assert.ok(svg.includes(">small</text>") && svg.includes(">large</text>"));
  const bars = markGroups(svg, "bar");
  assert.equal(bars.length, 1);
  assert.equal(count(bars[0], "<rect"), 4, "two bars in each of two panels");
  assert.equal(count(markGroups(svg, "rule")[1], "<line"), 4);
  await rasterise(svg);
});

Deno.test("barChart: an interval that does not contain the mean is an error", () => {
  assert.throws(
    () =>
      barChart([{ m: "a", mean: 1, low: 1.2, high: 2 }], {
        x: "m",
        y: "mean",
        low: "low",
        high: "high",
      }),
    /row 0 has low=1.2, mean=1, high=2; expected low ≤ mean ≤ high/,
  );
  assert.throws(
    () => barChart(models, { x: "model", y: "mean", low: "low" }),
    /give both low and high/,
  );
});

Deno.test("scatterChart and histogram draw one dot per row and binned bars", async () => {
  const scatter = scatterChart(history, {
    x: "step",
    y: "loss",
    series: "run",
  });
  assert.equal(count(markGroups(scatter, "dot")[0], "<circle"), history.length);
  const hist = histogram(history, { x: "loss", bins: 5, title: "Loss values" });
  assert.ok(count(markGroups(hist, "rect")[0], "<rect") >= 3);
  await rasterise(scatter);
  await rasterise(hist);
});

Deno.test("renderSvg flattens a figure with caption and subtitle into one SVG", async () => {
  const { lineY } = await import("@observablehq/plot");
  const svg = renderSvg({
    subtitle: "sub",
    caption: "the caption",
    marks: [lineY([1, 3, 2])],
  });
  assert.match(svg, /^<svg xmlns=/);
  assert.doesNotMatch(svg, /<figure|<h2|<h3|<div|<span/);
  assert.ok(svg.includes(">the caption</text>") && svg.includes(">sub</text>"));
  await rasterise(svg);
});

Deno.test("withNamespace adds xmlns once", () => {
  const plain = '<svg width="1"><g/></svg>';
  const once = withNamespace(plain);
  assert.equal(once, `<svg xmlns="${SVG_NS}" width="1"><g/></svg>`);
  assert.equal(withNamespace(once), once);
  assert.throws(
    () => withNamespace("<figure></figure>"),
    /expected an <svg> element/,
  );
});

Deno.test("writeSvg writes standalone SVGs and refuses anything else", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tunebook-plot-" });
  try {
    const path = join(dir, "nested", "loss.svg");
    const svg = lineChart(history, { x: "step", y: "loss", series: "run" });
    await writeSvg(path, svg);
    assert.equal(await Deno.readTextFile(path), svg);
    await assert.rejects(
      () => writeSvg(join(dir, "bad.svg"), '<svg width="1"></svg>'),
      /writeSvg\(.*bad\.svg\): expected a standalone <svg> with xmlns/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("svgToPng names the missing converter", async () => {
  await assert.rejects(
    () =>
      svgToPng(
        withNamespace('<svg width="1" height="1"></svg>'),
        "/tmp/never.png",
        {
          command: "rsvg-convert-that-does-not-exist",
        },
      ),
    /"rsvg-convert-that-does-not-exist" not found; install Debian's librsvg2-bin/,
  );
});

Deno.test("svgToPng passes on the converter's complaint about malformed SVG", async () => {
  await assert.rejects(
    () => rasterise(`<svg xmlns="${SVG_NS}" width="10" height="10"><g></svg>`),
    /rsvg-convert exited with \d+: .+/,
  );
});
