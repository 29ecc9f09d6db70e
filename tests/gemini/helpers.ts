/**
 * Shared setup of the Gemini tests: a fake server, a temporary cache folder
 * and a client with fast retries, all cleaned up afterwards.
 */
import {
  GeminiClient,
  type GeminiClientOptions,
} from "../../lib/gemini/mod.ts";
import { FakeGemini } from "./fake_gemini.ts";

/** The key the tests use; it must never show up in outputs. */
export const TEST_KEY = "AIzaTestKey-0123456789-secret_value";

/** What a test body receives. */
export interface GeminiFixture {
  fake: FakeGemini;
  cacheDir: string;
  /** Retry notices the client printed. */
  logs: string[];
  /** A client on the fake server; `options` override the fast defaults. */
  client(options?: GeminiClientOptions): GeminiClient;
}

/** Runs `body` with a fake server and a fresh cache folder. */
export async function withGemini(
  body: (fixture: GeminiFixture) => Promise<void>,
): Promise<void> {
  const fake = FakeGemini.start();
  const cacheDir = await Deno.makeTempDir({ prefix: "tunebook-gemini-" });
  const logs: string[] = [];
  try {
    await body({
      fake,
      cacheDir,
      logs,
      client: (options = {}) =>
        new GeminiClient({
          apiKey: TEST_KEY,
          baseUrl: fake.url,
          env: {},
          envFile: null,
          cache: cacheDir,
          timeoutMs: 5000,
          log: (line) => logs.push(line),
          ...options,
          retry: { initialDelayMs: 1, maxDelayMs: 1000, ...options.retry },
        }),
    });
  } finally {
    await fake.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
}

/** Every file under `dir`, read as text. */
export async function readTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) out.push(...await readTree(path));
    else out.push(await Deno.readTextFile(path));
  }
  return out;
}
