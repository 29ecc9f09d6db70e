/**
 * Paired comparison of two evaluation reports on the same prompts.
 *
 * ```ts
 * const cmp = compareReports(rl, sft); // per metric: RL − SFT, per prompt
 * cmp.accuracy?.difference; // { mean, low, high }
 * cmp.accuracy?.pValue;
 * ```
 *
 * Pairing by prompt removes the prompt-to-prompt spread (some prompts are
 * easy for every model), so a paired interval is much narrower than the
 * difference of two independent intervals.
 *
 * @module
 */
import { promptText } from "../prompt/prompt.ts";
import { sampleValues } from "./evaluate.ts";
import {
  type PairedComparison,
  pairedComparison,
  type PairedOptions,
} from "./stats.ts";
import type { EvalReport } from "./types.ts";

/**
 * For every metric of `a`, {@link pairedComparison} of `a` against `b`
 * (differences A − B of per-prompt means); null for a metric no prompt has
 * in both. The reports must cover the same prompts in the same order under
 * the same study settings. Bootstrap settings default to `a`'s.
 */
export function compareReports(
  a: EvalReport,
  b: EvalReport,
  options: PairedOptions = {},
): Record<string, PairedComparison | null> {
  checkSamePrompts(a, b);
  const settings = { ...a.settings.bootstrap, ...options };
  return Object.fromEntries(a.metrics.map(({ key }) => {
    if (!b.metrics.some((m) => m.key === key)) return [key, null];
    const va = a.prompts.map((p) => sampleValues(p.samples, key));
    const vb = b.prompts.map((p) => sampleValues(p.samples, key));
    const paired = va.some((v, i) => v.length > 0 && vb[i].length > 0);
    return [key, paired ? pairedComparison(va, vb, settings) : null];
  }));
}

/**
 * Throws unless both reports scored the same prompts (id and text) in
 * order under the same study settings.
 */
export function checkSamePrompts(a: EvalReport, b: EvalReport): void {
  if (a.prompts.length !== b.prompts.length) {
    throw new Error(
      `cannot pair "${a.model}" (${a.prompts.length} prompts) with "${b.model}" (${b.prompts.length} prompts): they must be evaluated on the same prompts`,
    );
  }
  a.prompts.forEach((p, i) => {
    const q = b.prompts[i];
    if (p.id !== q.id || promptText(p.prompt) !== promptText(q.prompt)) {
      throw new Error(
        `cannot pair "${a.model}" with "${b.model}": prompt ${i} differs (${
          JSON.stringify(p.id)
        } vs ${JSON.stringify(q.id)})`,
      );
    }
  });
  const keys = new Set([
    ...Object.keys(a.settings.study),
    ...Object.keys(b.settings.study),
  ]);
  for (const key of keys) {
    const va = a.settings.study[key], vb = b.settings.study[key];
    if (va !== vb) {
      throw new Error(
        `cannot pair "${a.model}" (${key} ${va}) with "${b.model}" (${key} ${vb}): scores under different ${key} settings are not comparable`,
      );
    }
  }
}
