/**
 * `deno task answer`'s question sources beside data files: a .txt file of
 * one question per line (also as `--batch`, ee596-fp's spelling), the
 * built-in examples by category, and the domain assistants — each answered
 * exactly as the same questions in a file are, and every conflicting or
 * unknown choice refused in one line naming the flag.
 */
import assert from "node:assert/strict";
import { DOMAINS, domainSystemPrompt } from "../../lib/chat/domains.ts";
import { EXAMPLE_PROBLEMS } from "../../lib/chat/examples.ts";
import { initEngine } from "../../lib/engine/mod.ts";
import { writeTinyChatModel } from "../helpers/chat_model.ts";
import { pool, runScript, type ScriptRun } from "../helpers/run_script.ts";

await initEngine({ verbose: false });
const dir = await Deno.makeTempDir({ prefix: "answer_inputs_" });
const model = await writeTinyChatModel(`${dir}/model`, {
  seed: 11,
  std: 0.2, // replies that depend on the prompt (std 0.05 gives one reply to all)
});
const GREEDY = [
  "--model",
  model,
  "--preset",
  "greedy",
  "--max-new-tokens",
  "5",
];

interface Answer {
  id: string | number;
  question: string;
  answer: string;
}

const answer = (args: string[]) => runScript("lib/cli/answer.ts", args);

function records(run: ScriptRun): Answer[] {
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout);
}

/** A file of `lines` and the same questions as JSON Lines. */
async function questionFiles(name: string, lines: string[]) {
  const txt = `${dir}/${name}.txt`;
  const jsonl = `${dir}/${name}.jsonl`;
  const questions = lines.filter((l) => l.trim() && !l.trim().startsWith("#"));
  await Deno.writeTextFile(txt, lines.join("\n") + "\n");
  await Deno.writeTextFile(
    jsonl,
    questions.map((q) => JSON.stringify({ question: q.trim() })).join("\n"),
  );
  return { txt, jsonl };
}

/** Exit 2, one stderr line naming the task and every mention, no stack. */
function assertUsage(run: ScriptRun, ...mentions: string[]) {
  assert.equal(run.code, 2, run.stderr);
  const lines = run.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, run.stderr);
  assert.ok(lines[0].startsWith("answer: "), run.stderr);
  for (const m of mentions) {
    assert.ok(lines[0].includes(m), `${m}: ${run.stderr}`);
  }
}

Deno.test("answer reads a .txt file, one question a line, as the same questions in JSONL; --batch is --questions", async () => {
  const { txt, jsonl } = await questionFiles("plain", [
    "# questions for the demo",
    "",
    "  What is 2 + 3?  ",
    "   ",
    "Why is the sky blue?",
    "#Name a colour.",
  ]);
  const [fromTxt, fromBatch, fromJsonl] = await pool(
    [["--questions", txt], ["--batch", txt], ["--questions", jsonl]],
    (args) => answer([...args, ...GREEDY]),
  );
  const txtRecords = records(fromTxt);
  assert.deepEqual(txtRecords.map((r) => [r.id, r.question]), [
    [0, "What is 2 + 3?"],
    [1, "Why is the sky blue?"],
  ]);
  assert.ok(txtRecords.some((r) => r.answer.length > 0), fromTxt.stdout);
  assert.deepEqual(records(fromBatch), txtRecords);
  assert.deepEqual(records(fromJsonl), txtRecords);
});

Deno.test("answer refuses a .txt file without questions, and a line too long for the context, by file and line", async () => {
  const empty = `${dir}/empty.txt`;
  await Deno.writeTextFile(empty, "# nothing yet\n\n");
  const long = `${dir}/long.txt`;
  await Deno.writeTextFile(long, `What is 2 + 2?\n\n${"moon ".repeat(500)}\n`);
  const [none, tooLong] = await pool(
    [empty, long],
    (file) => answer(["--batch", file, "--model", model]),
  );
  assert.equal(none.code, 1, none.stderr);
  assert.equal(
    none.stderr.trimEnd(),
    `answer: ${empty}: no questions (every line is blank or a # comment); write one question per line`,
  );
  assert.equal(tooLong.code, 1, tooLong.stderr);
  assert.equal(tooLong.stderr.trimEnd().split("\n").length, 1, tooLong.stderr);
  assert.ok(
    tooLong.stderr.includes(`${long} line 3: the question`),
    tooLong.stderr,
  );
});

