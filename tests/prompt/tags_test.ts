import assert from "node:assert/strict";
import { extractTagged, isStrictFormat } from "../../lib/prompt/tags.ts";

const MULTILINE =
  "<think>\nStep 1: 3 * 4 = 12.\nStep 2: 12 + 1 = 13.\n</think>\n<answer>\n13\n</answer>";

Deno.test("strict format: the whole completion, newlines allowed, each tag once", () => {
  const cases: [string, boolean][] = [
    [MULTILINE, true],
    ["<think>short</think><answer>13</answer>", true],
    ["  <think>a</think>\n\n<answer>b</answer>\n", true],
    ["Sure! <think>a</think><answer>b</answer>", false],
    ["<think>a</think><answer>b</answer> Hope this helps.", false],
    ["<think>a</think><answer>1</answer><answer>2</answer>", false],
    ["<think>a<think>b</think></think><answer>1</answer>", false],
    ["<think>a</think><answer>  </answer>", false],
    ["<answer>1</answer><think>a</think>", false],
    ["<think>a</think>text<answer>1</answer>", false],
    ["<THINK>a</THINK><answer>1</answer>", false],
  ];
  for (const [text, want] of cases) {
    assert.equal(isStrictFormat(text, "think"), want, text);
  }
  assert.equal(
    isStrictFormat(
      "<reasoning>r\nr</reasoning><answer>7</answer>",
      "reasoning",
    ),
    true,
  );
  assert.equal(
    isStrictFormat("<think>r</think><answer>7</answer>", "reasoning"),
    false,
  );
  assert.throws(
    () => isStrictFormat("x", "thinking" as never),
    /unknown tag style "thinking"/,
  );
});

Deno.test("extractTagged returns the first or last block, trimmed, across lines", () => {
  const text = "<answer> 1 </answer> then <answer>\n2\n</answer>";
  assert.equal(extractTagged(text, "answer"), "1");
  assert.equal(extractTagged(text, "answer", { last: true }), "2");
  assert.equal(
    extractTagged(MULTILINE, "think"),
    "Step 1: 3 * 4 = 12.\nStep 2: 12 + 1 = 13.",
  );
  assert.equal(extractTagged("<answer>unclosed", "answer"), null);
  assert.throws(() => extractTagged("x", "a|b"), /invalid tag name/);
});
