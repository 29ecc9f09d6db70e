import assert from "node:assert/strict";
import {
  DEFAULT_GEMINI_MODEL,
  geminiAvailable,
  GeminiClient,
  geminiSettings,
  geminiSkipMessage,
  GeminiUnavailableError,
  requireGemini,
} from "../../lib/gemini/mod.ts";

const SKIP =
  "GEMINI_API_KEY not set (environment or .env): skipping the Gemini row";

Deno.test("no key anywhere: unavailable, with the one-line skip message", () => {
  const none = { env: {}, envFile: null };
  assert.equal(geminiAvailable(none), false);
  assert.equal(geminiSkipMessage(), SKIP);
  assert.equal(
    geminiSkipMessage("the rubric judge"),
    "GEMINI_API_KEY not set (environment or .env): skipping the rubric judge",
  );
  assert.throws(
    () => requireGemini(none),
    (e) => e instanceof GeminiUnavailableError && e.message === SKIP,
  );
  assert.throws(
    () => new GeminiClient(none),
    (e) => e instanceof GeminiUnavailableError && e.message === SKIP,
  );
});

Deno.test("the key comes from the environment first, then .env", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tunebook-gemini-env-" });
  try {
    const envFile = `${dir}/.env`;
    await Deno.writeTextFile(
      envFile,
      'GEMINI_API_KEY="from-dotenv"\nGEMINI_BASE_URL=http://127.0.0.1:9/\nGEMINI_MODEL=gemini-x\n',
    );
    const fromFile = geminiSettings({ env: {}, envFile });
    assert.equal(fromFile.apiKey, "from-dotenv");
    assert.equal(fromFile.keySource, `GEMINI_API_KEY in ${envFile}`);
    assert.equal(fromFile.baseUrl, "http://127.0.0.1:9");
    assert.equal(fromFile.model, "gemini-x");
    assert.equal(geminiAvailable({ env: {}, envFile }), true);

    const fromEnv = geminiSettings({
      env: { GEMINI_API_KEY: " from-env " },
      envFile,
    });
    assert.equal(fromEnv.apiKey, "from-env");
    assert.equal(fromEnv.keySource, "GEMINI_API_KEY");

    const missingFile = geminiSettings({
      env: {},
      envFile: `${dir}/nope.env`,
    });
    assert.equal(missingFile.apiKey, undefined);
    assert.equal(missingFile.model, DEFAULT_GEMINI_MODEL);
    assert.match(missingFile.cacheDir, /results\/gemini-cache$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a bad GEMINI_BASE_URL is an error naming the variable", () => {
  assert.throws(
    () =>
      geminiSettings({
        env: { GEMINI_BASE_URL: "localhost:80" },
        envFile: null,
      }),
    /GEMINI_BASE_URL must use http or https/,
  );
  assert.throws(
    () =>
      geminiSettings({ env: { GEMINI_BASE_URL: "not a url" }, envFile: null }),
    /GEMINI_BASE_URL must be an http\(s\) URL/,
  );
});
