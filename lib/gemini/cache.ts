/**
 * A response cache on disk, so reruns of a Gemini evaluation cost nothing
 * and give the same row. One JSON file per request,
 * `<dir>/<2 hex>/<sha256>.json`, keyed by the SHA-256 of the canonical
 * request: model, messages, system instruction, generation options and the
 * sample index. The key, endpoint and timeouts are not part of it (they do
 * not change the answer), and the API key is never written.
 *
 * The default folder is `results/gemini-cache/` (git-ignored with the rest
 * of `results/`). Files are written atomically; a file that does not parse,
 * or whose stored request differs from the one asked for, counts as a miss
 * and is overwritten by the next answer.
 *
 * @module
 */
import { writeFileAtomic } from "../util/atomic.ts";
import type { GeminiRequest, GeminiResponse } from "./request.ts";

const FORMAT = "tunebook-gemini-cache-v1";

/** Counters of a {@link GeminiCache}. */
export interface GeminiCacheStats {
  hits: number;
  misses: number;
  writes: number;
  /** Files that existed but could not be used (corrupt or foreign). */
  invalid: number;
}

/** One cache file's content. */
interface CacheEntry {
  format: string;
  request: GeminiRequest;
  response: GeminiResponse;
  createdAt: string;
}

/** The on-disk response cache. */
export class GeminiCache {
  /** Hit, miss, write and invalid-file counts since construction. */
  readonly stats: GeminiCacheStats = {
    hits: 0,
    misses: 0,
    writes: 0,
    invalid: 0,
  };

  constructor(readonly dir: string) {}

  /** The hex SHA-256 key of a request. */
  static async key(request: GeminiRequest): Promise<string> {
    const bytes = new TextEncoder().encode(
      `${FORMAT}\n${canonicalJson(request)}`,
    );
    const digest = await crypto.subtle.digest("SHA-256", bytes);
    return [...new Uint8Array(digest)]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
  }

  /** The file a request is stored in. */
  async pathFor(request: GeminiRequest): Promise<string> {
    const key = await GeminiCache.key(request);
    return `${this.dir}/${key.slice(0, 2)}/${key}.json`;
  }

  /** The stored response, or undefined (counted as a miss). */
  async get(request: GeminiRequest): Promise<GeminiResponse | undefined> {
    const path = await this.pathFor(request);
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      this.stats.misses++;
      return undefined;
    }
    const entry = parseEntry(text);
    if (
      !entry || canonicalJson(entry.request) !== canonicalJson(request)
    ) {
      this.stats.invalid++;
      this.stats.misses++;
      return undefined;
    }
    this.stats.hits++;
    return entry.response;
  }

  /** Stores a response atomically. */
  async put(request: GeminiRequest, response: GeminiResponse): Promise<void> {
    const path = await this.pathFor(request);
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    const entry: CacheEntry = {
      format: FORMAT,
      request,
      response,
      createdAt: new Date().toISOString(),
    };
    await writeFileAtomic(path, JSON.stringify(entry, null, 2) + "\n");
    this.stats.writes++;
  }
}

function parseEntry(text: string): CacheEntry | undefined {
  try {
    const entry = JSON.parse(text) as CacheEntry;
    const ok = entry?.format === FORMAT &&
      typeof entry.response?.text === "string" &&
      typeof entry.request === "object";
    return ok ? entry : undefined;
  } catch {
    return undefined;
  }
}

/** JSON with object keys sorted and undefined fields dropped, for hashing. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map((v) => canonicalJson(v ?? null)).join(",")}]`;
  }
  if (typeof value === "object" && value !== null) {
    const fields = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) =>
        `${JSON.stringify(k)}:${
          canonicalJson((value as Record<string, unknown>)[k])
        }`
      );
    return `{${fields.join(",")}}`;
  }
  return JSON.stringify(value);
}
