/**
 * Format rewards for tagged reasoning: `<think>…</think><answer>…</answer>`
 * (R1 style, finetuned-llama) and `<reasoning>…</reasoning><answer>…</answer>`
 * (ee596-fp).
 *
 * ```ts
 * strictFormatReward("think");      // 1 when the whole completion is the format
 * approximateFormatReward("reasoning"); // 0.25 per tag that occurs exactly once
 * ```
 *
 * The tags themselves and their parsing live in lib/prompt/tags.ts.
 *
 * The reference projects' rewards are kept as named functions for parity.
 *
 * @module
 */
import {
  isStrictFormat,
  occurrences,
  tagsOf,
  type TagStyle,
} from "../prompt/tags.ts";
import { PY_WHITESPACE, pyLen, pyStrip } from "./text.ts";
import { perSampleReward, type RewardFunction } from "./types.ts";

/** 1 when {@link isStrictFormat}, else 0. */
export function strictFormatReward(style: TagStyle = "think"): RewardFunction {
  const { reasoning: r, answer: a } = tagsOf(style);
  return perSampleReward({
    name: `format_strict_${style}`,
    range: [0, 1],
    description:
      `1 when the completion is exactly <${r}>…</${r}> <${a}>…</${a}> (newlines allowed, each tag once, non-blank answer), else 0`,
    scoreSample: (s) => isStrictFormat(s.completion, style) ? 1 : 0,
  });
}

/**
 * Partial credit: 0.25 for each of the four tags that occurs exactly once
 * (the per-tag counting of the Unsloth/Tunix GRPO notebooks that ee596-fp
 * follows, rescaled to [0, 1]; they give ±0.5 per tag).
 */
export function approximateFormatReward(
  style: TagStyle = "think",
): RewardFunction {
  const { reasoning: r, answer: a } = tagsOf(style);
  const tags = [`<${r}>`, `</${r}>`, `<${a}>`, `</${a}>`];
  return perSampleReward({
    name: `format_approx_${style}`,
    range: [0, 1],
    description: `0.25 for each of ${
      tags.join(" ")
    } that occurs exactly once in the completion`,
    scoreSample: (s) =>
      tags.filter((t) => occurrences(s.completion, t) === 1).length / 4,
  });
}

/**
 * ee596-fp's training `match_format_reward`: 2.0 if `<reasoning>.*?</reasoning>
 * .*?<answer>.*?</answer>` is found anywhere (DOTALL), else 0.5 if
 * `<reasoning>` or `<answer>` appears, else −1.0.
 */
export function ee596MatchFormatReward(): RewardFunction {
  const pattern = /<reasoning>.*?<\/reasoning>.*?<answer>.*?<\/answer>/s;
  return perSampleReward({
    name: "ee596_match_format",
    range: [-1, 2],
    description:
      "ee596-fp's match_format_reward: 2 for <reasoning>…</reasoning>…<answer>…</answer> anywhere, 0.5 if an opening tag appears, else -1",
    scoreSample: (s) =>
      pattern.test(s.completion) ? 2 : s.completion.includes("<reasoning>") ||
          s.completion.includes("<answer>")
        ? 0.5
        : -1,
  });
}

/**
 * ee596-fp's `format_reward` (src/utils.py): for the first reasoning and
 * answer blocks, stripped, +1 each when non-empty (else −1), +0.5 if the
 * reasoning is longer than 50 characters, +0.5 if the answer is shorter
 * than 100. Range [−2, 3] (its docstring says −2..+2).
 */
export function ee596TagFormatReward(): RewardFunction {
  const block = (text: string, tag: string) => {
    const m = new RegExp(`<${tag}>(.*?)</${tag}>`, "s").exec(text);
    return m ? pyStrip(m[1]) : "";
  };
  return perSampleReward({
    name: "ee596_format",
    range: [-2, 3],
    description:
      "ee596-fp's format_reward: ±1 per non-empty <reasoning>/<answer> block, +0.5 for reasoning over 50 chars, +0.5 for an answer under 100 chars",
    scoreSample: (s) => {
      const reasoning = block(s.completion, "reasoning");
      const answer = block(s.completion, "answer");
      let score = 0;
      if (reasoning) score += pyLen(reasoning) > 50 ? 1.5 : 1;
      else score -= 1;
      if (answer) score += pyLen(answer) < 100 ? 1.5 : 1;
      else score -= 1;
      return score;
    },
  });
}

/**
 * finetuned-llama's `reward_format`, bug for bug: Python's
 * `re.match(r"^<think>.*?</think>\s*<answer>.*?</answer>$", text)` without
 * DOTALL, so `.` stops at `\n` (a multi-line completion fails) and `$` also
 * matches before one final `\n`. Kept to reproduce finetuned-llama's curves only.
 */
export function finetunedLlamaFormatReward(): RewardFunction {
  const pattern = new RegExp(
    `^<think>[^\\n]*?</think>[${PY_WHITESPACE}]*<answer>[^\\n]*?</answer>\\n?$`,
    "u",
  );
  return perSampleReward({
    name: "finetuned_llama_format",
    range: [0, 1],
    description:
      "finetuned-llama's reward_format, including its missing DOTALL (newlines inside the tags fail); for parity only",
    scoreSample: (s) => pattern.test(s.completion) ? 1 : 0,
  });
}
