/**
 * Evaluation of the TLDR experiment: the base model, the SFT adapter and
 * the SFT → GRPO adapter summarise the same eval passages with the same
 * seeds ("standard" preset, k samples, 48 new tokens at most, prompts cut
 * from the left to the window GRPO sees, 200 tokens on the default model); the trimmed summaries are
 * scored with ./metrics.ts.
 *
 * ```ts
 * const reports = await evaluateTldr(settings, adapters);
 * reports.map((r) => r.aggregate.reward?.mean);
 * ```
 *
 * @module
 */
import { readRows } from "../../data/read.ts";
import { evaluateOutputs } from "../../eval/evaluate.ts";
import { sampleCompletions } from "../../eval/generate_samples.ts";
import type { EvalReport } from "../../eval/types.ts";
import { useLiteEmbedder } from "../../rewards/use_lite.ts";
import { forEachStageModel, type StageAdapters } from "../sft_then_grpo.ts";
import { tldrMetrics, tldrScorer } from "./metrics.ts";
import { TLDR_NEW_TOKENS, tldrPrompt, type TldrSettings } from "./study.ts";

/** The row label of each stage's model. */
const LABELS = {
  base: "base",
  SFT: "SFT",
  "SFT → GRPO": "SFT → GRPO (length + similarity)",
};

/** Samples summaries of the eval passages with and without the adapters and scores them. */
export async function evaluateTldr(
  settings: TldrSettings,
  adapters: StageAdapters,
): Promise<EvalReport[]> {
  const rows = (await readRows(settings.evalData)).slice(
    0,
    settings.evalPassages,
  );
  const passages = rows.map((r) => String(r.prompt));
  const embedder = useLiteEmbedder();
  const passageVectors = await embedder.embed(passages);
  const score = tldrScorer({
    embedder,
    passageVectors,
    target: settings.target,
  });
  return await forEachStageModel(
    settings.model,
    adapters,
    async (stage, model, tokenizer) => {
      const { outputs, settings: generation } = sampleCompletions(
        model,
        tokenizer,
        passages.map(tldrPrompt),
        {
          k: settings.k,
          seed: settings.seed,
          maxNewTokens: TLDR_NEW_TOKENS,
          // Many passages are past the context; their end holds the instruction.
          maxPromptLength: settings.maxPromptLength,
          sampling: "standard",
        },
      );
      return await evaluateOutputs(
        outputs.map((o, i) => ({
          prompt: o.prompt,
          id: String(rows[i].id ?? i),
          ...(typeof rows[i].completion === "string"
            ? { reference: rows[i].completion as string }
            : {}),
          samples: o.samples.map((s) => s.trim()),
        })),
        {
          model: LABELS[stage],
          metrics: tldrMetrics(settings.target),
          score,
          generation,
          bootstrap: { seed: settings.seed },
          study: { target: settings.target, embedder: embedder.name },
        },
      );
    },
  );
}
