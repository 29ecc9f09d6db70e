import assert from "node:assert/strict";
import {
  formatSafetyJsonl,
  readSafetyJsonl,
  SAFETY_CATEGORIES,
  SAFETY_KEYS,
  type SafetyRow,
} from "../../lib/data/safety_rows.ts";
import {
  buildSafetySplits,
  normalisePrompt,
  parseSafetySource,
} from "../../lib/data/safety_build.ts";
import {
  ACTIONABLE_DENYLIST,
  actionableMarkers,
  compliancePhrase,
  isRefusal,
  refusalPhrase,
} from "../../lib/data/safety_checks.ts";
import { loadTokenizer } from "../../lib/tokenizer/mod.ts";
import { countWords } from "../../lib/util/sentences.ts";

// Checks data/safety/{train,eval}.jsonl, the hand-written safety preference
// set (harmful requests: refuse; benign requests that sound risky: help), and
// the builder and text checks behind it (lib/data/safety_*.ts).

const dataPath = (split: string) =>
  new URL(`../../data/safety/${split}.jsonl`, import.meta.url).pathname;
const train = readSafetyJsonl(dataPath("train"));
const evalRows = readSafetyJsonl(dataPath("eval"));
const all = [...train, ...evalRows];
const splits = [["train", train], ["eval", evalRows]] as const;
const tiny = await loadTokenizer(
  new URL("../../checkpoints/tiny-base", import.meta.url).pathname,
);

/** The longest prompt + answer allowed, in tiny-base tokens (context 256). */
const TOKEN_BUDGET = 200;

const of = (kind: SafetyRow["kind"]) => all.filter((r) => r.kind === kind);
const opening = (text: string) =>
  text.toLowerCase().split(/\s+/).slice(0, 3).join(" ");

Deno.test("safety rows: documented keys, kinds, categories and ids", () => {
  for (const [split, rows] of splits) {
    rows.forEach((row, i) => {
      const where = `data/safety/${split}.jsonl:${i + 1}`;
      assert.deepEqual(Object.keys(row), [...SAFETY_KEYS], `${where}: keys`);
      assert.match(row.topic, /^[a-z0-9]+(-[a-z0-9]+)*$/, `${where}: topic`);
      assert.match(row.id, new RegExp(`^${row.topic}-[1-9]$`), `${where}: id`);
      assert.ok(["harmful", "benign"].includes(row.kind), where);
      assert.ok(
        (SAFETY_CATEGORIES as readonly string[]).includes(row.category),
        where,
      );
      for (const key of ["prompt", "chosen", "rejected"] as const) {
        const text = row[key];
        assert.equal(text, text.trim(), `${where}: ${key} untrimmed`);
        assert.doesNotMatch(text, /\n|\s{2,}/, `${where}: ${key} spacing`);
      }
      assert.notEqual(row.chosen, row.rejected, `${where}: chosen = rejected`);
    });
  }
  assert.equal(new Set(all.map((r) => r.id)).size, all.length, "ids repeat");
});

Deno.test("safety counts: ≥ 400 train and ≥ 100 eval, kinds balanced, every category × kind in both splits", () => {
  assert.ok(train.length >= 400, `train has ${train.length}`);
  assert.ok(evalRows.length >= 100, `eval has ${evalRows.length}`);
  for (const [split, rows] of splits) {
    const harmful = rows.filter((r) => r.kind === "harmful").length;
    const share = harmful / rows.length;
    assert.ok(share >= 0.45 && share <= 0.55, `${split}: harmful ${share}`);
    for (const category of SAFETY_CATEGORIES) {
      for (const kind of ["harmful", "benign"] as const) {
        const n = rows.filter((r) =>
          r.category === category && r.kind === kind
        ).length;
        const want = split === "train" ? 10 : 3;
        assert.ok(n >= want, `${split} ${category} ${kind}: ${n} rows`);
      }
    }
  }
});

Deno.test("safety splits share no topic; a topic has one kind and one category; no prompt repeats", () => {
  const trainTopics = new Set(train.map((r) => r.topic));
  for (const r of evalRows) {
    assert.ok(!trainTopics.has(r.topic), `topic in both splits: ${r.topic}`);
  }
  const topicOf = new Map<string, string>();
  for (const r of all) {
    const sig = `${r.kind}/${r.category}`;
    const seen = topicOf.get(r.topic);
    assert.ok(seen === undefined || seen === sig, `${r.topic}: ${seen} ${sig}`);
    topicOf.set(r.topic, sig);
  }
  const prompts = all.map((r) => normalisePrompt(r.prompt));
  assert.equal(new Set(prompts).size, all.length, "a prompt repeats");
  // Every reply was written for its row: none is reused anywhere.
  for (const key of ["chosen", "rejected"] as const) {
    const texts = all.map((r) => r[key]);
    assert.equal(new Set(texts).size, texts.length, `a ${key} text repeats`);
  }
});

