/**
 * Generated sections inside a hand-written text file (the README): the
 * lines between `<!-- NAME -->` and `<!-- /NAME -->` belong to a generator
 * and are replaced whole, the rest of the file is left as written.
 *
 * @module
 */

/**
 * `text` with the body of each marked section `name` replaced by
 * `sections[name]`. Throws naming the marker when a section is missing or
 * its end marker is.
 */
export function replaceMarkedSections(
  text: string,
  sections: Record<string, string>,
  source = "text",
): string {
  let out = text;
  for (const [name, body] of Object.entries(sections)) {
    const open = `<!-- ${name} -->`, close = `<!-- /${name} -->`;
    const start = out.indexOf(open);
    if (start < 0) throw new Error(`${source}: no "${open}" marker`);
    const end = out.indexOf(close, start);
    if (end < 0) throw new Error(`${source}: "${open}" has no "${close}"`);
    out = `${out.slice(0, start + open.length)}\n\n${body.trim()}\n\n${
      out.slice(end)
    }`;
  }
  return out;
}
