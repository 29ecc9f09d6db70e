/**
 * `deno task chat` ends on the bare words `quit` and `exit` (any case,
 * spaces around ignored) as on `/quit`, `/exit` and end of input, and talks
 * as a domain assistant with `--domain`: the domain's system prompt, and
 * its safety note printed once.
 */
import assert from "node:assert/strict";
import { loadChatModel } from "../../lib/chat/load.ts";
import { DOMAINS, domainSystemPrompt } from "../../lib/chat/domains.ts";
import { ChatSession } from "../../lib/chat/session.ts";
import { initEngine } from "../../lib/engine/mod.ts";
import { writeTinyChatModel } from "../helpers/chat_model.ts";
import { pool, runScriptWithInput } from "../helpers/run_script.ts";

await initEngine({ verbose: false });
const modelDir = await writeTinyChatModel(await Deno.makeTempDir(), {
  seed: 11,
  std: 0.2, // replies that depend on the prompt (std 0.05 gives one reply to all)
});
const GREEDY = ["--preset", "greedy", "--max-new-tokens", "4"];

/** Runs chat on the tiny model with `stdin` piped. */
function chat(args: string[], stdin = "") {
  return runScriptWithInput(
    "lib/cli/chat.ts",
    ["--model", modelDir, ...args],
    stdin,
  );
}

/** The greedy replies to `messages` in one conversation, in process. */
async function replies(messages: string[], system?: string) {
  const { model, tokenizer } = await loadChatModel(modelDir);
  const session = new ChatSession(model, tokenizer, {
    preset: "greedy",
    maxNewTokens: 4,
    system,
  });
  const texts = messages.map((m) => session.reply(m));
  model.dispose();
  return texts;
}

Deno.test("chat stops at quit or exit, any case, bare or with a slash; a line that only contains the word is a message", async () => {
  const words = ["quit", "EXIT", "  Quit  ", "exit", "/exit", "/QUIT"];
  const runs = await pool(
    words,
    (word) => chat(GREEDY, `hello\nquit smoking?\n${word}\nnever answered\n`),
  );
  const [first, second] = await replies(["hello", "quit smoking?"]);
  assert.ok(first.length > 0 && second.length > 0);
  words.forEach((word, i) => {
    assert.equal(runs[i].code, 0, `${word}: ${runs[i].stderr}`);
    assert.equal(runs[i].stdout, `${first}\n${second}\n`, JSON.stringify(word));
  });
});

Deno.test("chat --domain answers with the domain's system prompt and prints its safety note once", async () => {
  const medical = DOMAINS.medical;
  const [asMedical, asCoding] = await pool(
    ["medical", "coding"],
    (name) => chat([...GREEDY, "--domain", name], "hello\n"),
  );
  assert.equal(asMedical.code, 0, asMedical.stderr);
  const [expected] = await replies(["hello"], domainSystemPrompt(medical));
  const [plain] = await replies(["hello"]);
  assert.equal(asMedical.stdout, `${expected}\n`);
  assert.notEqual(expected, plain, "the domain prompt changes the reply");
  assert.equal(asMedical.stderr, `note: ${medical.safety}\n`);
  // Coding gives no advice a professional should check: no note.
  assert.equal(asCoding.code, 0, asCoding.stderr);
  assert.equal(asCoding.stderr, "");
  const [coding] = await replies(["hello"], domainSystemPrompt(DOMAINS.coding));
  assert.equal(asCoding.stdout, `${coding}\n`);
});

Deno.test("chat refuses an unknown domain, and --domain with --system, in one line naming the flags", async () => {
  const [unknown, both] = await pool(
    [["--domain", "law"], ["--domain", "legal", "--system", "Be brief."]],
    (args) => chat(args),
  );
  for (const run of [unknown, both]) {
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr.trimEnd().split("\n").length, 1, run.stderr);
    assert.ok(run.stderr.startsWith("chat: --domain"), run.stderr);
  }
  assert.match(
    unknown.stderr,
    /unknown domain "law"; choose one of medical, legal, coding, finance, education/,
  );
  assert.match(both.stderr, /--system/);
});

Deno.test("chat --help says quit or exit leaves and lists the domains", async () => {
  const help = await chat(["--help"]);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /quit or exit leaves/);
  assert.match(
    help.stdout,
    /--domain medical\|legal\|coding\|finance\|education /,
  );
});
