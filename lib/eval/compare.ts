/**
 * Paired comparison of two evaluation reports on the same prompts.
 *
 * ```ts
 * const cmp = compareReports(rl, sft); // per metric: RL − SFT, per prompt
 * cmp.haiku?.difference; // { mean, low, high }
 * cmp.haiku?.pValue;
 * ```
 *
 * Pairing by prompt removes the prompt-to-prompt spread (some topics are
 * easy for every model), so a paired interval is much narrower than the
 * difference of two independent intervals.
 *
 * @module
 */
import { promptText } from "../prompt/prompt.ts";
import {
  type PairedComparison,
  pairedComparison,
  type PairedOptions,
} from "./stats.ts";
import { sampleValues } from "./haiku.ts";
import { type EvalReport, HAIKU_METRICS, type HaikuMetric } from "./types.ts";

/**
 * For every metric, {@link pairedComparison} of `a` against `b` (differences
 * A − B of per-prompt means); null for a metric no prompt has in both.
 * The reports must cover the same prompts in the same order. Bootstrap
 * settings default to `a`'s.
 */
export function compareReports(
  a: EvalReport,
  b: EvalReport,
  options: PairedOptions = {},
): Record<HaikuMetric, PairedComparison | null> {
  checkSamePrompts(a, b);
  const settings = { ...a.settings.bootstrap, ...options };
  return Object.fromEntries(HAIKU_METRICS.map(({ key }) => {
    const va = a.prompts.map((p) => sampleValues(p.samples, key));
    const vb = b.prompts.map((p) => sampleValues(p.samples, key));
    const paired = va.some((v, i) => v.length > 0 && vb[i].length > 0);
    return [key, paired ? pairedComparison(va, vb, settings) : null];
  })) as Record<HaikuMetric, PairedComparison | null>;
}

/** Throws unless both reports scored the same prompts (text and topic) in order. */
export function checkSamePrompts(a: EvalReport, b: EvalReport): void {
  if (a.prompts.length !== b.prompts.length) {
    throw new Error(
      `cannot pair "${a.model}" (${a.prompts.length} prompts) with "${b.model}" (${b.prompts.length} prompts): they must be evaluated on the same prompts`,
    );
  }
  a.prompts.forEach((p, i) => {
    const q = b.prompts[i];
    if (p.topic !== q.topic || promptText(p.prompt) !== promptText(q.prompt)) {
      throw new Error(
        `cannot pair "${a.model}" with "${b.model}": prompt ${i} differs (topic ${
          JSON.stringify(p.topic)
        } vs ${JSON.stringify(q.topic)})`,
      );
    }
  });
  if (a.settings.embedder !== b.settings.embedder) {
    throw new Error(
      `cannot pair "${a.model}" (embedder ${a.settings.embedder}) with "${b.model}" (embedder ${b.settings.embedder}): similarities from different embedders are not comparable`,
    );
  }
  if (a.settings.counter !== b.settings.counter) {
    throw new Error(
      `cannot pair "${a.model}" (${a.settings.counter} syllables) with "${b.model}" (${b.settings.counter} syllables)`,
    );
  }
}
