/**
 * The data and small parts behind ee596-fp's demos: the example problems by
 * category, the domain assistants, question lines of a .txt file, the
 * optional value of `--examples`, chat's quit words and banner.
 */
import assert from "node:assert/strict";
import { chatBanner, isQuit } from "../../lib/chat/commands.ts";
import {
  type Domain,
  DOMAIN_NAMES,
  domainQuestions,
  DOMAINS,
  domainSystemPrompt,
  parseDomain,
} from "../../lib/chat/domains.ts";
import {
  EXAMPLE_CATEGORIES,
  EXAMPLE_PROBLEMS,
  exampleQuestions,
  parseExampleCategory,
} from "../../lib/chat/examples.ts";
import { questionLines } from "../../lib/chat/question_file.ts";
import { withOptionalExamples } from "../../lib/cli/question_flags.ts";
import { rowLocation } from "../../lib/data/rows.ts";
import {
  REASONING_FORMAT_REQUEST,
  REASONING_SYSTEM_PROMPT,
} from "../../lib/prompt/system_prompts.ts";
import { errorKind } from "../../lib/util/errors.ts";

const encode = (text: string) => new TextEncoder().encode(text);

Deno.test("example problems: five categories of a few questions, ids by category, 'all' in order", () => {
  assert.deepEqual(EXAMPLE_CATEGORIES, [
    "math",
    "logic",
    "science",
    "coding",
    "general",
  ]);
  for (const name of EXAMPLE_CATEGORIES) {
    const problems = EXAMPLE_PROBLEMS[name];
    assert.ok(problems.length >= 2 && problems.length <= 5, name);
    for (const p of problems) {
      assert.ok(p.question.trim().endsWith("?"), p.question);
      assert.ok(p.answer.trim().length > 0, p.question);
    }
  }
  const math = exampleQuestions("math");
  assert.deepEqual(math.map((q) => q.id), ["math-1", "math-2", "math-3"]);
  assert.equal(math[2].question, EXAMPLE_PROBLEMS.math[2].question);
  const all = exampleQuestions("all");
  assert.deepEqual(
    all,
    EXAMPLE_CATEGORIES.flatMap((name) => exampleQuestions(name)),
  );
  assert.equal(new Set(all.map((q) => q.id)).size, all.length);
});

Deno.test("example categories parse in any case; none or 'all' is every one; unknown lists them", () => {
  assert.equal(parseExampleCategory("Logic"), "logic");
  assert.equal(parseExampleCategory(""), "all");
  assert.equal(parseExampleCategory("all"), "all");
  assert.throws(
    () => parseExampleCategory("physics"),
    /unknown category "physics"; choose one of math, logic, science, coding, general/,
  );
});

Deno.test("the reasoning system prompt is unchanged by sharing its format request", () => {
  assert.equal(
    REASONING_SYSTEM_PROMPT,
    "You are a careful assistant. Think the question through, then reply in exactly this format:\n" +
      "<reasoning>\nyour step-by-step reasoning\n</reasoning>\n" +
      "<answer>\nyour final answer\n</answer>",
  );
});

Deno.test("domains: five assistants; medical, legal and finance carry a professional-advice note in the prompt", () => {
  assert.deepEqual(DOMAIN_NAMES, [
    "medical",
    "legal",
    "coding",
    "finance",
    "education",
  ]);
  const noted = DOMAIN_NAMES.filter((n) => "safety" in DOMAINS[n]);
  assert.deepEqual(noted, ["medical", "legal", "finance"]);
  for (const name of DOMAIN_NAMES) {
    const domain: Domain = DOMAINS[name];
    assert.equal(domain.name, name);
    const prompt = domainSystemPrompt(domain);
    assert.ok(prompt.startsWith(domain.role), name);
    assert.ok(prompt.endsWith(REASONING_FORMAT_REQUEST), name);
    if (domain.safety) {
      assert.match(domain.safety, /not professional \w+ advice: see a/);
      assert.ok(prompt.includes(domain.safety), name);
    } else assert.doesNotMatch(prompt, /professional/);
    assert.ok(domain.examples.length >= 2, name);
    assert.deepEqual(
      domainQuestions(domain).map((q) => q.id),
      domain.examples.map((_, i) => `${name}-${i + 1}`),
    );
  }
  assert.equal(parseDomain(" Legal "), DOMAINS.legal);
  assert.throws(
    () => parseDomain("law"),
    /unknown domain "law"; choose one of medical, legal, coding, finance, education/,
  );
});

