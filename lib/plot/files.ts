/**
 * Writing charts to disk: the SVG as is, and a PNG through `rsvg-convert`
 * (Debian's `librsvg2-bin`, which `./tunebook` installs) for places that do
 * not show SVG.
 *
 * @module
 */
import { dirname } from "node:path";

/** Writes a standalone SVG string to `path`, creating parent folders. */
export async function writeSvg(path: string, svg: string): Promise<void> {
  const start = svg.trimStart();
  if (!start.startsWith("<svg") || !/^<svg[^>]*\sxmlns="/.test(start)) {
    throw new Error(
      `writeSvg(${path}): expected a standalone <svg> with xmlns (as lib/plot renders), got: ${
        start.slice(0, 60)
      }…`,
    );
  }
  await Deno.mkdir(dirname(path), { recursive: true });
  await Deno.writeTextFile(path, start);
}

/** Options of {@link svgToPng}. */
export interface PngOptions {
  /** Output width in px (height keeps the aspect ratio). Default: the SVG's own width. */
  width?: number;
  /** Background colour; SVGs from Plot are transparent. Default "white". */
  background?: string;
  /** The converter to run (default "rsvg-convert" on PATH). */
  command?: string;
}

/**
 * Converts an SVG string to a PNG file at `pngPath` with `rsvg-convert`.
 * Throws a clear error when the converter is missing or rejects the SVG.
 */
export async function svgToPng(
  svg: string,
  pngPath: string,
  options: PngOptions = {},
): Promise<void> {
  const command = options.command ?? "rsvg-convert";
  const args = [
    "--format",
    "png",
    "--background-color",
    options.background ?? "white",
  ];
  if (options.width !== undefined) args.push("--width", String(options.width));
  await Deno.mkdir(dirname(pngPath), { recursive: true });
  args.push("--output", pngPath);
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(command, {
      args,
      stdin: "piped",
      stdout: "null",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `svgToPng(${pngPath}): "${command}" not found; install Debian's librsvg2-bin (./tunebook installs it)`,
      );
    }
    throw error;
  }
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(svg));
  await writer.close();
  const { code, stderr } = await child.output();
  if (code !== 0) {
    throw new Error(
      `svgToPng(${pngPath}): ${command} exited with ${code}: ${
        new TextDecoder().decode(stderr).trim()
      }`,
    );
  }
}
