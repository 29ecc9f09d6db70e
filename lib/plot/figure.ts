/**
 * Flattens the HTML `<figure>` that Observable Plot returns when a chart has
 * a legend, title, subtitle or caption into one standalone SVG.
 *
 * A browser lays the figure out with CSS (flexbox swatches, `<h2>` titles).
 * Files, PNG converters and notebook SVG outputs have no CSS layout, so the
 * pieces are stacked vertically here: title, subtitle, legends, then the
 * chart, then the caption. Swatch labels are placed with an estimated text
 * width, which is close enough for Plot's 10px sans-serif legend font.
 *
 * @module
 */
import { escapeXml, SVG_NS } from "./svg.ts";

const LEGEND_FONT_PX = 10;
/** Average glyph advance of a sans-serif font, as a fraction of its size. */
const GLYPH_WIDTH = 0.62;
const SWATCH_GAP_PX = 16;
const SWATCH_LABEL_GAP_PX = 5;
const FONT = "system-ui, sans-serif";

/**
 * The part of a DOM element this module reads. linkedom's elements have it;
 * Deno's type library has no DOM, so it is spelled out here.
 */
export interface DomElement {
  readonly tagName: string;
  readonly className: string;
  readonly textContent: string | null;
  readonly innerHTML: string;
  readonly outerHTML: string;
  readonly children: ArrayLike<DomElement>;
  readonly attributes: ArrayLike<{ name: string; value: string }>;
  getAttribute(name: string): string | null;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
}

/** Attributes of a chart's root `<svg>` that describe the canvas, not its content. */
const CANVAS_ATTRIBUTES = new Set([
  "class",
  "height",
  "width",
  "viewbox",
  "xmlns",
  "style",
]);

/** Converts a Plot `<figure>` element into one standalone SVG document string. */
export function flattenFigure(figure: DomElement): string {
  const width = Math.max(
    1,
    ...Array.from(figure.children)
      .filter((child) => child.tagName.toLowerCase() === "svg")
      .map((svg) => size(svg, "width")),
  );
  const parts: string[] = [];
  let y = 0;
  let chartClass = "";
  for (const child of Array.from(figure.children)) {
    const tag = child.tagName.toLowerCase();
    if (tag === "h2" || tag === "h3" || tag === "figcaption") {
      const heading = headingStyle(tag);
      y += heading.px * 1.4;
      parts.push(
        `<text x="0" y="${
          round(y - heading.px * 0.3)
        }" font-size="${heading.px}"` +
          ` font-weight="${heading.weight}" fill="${heading.fill}"` +
          ` font-family="${FONT}" text-anchor="start">${
            escapeXml(child.textContent ?? "")
          }</text>`,
      );
      y += heading.px * 0.4;
    } else if (tag === "div" && /swatches/.test(child.className)) {
      const legend = layoutSwatches(child, width, y);
      parts.push(legend.markup);
      y += legend.height;
    } else if (tag === "svg") {
      // The chart comes after any legend <svg>; its class scopes Plot's CSS.
      chartClass = child.getAttribute("class") ?? chartClass;
      parts.push(
        `<g transform="translate(0,${round(y)})"${
          presentationAttributes(child)
        }>${child.innerHTML}</g>`,
      );
      y += size(child, "height");
    } else {
      throw new Error(
        `cannot flatten <${tag}> inside a Plot figure into SVG (expected h2, h3, legend, svg or figcaption)`,
      );
    }
  }
  const height = Math.ceil(y);
  const classAttribute = chartClass ? ` class="${escapeXml(chartClass)}"` : "";
  return `<svg xmlns="${SVG_NS}"${classAttribute} width="${width}" height="${height}"` +
    ` viewBox="0 0 ${width} ${height}" font-family="${FONT}">${
      parts.join("")
    }</svg>`;
}

/** Lays out a Plot swatch legend (`<span>` = swatch `<svg>` + label) in rows. */
function layoutSwatches(
  legend: DomElement,
  width: number,
  top: number,
): { markup: string; height: number } {
  const parts: string[] = [];
  const rowHeight = 20;
  let x = 0;
  let row = 0;
  for (const swatch of Array.from(legend.querySelectorAll("span"))) {
    const icon = swatch.querySelector("svg");
    const label = swatch.textContent ?? "";
    const iconWidth = icon ? size(icon, "width") : 0;
    const iconHeight = icon ? size(icon, "height") : 0;
    const itemWidth = iconWidth + SWATCH_LABEL_GAP_PX +
      label.length * LEGEND_FONT_PX * GLYPH_WIDTH;
    if (x > 0 && x + itemWidth > width) {
      x = 0;
      row += 1;
    }
    const middle = top + row * rowHeight + rowHeight / 2;
    if (icon) {
      parts.push(
        `<svg x="${round(x)}" y="${round(middle - iconHeight / 2)}"${
          allAttributes(icon, ["x", "y"])
        } overflow="visible">${icon.innerHTML}</svg>`,
      );
    }
    parts.push(
      `<text x="${round(x + iconWidth + SWATCH_LABEL_GAP_PX)}" y="${
        round(middle)
      }" dy="0.35em" font-size="${LEGEND_FONT_PX}" fill="currentColor"` +
        ` text-anchor="start">${escapeXml(label)}</text>`,
    );
    x += itemWidth + SWATCH_GAP_PX;
  }
  const rows = parts.length ? row + 1 : 0;
  return {
    markup: `<g aria-label="legend">${parts.join("")}</g>`,
    height: rows * rowHeight + (rows ? 6 : 0),
  };
}

function headingStyle(
  tag: string,
): { px: number; weight: string; fill: string } {
  if (tag === "h2") return { px: 16, weight: "bold", fill: "currentColor" };
  if (tag === "h3") return { px: 12, weight: "normal", fill: "#666" };
  return { px: 11, weight: "normal", fill: "#666" };
}

function presentationAttributes(svg: DomElement): string {
  return Array.from(svg.attributes)
    .filter((attribute) => !CANVAS_ATTRIBUTES.has(attribute.name.toLowerCase()))
    .map((attribute) => ` ${attribute.name}="${escapeXml(attribute.value)}"`)
    .join("");
}

function allAttributes(element: DomElement, skip: string[]): string {
  return Array.from(element.attributes)
    .filter((attribute) => !skip.includes(attribute.name.toLowerCase()))
    .map((attribute) => ` ${attribute.name}="${escapeXml(attribute.value)}"`)
    .join("");
}

function size(element: DomElement, dimension: "width" | "height"): number {
  const value = Number.parseFloat(element.getAttribute(dimension) ?? "");
  if (Number.isFinite(value)) return value;
  const viewBox = (element.getAttribute("viewBox") ?? "").split(/[\s,]+/)
    .map(Number);
  const fromViewBox = dimension === "width" ? viewBox[2] : viewBox[3];
  if (Number.isFinite(fromViewBox)) return fromViewBox;
  throw new Error(
    `<${element.tagName.toLowerCase()}> in a Plot figure has no ${dimension} or viewBox`,
  );
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
