/** The experiment files of configs/, for the alignment tests. */
import { repoPath } from "../../lib/util/paths.ts";

/** The configs/ folder. */
export const CONFIGS = repoPath("configs");

/** The experiment files of configs/ (not the defaults), sorted. */
export function experimentFiles(): string[] {
  return [...Deno.readDirSync(CONFIGS)]
    .map((e) => e.name)
    .filter((n) => n.endsWith(".yml") && n !== "defaults.yml")
    .sort();
}
