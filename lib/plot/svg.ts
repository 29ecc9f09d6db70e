/**
 * Small facts and helpers about SVG as text: the namespace a standalone file
 * must declare, adding it when a DOM serialiser left it out, and escaping.
 *
 * @module
 */

/** The SVG namespace that standalone SVG files must declare. */
export const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * Adds `xmlns` to the root `<svg>` of a serialised SVG that lacks it (linkedom
 * and jsdom both omit it; XML readers then do not see an SVG image at all).
 */
export function withNamespace(svg: string): string {
  const start = svg.trimStart();
  if (!start.startsWith("<svg")) {
    throw new Error(`expected an <svg> element, got: ${start.slice(0, 40)}…`);
  }
  const openTag = start.slice(0, start.indexOf(">") + 1);
  if (/\sxmlns=/.test(openTag)) return start;
  return `<svg xmlns="${SVG_NS}"` + start.slice(4);
}

/** Escapes text for use in XML character data and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;")
    .replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
