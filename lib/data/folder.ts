/**
 * Dataset folders on disk (a `huggingface-cli download` copy, a cached
 * snapshot): listing their files, choosing a split's files, reading them.
 *
 * @module
 */
import { chooseDataFiles, type DataFileChoice } from "./data_files.ts";
import { readRows } from "./read.ts";
import { type Row, rowLocation, setRowLocation } from "./rows.ts";

/**
 * Files below `dir` as paths relative to it, sorted, skipping hidden
 * folders (`.cache` of `--local-dir` downloads, `.git`). Symlinks (as in
 * cache snapshots) are followed.
 */
export async function listFolder(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(`${dir}/${prefix}`)) {
    if (entry.name.startsWith(".")) continue;
    const path = `${prefix}${entry.name}`;
    const stat = await Deno.stat(`${dir}/${path}`).catch(() => undefined);
    if (stat?.isDirectory) out.push(...await listFolder(dir, `${path}/`));
    else if (stat?.isFile) out.push(path);
  }
  return out.sort();
}

/** The files of `split` (and `config`) in `dir`, using its README.md card. */
export async function chooseInFolder(
  dir: string,
  source: string,
  split: string,
  config?: string,
): Promise<DataFileChoice> {
  const paths = await listFolder(dir);
  const readme = paths.includes("README.md")
    ? await Deno.readTextFile(`${dir}/README.md`)
    : undefined;
  return chooseDataFiles(paths, { split, config, readme, source });
}

/**
 * The rows of several files, in order. With more than one file, each row's
 * location names its file too ("train-00001-of-00002.parquet row 7"), with
 * as many parent folders as tell apart files of the same name
 * ("helpful-base/train.jsonl.gz line 3").
 */
export async function readAll(files: readonly string[]): Promise<Row[]> {
  const rows: Row[] = [];
  const names = distinctNames(files);
  for (const [f, file] of files.entries()) {
    const name = names[f];
    for (const [i, row] of (await readRows(file)).entries()) {
      if (files.length > 1) {
        setRowLocation(row, `${name} ${rowLocation(row, i)}`);
      }
      rows.push(row);
    }
  }
  return rows;
}

/** The shortest path endings (whole components) that differ between files. */
function distinctNames(files: readonly string[]): string[] {
  const parts = files.map((f) => f.split("/"));
  const longest = Math.max(1, ...parts.map((p) => p.length));
  for (let depth = 1; depth < longest; depth++) {
    const names = parts.map((p) => p.slice(-depth).join("/"));
    if (new Set(names).size === names.length) return names;
  }
  return [...files];
}