Deno.test("answer --examples CATEGORY answers the built-in problems as a file of them", async () => {
  const logic = EXAMPLE_PROBLEMS.logic.map((p) => p.question);
  const { txt } = await questionFiles("logic", logic);
  const [examples, file, all] = await pool(
    [["--examples", "logic"], ["--questions", txt], [
      "--examples",
      "--max-new-tokens",
      "1",
    ]],
    (args) => answer([...GREEDY, ...args]),
  );
  const got = records(examples);
  assert.deepEqual(got.map((r) => r.id), ["logic-1", "logic-2", "logic-3"]);
  assert.deepEqual(got.map((r) => r.question), logic);
  assert.deepEqual(
    got.map((r) => r.answer),
    records(file).map((r) => r.answer),
  );
  // Without a category: every category, in order.
  const ids = records(all).map((r) => String(r.id).split("-")[0]);
  assert.deepEqual([...new Set(ids)], [
    "math",
    "logic",
    "science",
    "coding",
    "general",
  ]);
});

Deno.test("answer --domain: its system prompt, its examples with --examples, and its safety note once", async () => {
  const medical = DOMAINS.medical;
  const { txt } = await questionFiles("medical", [...medical.examples]);
  const [domain, explicit, coding] = await pool(
    [
      ["--examples", "--domain", "medical"],
      ["--batch", txt, "--system", domainSystemPrompt(medical)],
      ["--batch", txt, "--domain", "coding"],
    ],
    (args) => answer([...GREEDY, ...args]),
  );
  const got = records(domain);
  assert.deepEqual(got.map((r) => r.id), [
    "medical-1",
    "medical-2",
    "medical-3",
  ]);
  assert.deepEqual(
    got.map((r) => r.answer),
    records(explicit).map((r) => r.answer),
  );
  assert.equal(domain.stderr.split(medical.safety).length, 2, domain.stderr);
  assert.match(
    domain.stderr,
    /^note: This is general information, not professional medical advice/m,
  );
  // Coding has no note, and its prompt changes what the model writes.
  assert.doesNotMatch(coding.stderr, /note: .*advice/);
  assert.notDeepEqual(
    records(coding).map((r) => r.answer),
    records(explicit).map((r) => r.answer),
  );
});

Deno.test("answer: unknown or conflicting question flags are one line naming them, exit 2", async () => {
  const cases: [string[], string[]][] = [
    [["--examples", "physics"], [
      "--examples",
      '"physics"',
      "math, logic, science, coding, general",
    ]],
    [["--examples", "--domain", "law"], [
      "--domain",
      '"law"',
      "medical, legal, coding, finance, education",
    ]],
    [["--examples", "--domain", "legal", "--system", "Be brief."], [
      "--domain legal",
      "--system",
    ]],
    [["--questions", "a.txt", "--batch", "b.txt"], ["--batch", "--questions"]],
    [["--batch", "a.txt", "--examples"], ["--examples", "--batch"]],
    [["--examples", "math", "--domain", "finance"], [
      "--examples math",
      "--domain finance",
    ]],
    [[], ["--questions FILE", "--examples"]],
  ];
  const runs = await pool(
    cases,
    ([args]) => answer(["--model", model, ...args]),
  );
  cases.forEach(([, mentions], i) => assertUsage(runs[i], ...mentions));
});

Deno.test("answer --help names the .txt format, --batch, --examples [CATEGORY] and --domain", async () => {
  const help = await answer(["--help"]);
  assert.equal(help.code, 0, help.stderr);
  assert.match(
    help.stdout,
    /--questions FILE +questions file: \.txt \(one question a line/,
  );
  assert.match(help.stdout, /--batch FILE +the same as --questions/);
  assert.match(help.stdout, /--examples \[CATEGORY\] /);
  assert.match(
    help.stdout,
    /--domain medical\|legal\|coding\|finance\|education /,
  );
});
