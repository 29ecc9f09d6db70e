import assert from "node:assert/strict";
import { parseDotenv, settingLookup } from "../../lib/util/dotenv.ts";
import { formatProgress } from "../../lib/hub/progress.ts";
import { describeSettings, hubSettings } from "../../lib/hub/settings.ts";

Deno.test(".env parsing: comments, export, quotes, escapes; bad lines name the line", () => {
  const text = [
    "# tokens",
    "HF_TOKEN=hf_abc123  # inline comment",
    "export HF_ENDPOINT = https://mirror.example/",
    `QUOTED="a b\\n\\"c\\""`,
    "SINGLE='raw \\n kept' # note",
    "HASH=abc#def",
    "EMPTY=",
    "",
  ].join("\r\n");
  assert.deepEqual(parseDotenv(text), {
    HF_TOKEN: "hf_abc123",
    HF_ENDPOINT: "https://mirror.example/",
    QUOTED: 'a b\n"c"',
    SINGLE: "raw \\n kept",
    HASH: "abc#def",
    EMPTY: "",
  });
  assert.throws(
    () => parseDotenv("A=1\nhf_secretvalue\n", "/p/.env"),
    (error: Error) => {
      assert.equal(error.message, "/p/.env:2: expected KEY=value");
      return true;
    },
  );
  assert.throws(
    () => parseDotenv('A="open', "x.env"),
    /x\.env:1: unterminated " quote/,
  );
});

Deno.test("settings: options, then the environment, then .env; token source but never the token", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tunebook-env-" });
  try {
    const envFile = `${dir}/.env`;
    await Deno.writeTextFile(
      envFile,
      "HF_TOKEN=hf_from_dotenv\nHF_ENDPOINT=https://mirror.example/\n",
    );
    const fromDotenv = hubSettings({ env: { HOME: "/home/u" }, envFile });
    assert.equal(fromDotenv.token, "hf_from_dotenv");
    assert.equal(fromDotenv.tokenSource, `HF_TOKEN in ${envFile}`);
    assert.equal(fromDotenv.endpoint, "https://mirror.example");
    assert.equal(fromDotenv.cacheDir, "/home/u/.cache/huggingface/hub");
    assert.equal(fromDotenv.offline, false);
    assert.ok(!describeSettings(fromDotenv).includes("hf_from_dotenv"));
    assert.match(
      describeSettings(fromDotenv),
      /token from HF_TOKEN in .*\.env/,
    );

    const fromEnv = hubSettings({
      env: {
        HF_TOKEN: "hf_env",
        HOME: "/home/u",
        HF_HOME: "~/hf",
        HF_HUB_OFFLINE: "1",
      },
      envFile,
    });
    assert.equal(fromEnv.token, "hf_env");
    assert.equal(fromEnv.tokenSource, "HF_TOKEN");
    assert.equal(fromEnv.cacheDir, "/home/u/hf/hub");
    assert.equal(fromEnv.offline, true);

    const explicit = hubSettings({
      env: { HF_HUB_CACHE: "/c", XDG_CACHE_HOME: "/x" },
      envFile: null,
      token: null,
    });
    assert.equal(explicit.cacheDir, "/c");
    assert.equal(explicit.token, undefined);
    assert.equal(explicit.endpoint, "https://huggingface.co");

    // `huggingface-cli login` leaves the token in $HF_HOME/token.
    await Deno.writeTextFile(`${dir}/token`, "hf_login\n");
    const login = hubSettings({ env: { HF_HOME: dir }, envFile: null });
    assert.equal(login.token, "hf_login");
    assert.equal(login.tokenSource, `${dir}/token`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("progress line: bytes, percent, speed, resume point", () => {
  const line = formatProgress({
    file: "model.safetensors",
    received: 150_000_000,
    total: 536_200_000,
    resumedFrom: 50_000_000,
    startedAt: 0,
    done: false,
  }, 10_000);
  assert.equal(
    line,
    "model.safetensors  150.0 MB / 536.2 MB (27%)  10.0 MB/s, resumed at 50.0 MB",
  );
  assert.equal(
    formatProgress({
      file: "config.json",
      received: 812,
      resumedFrom: 0,
      startedAt: 0,
      done: true,
    }, 1000),
    "config.json  812 B  812 B/s",
  );
});

Deno.test("settingLookup: the given environment first, then .env; values trimmed, blanks unset; the file read only when needed", () => {
  const dir = Deno.makeTempDirSync();
  const file = `${dir}/.env`;
  Deno.writeTextFileSync(file, "A=from-file\nB=  spaced  \nC=\n");
  try {
    const lookup = settingLookup({ A: "from-env", C: "  " }, file);
    assert.deepEqual(lookup("A"), { value: "from-env", source: "A" });
    assert.deepEqual(lookup("B"), { value: "spaced", source: `B in ${file}` });
    assert.equal(lookup("C"), null, "blank in both");
    assert.equal(lookup("D"), null);
    const noFile = settingLookup({}, `${dir}/missing/.env`);
    assert.equal(noFile("A"), null, "a missing .env is empty");
    assert.equal(settingLookup({}, null)("A"), null);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
