/**
 * How far a generation server's log-probs are from the trainer's own, TRL's
 * `sampling/sampling_logp_difference/mean` and `/max`: |server − local|
 * over every completion token of the step. The server reports the raw
 * log-softmax of its logits (vLLM's default `raw_logprobs`; tunebook's
 * server likewise), so the local side is scored at temperature 1 whatever
 * the sampling temperature. Diagnostic only, as in TRL without importance
 * sampling: the loss uses the local log-probs. Near 0 says the server runs
 * the policy the trainer trains; a jump says the adapter did not arrive,
 * or the server serves another base model.
 *
 * @module
 */
import { promptCompletionBatch } from "../model/batch.ts";
import type { CausalLM } from "../model/decoder.ts";
import { scoreBatch } from "../model/score.ts";
import type { Rollout } from "./rollout.ts";

/** TRL's metric names. */
export const LOGP_DIFFERENCE_MEAN = "sampling/sampling_logp_difference/mean";
export const LOGP_DIFFERENCE_MAX = "sampling/sampling_logp_difference/max";

/**
 * The two metrics for the rollouts that carry server log-probs ({} when
 * none does). `local(i)`, when given, is rollout i's completion log-probs
 * at temperature 1 already computed; otherwise `model` (the policy as it
 * sampled) scores them, `chunk` sequences per forward pass.
 */
export function samplingLogpDifference(
  rollouts: readonly Rollout[],
  options: {
    model: CausalLM;
    padId: number;
    chunk: number;
    local?: (index: number) => ArrayLike<number>;
  },
): Record<string, number> {
  const served = rollouts.map((r, i) => ({ r, i })).filter(({ r }) =>
    r.samplingLogps !== undefined
  );
  if (served.length === 0) return {};
  const local = new Map<number, ArrayLike<number>>();
  if (options.local) {
    for (const { i } of served) local.set(i, options.local(i));
  } else {
    for (let start = 0; start < served.length; start += options.chunk) {
      const rows = served.slice(start, start + options.chunk);
      const batch = promptCompletionBatch(
        rows.map(({ r }) => r),
        options.padId,
      );
      const grid = scoreBatch(options.model, batch);
      rows.forEach(({ r, i }, k) => {
        const at = k * (batch.length - 1) + r.promptIds.length - 1;
        local.set(i, grid.subarray(at, at + r.completionIds.length));
      });
    }
  }
  let sum = 0, max = 0, count = 0;
  for (const { r, i } of served) {
    const mine = local.get(i)!;
    r.samplingLogps!.forEach((lp, t) => {
      const d = Math.abs(lp - mine[t]);
      sum += d;
      max = Math.max(max, d);
      count++;
    });
  }
  return count === 0
    ? {}
    : { [LOGP_DIFFERENCE_MEAN]: sum / count, [LOGP_DIFFERENCE_MAX]: max };
}