Deno.test("safety texts fit tiny-base: prompt + each answer ≤ 200 tokens with its chat template, prompt ≤ 40 words, answers ≤ 60", () => {
  let longest = 0;
  for (const r of all) {
    assert.ok(countWords(r.prompt) <= 40, `${r.id}: prompt too long`);
    for (const key of ["chosen", "rejected"] as const) {
      assert.ok(countWords(r[key]) <= 60, `${r.id}: ${key} too long`);
      const ids = tiny.encodeChat([
        { role: "user", content: r.prompt },
        { role: "assistant", content: r[key] },
      ]);
      longest = Math.max(longest, ids.length);
      assert.ok(
        ids.length <= TOKEN_BUDGET,
        `${r.id}: prompt + ${key} = ${ids.length} tokens`,
      );
    }
  }
  // Sanity: the count includes the template (two turns of ChatML).
  assert.ok(longest > 100, `longest pair only ${longest} tokens`);
});

Deno.test("harmful rows: chosen refuses and offers more; rejected agrees and passes the actionable-detail denylist", () => {
  for (const r of of("harmful")) {
    assert.ok(isRefusal(r.chosen), `${r.id}: chosen does not refuse`);
    // A refusal plus an alternative: at least two sentences.
    const sentences = r.chosen.split(/[.!?;](?:\s|$)/).filter((s) => s.trim());
    assert.ok(sentences.length >= 2, `${r.id}: chosen offers no alternative`);
    assert.ok(!isRefusal(r.rejected), `${r.id}: rejected refuses`);
    assert.ok(compliancePhrase(r.rejected), `${r.id}: rejected not eager`);
    assert.deepEqual(
      actionableMarkers(r.rejected),
      [],
      `${r.id}: rejected reply "${r.rejected}"`,
    );
  }
});

Deno.test("benign rows: chosen helps without refusing; rejected is a needless refusal", () => {
  for (const r of of("benign")) {
    assert.equal(
      refusalPhrase(r.chosen),
      null,
      `${r.id}: chosen refuses: ${r.chosen}`,
    );
    assert.ok(countWords(r.chosen) >= 20, `${r.id}: chosen too thin`);
    assert.ok(isRefusal(r.rejected), `${r.id}: rejected does not refuse`);
  }
});

Deno.test("length does not give the answer away: chosen is the longer reply in 40–60 % of each split's pairs of each kind", () => {
  // Refusals and eager replies are naturally short and helpful answers long;
  // half the harmful rejected replies are long-winded eagerness and half the
  // benign ones long-winded over-refusals, so a scorer that prefers the longer
  // reply gets about chance.
  const tokens = (text: string) =>
    tiny.encode(text, { addSpecialTokens: false }).length;
  for (const [split, rows] of splits) {
    for (const kind of ["harmful", "benign"] as const) {
      const pairs = rows.filter((r) => r.kind === kind);
      const longer = pairs.filter((r) =>
        tokens(r.chosen) > tokens(r.rejected)
      ).length;
      const share = longer / pairs.length;
      assert.ok(
        share >= 0.4 && share <= 0.6,
        `${split} ${kind}: chosen longer in ${longer} of ${pairs.length}`,
      );
    }
  }
});

Deno.test("replies are varied: no three-word opening starts more than a fifth of a reply type", () => {
  for (const kind of ["harmful", "benign"] as const) {
    for (const key of ["chosen", "rejected"] as const) {
      const texts = of(kind).map((r) => r[key]);
      const counts = new Map<string, number>();
      for (const t of texts) {
        counts.set(opening(t), (counts.get(opening(t)) ?? 0) + 1);
      }
      const [top, n] = [...counts].sort((a, b) => b[1] - a[1])[0];
      assert.ok(
        n <= texts.length / 5,
        `${kind} ${key}: "${top}" opens ${n} of ${texts.length}`,
      );
      assert.ok(counts.size >= 30, `${kind} ${key}: ${counts.size} openings`);
    }
  }
});

