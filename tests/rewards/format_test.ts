import assert from "node:assert/strict";
import {
  approximateFormatReward,
  ee596MatchFormatReward,
  ee596TagFormatReward,
  finetunedLlamaFormatReward,
  strictFormatReward,
} from "../../lib/rewards/format.ts";
import type { RewardFunction } from "../../lib/rewards/types.ts";

const run = (fn: RewardFunction, completions: string[]) =>
  fn.score(
    completions.map((completion) => ({ prompt: "q", completion, columns: {} })),
  );

const MULTILINE =
  "<think>\nStep 1: 3 * 4 = 12.\nStep 2: 12 + 1 = 13.\n</think>\n<answer>\n13\n</answer>";

Deno.test("strict and approximate rewards", async () => {
  const strict = strictFormatReward("think");
  assert.equal(strict.name, "format_strict_think");
  assert.deepEqual(await run(strict, [MULTILINE, "<answer>13</answer>"]), [
    1,
    0,
  ]);
  const approx = approximateFormatReward("reasoning");
  assert.deepEqual(
    await run(approx, [
      "<reasoning>r</reasoning><answer>a</answer>",
      "<reasoning>r</reasoning><answer>a",
      "<reasoning>r</reasoning><reasoning>r</reasoning><answer>a</answer>",
      "no tags at all",
    ]),
    [1, 0.75, 0.5, 0],
  );
});

Deno.test("finetuned-llama's reward_format keeps its missing DOTALL, for parity", async () => {
  const fn = finetunedLlamaFormatReward();
  assert.deepEqual(
    await run(fn, [
      "<think>a</think> <answer>b</answer>",
      MULTILINE, // fails in finetuned-llama: `.` stops at newlines
      "<think>a</think>\n<answer>b</answer>", // \s* between the blocks may span lines
      "<think>a</think><answer>b</answer>\n", // Python's $ matches before a final \n
      "<think>a</think><answer>b</answer>\n\n",
      "<think>a\rb</think><answer>c</answer>", // Python's . matches \r
      " <think>a</think><answer>b</answer>",
    ]),
    [1, 0, 1, 1, 0, 1, 0],
  );
  assert.deepEqual(
    await run(strictFormatReward(), [MULTILINE]),
    [1],
    "fixed here",
  );
});

Deno.test("ee596-fp's two format rewards", async () => {
  assert.deepEqual(
    await run(ee596MatchFormatReward(), [
      "Let me see. <reasoning>r\nr</reasoning> so <answer>a</answer> done",
      "<answer>only an answer",
      "<reasoning>unclosed",
      "plain text",
    ]),
    [2, 0.5, 0.5, -1],
  );
  const long = "x".repeat(60);
  assert.deepEqual(
    await run(ee596TagFormatReward(), [
      `<reasoning>${long}</reasoning><answer>42</answer>`,
      "<reasoning>short</reasoning><answer>42</answer>",
      "plain text",
      `<answer>${"y".repeat(120)}</answer>`,
      "<reasoning>   </reasoning><answer>42</answer>",
    ]),
    [3, 2.5, -2, 0, 0.5],
  );
});