Deno.test("question lines: blank and # lines skipped, trimmed, each remembering its line", () => {
  const rows = questionLines(
    encode(
      "\uFEFF# questions\r\n\r\n  What is 2 + 2?  \r\n   # indented note\n\nWhy?\n#",
    ),
    "q.txt",
  );
  assert.deepEqual(rows, [{ question: "What is 2 + 2?" }, {
    question: "Why?",
  }]);
  assert.deepEqual(rows.map((r, i) => rowLocation(r, i)), [
    "line 3",
    "line 6",
  ]);
});

Deno.test("question lines: a file without a question names the file; a bad byte names its line", () => {
  for (const text of ["", "\n\n", "# only\n  # comments\n"]) {
    assert.throws(
      () => questionLines(encode(text), "empty.txt"),
      (error: Error) =>
        errorKind(error) === "input" &&
        /^empty\.txt: no questions/.test(error.message),
    );
  }
  const bad = new Uint8Array([...encode("ok?\ncaf"), 0xe9, ...encode("?\n")]);
  assert.throws(
    () => questionLines(bad, "latin1.txt"),
    /latin1\.txt line 2: invalid UTF-8/,
  );
});

Deno.test("--examples takes the next word as its category, or none", () => {
  assert.deepEqual(withOptionalExamples(["--examples"]), ["--examples="]);
  assert.deepEqual(withOptionalExamples(["--examples", "math", "--k", "2"]), [
    "--examples=math",
    "--k",
    "2",
  ]);
  assert.deepEqual(
    withOptionalExamples(["--examples", "--domain", "legal"]),
    ["--examples=", "--domain", "legal"],
  );
  assert.deepEqual(withOptionalExamples(["--examples=logic"]), [
    "--examples=logic",
  ]);
  assert.deepEqual(withOptionalExamples(["--", "--examples", "x"]), [
    "--",
    "--examples",
    "x",
  ]);
});

Deno.test("chat ends on quit and exit in any case, bare or with a slash, and not on a message", () => {
  for (const line of ["quit", "exit", "  QUIT ", "Exit", "/quit", "/EXIT"]) {
    assert.ok(isQuit(line), JSON.stringify(line));
  }
  for (const line of ["quit smoking?", "exit?", "q", "", "/reset"]) {
    assert.ok(!isQuit(line), JSON.stringify(line));
  }
});

Deno.test("chat banner: the commands, and a domain's note once with its examples", () => {
  const plain = chatBanner({ source: "m", preset: "greedy" });
  assert.match(plain, /^chat with m \(preset greedy\)$/m);
  assert.match(plain, /quit or exit/);
  assert.doesNotMatch(plain, /note:/);
  const medical = chatBanner({
    source: "m",
    adapter: "a",
    preset: "standard",
    domain: DOMAINS.medical,
  });
  assert.match(
    medical,
    /^chat with m \+ adapter a \(preset standard\) as the Medical assistant$/m,
  );
  assert.equal(medical.split(DOMAINS.medical.safety).length, 2);
  for (const q of DOMAINS.medical.examples) assert.ok(medical.includes(q));
  const coding = chatBanner({
    source: "m",
    preset: "standard",
    domain: DOMAINS.coding,
  });
  assert.doesNotMatch(coding, /note:/);
  assert.ok(coding.includes(DOMAINS.coding.examples[0]));
});
