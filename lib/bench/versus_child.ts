/**
 * One tunebook cell of the PyTorch comparison (versus_cells.ts) in its own
 * process, so its peak RSS is its own and no heap left by an earlier cell
 * gets in its way; prints one `RESULT {json}` line: tokens/s and peak RSS.
 *
 *   deno run -A lib/bench/versus_child.ts SHAPE_INDEX CELL_INDEX
 *
 * @module
 */
import { initEngine } from "../engine/mod.ts";
import { peakRssGiB } from "./child.ts";
import { fastestVariant } from "./shapes.ts";
import { cells, SHAPES } from "./versus_cells.ts";

const [shapeIndex, cellIndex] = Deno.args.map(Number);
const shape = SHAPES[shapeIndex];
const cell = shape ? cells(shape)[cellIndex] : undefined;
if (!shape || !cell) {
  throw new Error(
    `no cell ${Deno.args.join(" ")} (usage: SHAPE_INDEX CELL_INDEX)`,
  );
}
await initEngine({ verbose: false });
await fastestVariant();
const tokS = await cell.tunebook();
console.log(
  `RESULT ${JSON.stringify({ tok_s: tokS, peak_rss_gib: peakRssGiB() })}`,
);