Deno.test("the denylist catches each form of actionable detail and passes vague eagerness", () => {
  // One slip per group, in the shape a careless rejected reply would take.
  const slips: [string, string][] = [
    ["digits", "Sure! You only need 3 of them and it works."],
    ["number words", "Sure, it takes two people and no time at all."],
    ["list and step markers", "Sure! First you get everything ready."],
    ["list and step markers", "Great, here's what you need: patience."],
    ["list and step markers", "Easy.\n- gather things\n- wait"],
    ["units and measures", "Sure, leave it for a few hours and it's done."],
    ["units and measures", "Of course, a couple of pills does it."],
    ["procedure verbs", "Sure, just mix them together and wait."],
    ["procedure verbs", "Great, you'll need to disable the alarm."],
    ["substances and materials", "Sure, bleach works well for that."],
    ["substances and materials", "Of course, a length of pipe is the base."],
    ["tools and software", "Sure, a keylogger makes this easy."],
    ["tools and software", "Great, grab some bolt cutters and go."],
    ["tools and software", "Sure, a quick script handles the rest."],
    ["evasion tips", "Sure, wear gloves so nobody can tell."],
    ["evasion tips", "Of course, pay in cash and you're fine."],
    ["targets", "Sure, a school is the easiest place."],
    ["targets", "Great, elderly people fall for it most."],
  ];
  for (const [group, text] of slips) {
    const hits = actionableMarkers(text).map((h) => h.group);
    assert.ok(hits.includes(group), `${group} missed in "${text}": ${hits}`);
  }
  const vague = [
    "Sure, happy to help with that! It takes careful planning and patience.",
    "Absolutely, it's easier than people think. I'll help you get it right.",
    "Oh, that's a fun project. Let me know when you're ready.",
  ];
  for (const text of vague) assert.deepEqual(actionableMarkers(text), [], text);
  // Every group is exercised above and explains itself.
  for (const g of ACTIONABLE_DENYLIST) {
    assert.ok(slips.some(([group]) => group === g.group), g.group);
    assert.ok(g.why.length > 10 && g.pattern.flags.includes("g"), g.group);
  }
});

Deno.test("refusal and compliance phrases: first-person refusals only", () => {
  const refusals = [
    "I can't help with that.",
    "Sorry, I won’t discuss it.",
    "I'm not able to give advice on archery.",
    "That's not something I can help with.",
    "Shooting drills aren't something I can help with.",
    "Animal fighting isn't something I'll discuss.",
    "I'd rather not talk about propaganda.",
    "Sorry, I don't explain chemical reactions.",
    "I must decline.",
    "I have to say no to this one.",
  ];
  for (const t of refusals) assert.ok(isRefusal(t), t);
  const helpful = [
    "You can't win a lottery you never entered.",
    "If it says Python isn't found, install it.",
    "Rules differ in other countries, so ask a local pharmacist.",
    "The company can't read your vault.",
  ];
  for (const t of helpful) assert.equal(refusalPhrase(t), null, t);
  assert.equal(compliancePhrase("Sure, it's easy."), "Sure");
  assert.equal(compliancePhrase("The weather is nice."), null);
});

Deno.test("the committed JSONL equals the builder's output from data/safety/source", () => {
  const built = buildSafetySplits();
  assert.equal(
    Deno.readTextFileSync(dataPath("train")),
    formatSafetyJsonl(built.train),
  );
  assert.equal(
    Deno.readTextFileSync(dataPath("eval")),
    formatSafetyJsonl(built.eval),
  );
});

Deno.test("source and JSONL errors name the file, line and field", () => {
  const good =
    "## some-topic | benign | train\nP: Why?\nC: Because.\nR: I can't say.\n";
  const rows = parseSafetySource(good, "hate", "x.txt");
  assert.deepEqual(rows.map((r) => [r.split, r.row.id]), [[
    "train",
    "some-topic-1",
  ]]);
  assert.throws(
    () => parseSafetySource("## some-topic | benign | test\n", "hate", "x.txt"),
    /x\.txt:1: header must be/,
  );
  assert.throws(
    () =>
      parseSafetySource(
        "## t | benign | train\nP: a\nC: b\n\n",
        "hate",
        "x.txt",
      ),
    /x\.txt:2: a row needs P:, C: and R: lines/,
  );
  assert.throws(
    () =>
      parseSafetySource(
        "## t | benign | train\nP: a\nC: b\nR: b\n",
        "hate",
        "x.txt",
      ),
    /x\.txt:2: fields "chosen" and "rejected" are identical/,
  );
  assert.throws(
    () => parseSafetySource("## t | benign | train\nQ: a\n", "hate", "x.txt"),
    /x\.txt:2: expected "P: ", "C: " or "R: "/,
  );
  const dir = Deno.makeTempDirSync();
  try {
    const row = JSON.parse(formatSafetyJsonl([train[0]]));
    const lines = [
      JSON.stringify(row),
      JSON.stringify({ ...row, kind: "risky" }),
    ];
    Deno.writeTextFileSync(`${dir}/a.jsonl`, lines.join("\n") + "\n");
    assert.throws(
      () => readSafetyJsonl(`${dir}/a.jsonl`),
      /a\.jsonl:2: field "kind" must be "harmful" or "benign", got "risky"/,
    );
    const { rejected: _, ...noRejected } = row;
    Deno.writeTextFileSync(`${dir}/b.jsonl`, JSON.stringify(noRejected) + "\n");
    assert.throws(
      () => readSafetyJsonl(`${dir}/b.jsonl`),
      /b\.jsonl:1: field "rejected" must be a non-empty string/,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
