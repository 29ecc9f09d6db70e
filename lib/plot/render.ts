/**
 * Observable Plot rendered on the server: Plot options in, one standalone SVG
 * string out, usable as a file, in a notebook cell, or as input to
 * `rsvg-convert`.
 *
 * Plot needs a DOM; `linkedom` provides one without a browser. Two things the
 * browser would normally paper over are fixed here: linkedom does not write
 * the `xmlns` attribute (without it the file is not an SVG image to any XML
 * reader), and with a legend, title, subtitle or caption Plot returns an HTML
 * `<figure>` instead of an `<svg>`. That figure is flattened into a single
 * SVG, so legends and titles survive in files and PNGs.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import { type DomElement, flattenFigure } from "./figure.ts";
import { withNamespace } from "./svg.ts";

/** Plot options as accepted by {@link renderSvg} (Plot's own, minus `document`). */
export type PlotSpec = Omit<Plot.PlotOptions, "document">;

/**
 * Renders a Plot specification to a standalone SVG document string (with
 * `xmlns`). Legends, title, subtitle and caption are drawn inside the SVG.
 */
export function renderSvg(spec: PlotSpec): string {
  // linkedom's types assume the DOM library, which Deno does not load.
  const { document } = parseHTML(
    "<!doctype html><html><body></body></html>",
  ) as unknown as { document: unknown };
  let node: unknown;
  try {
    node = Plot.plot({ ...spec, document } as Plot.PlotOptions);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // Plot draws continuous colour legends on a <canvas>, which linkedom
    // lacks; the raw failure ("Cannot set properties of null") says nothing.
    if (/fillStyle|getContext/.test(message)) {
      throw new Error(
        `Plot needed a <canvas> (continuous colour legend), which is not available server-side; ` +
          `use an ordinal colour scale or set color.legend to false (${message})`,
      );
    }
    throw error;
  }
  const element = node as DomElement;
  const tag = element.tagName.toLowerCase();
  if (tag === "svg") return withNamespace(element.outerHTML);
  if (tag === "figure") return flattenFigure(element);
  throw new Error(`Plot returned <${tag}>; expected <svg> or <figure>`);
}
