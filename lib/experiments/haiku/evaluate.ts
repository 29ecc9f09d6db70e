/**
 * The study's evaluation: every model variant (the base model and each
 * pipeline's final adapter) answers every eval prompt k times with seeded
 * sampling at gemma_haiku's settings, and the answers are scored with gemma_haiku's
 * columns plus ours (./metrics.ts). The Gemini row answers the same prompts
 * through the API with the raw user text, as gemma_haiku did, and is skipped with
 * a message when no key is set (a failing row is the study's to handle:
 * ./study.ts writes the local results first).
 *
 * @module
 */
import { sampleCompletions } from "../../eval/generate_samples.ts";
import type { EvalReport } from "../../eval/types.ts";
import type { SamplingOptions } from "../../generate/presets.ts";
import {
  geminiAvailable,
  GeminiClient,
  type GeminiClientOptions,
  geminiSkipMessage,
  generateBatch,
} from "../../gemini/mod.ts";
import { loadPretrained } from "../../model/pretrained.ts";
import { loadAdapter } from "../../peft/mod.ts";
import { useLiteEmbedder } from "../../rewards/use_lite.ts";
import { promptText } from "../../prompt/prompt.ts";
import { type EvalPrompt, readEvalPrompts, readTrainHaikus } from "./data.ts";
import { evaluateHaikuOutputs } from "./metrics.ts";
import type { HaikuStudySettings } from "./settings.ts";

/** gemma_haiku's evaluation sampling (`full_eval.py`): T 1.0, top-p 0.95, top-k 64. */
export const GEMMA_HAIKU_EVAL_SAMPLING: SamplingOptions = {
  temperature: 1.0,
  topP: 0.95,
  topK: 64,
  minP: 0,
};

/** A model to evaluate: the base (adapter null) or base + a stage's adapter. */
export interface Variant {
  name: string;
  adapter: string | null;
}

/** Client options of the Gemini row besides the model (retries, timeout, cache). */
export type GeminiRowOptions = Omit<GeminiClientOptions, "model">;

/** Progress callbacks. */
export interface EvalHooks {
  onVariant?: (name: string) => void;
  log?: (line: string) => void;
}

async function evalInputs(settings: HaikuStudySettings) {
  let prompts = await readEvalPrompts(settings.evalData);
  if (settings.eval.prompts > 0) {
    prompts = prompts.slice(0, settings.eval.prompts);
  }
  const trainHaikus = await readTrainHaikus(settings.trainData);
  return { prompts, trainHaikus };
}

function scoreOptions(
  settings: HaikuStudySettings,
  trainHaikus: string[],
  model: string,
) {
  return {
    trainHaikus,
    embedder: useLiteEmbedder(),
    counter: settings.counter,
    model,
  };
}

/** Samples and scores each variant; the base model is loaded once. */
export async function evaluateVariants(
  settings: HaikuStudySettings,
  variants: readonly Variant[],
  hooks: EvalHooks = {},
): Promise<EvalReport[]> {
  const { prompts, trainHaikus } = await evalInputs(settings);
  const { model, tokenizer, dir } = await loadPretrained(settings.model);
  if (!tokenizer) throw new Error(`${dir}: no tokenizer to evaluate with`);
  const reports: EvalReport[] = [];
  try {
    for (const variant of variants) {
      hooks.onVariant?.(variant.name);
      const lora = variant.adapter
        ? await loadAdapter(variant.adapter, model)
        : null;
      try {
        const { outputs, settings: generation } = sampleCompletions(
          model,
          tokenizer,
          prompts.map((p) => p.prompt),
          {
            k: settings.eval.k,
            seed: settings.eval.seed,
            sampling: GEMMA_HAIKU_EVAL_SAMPLING,
            maxNewTokens: settings.eval.maxNewTokens,
          },
        );
        reports.push(
          await evaluateHaikuOutputs(
            withPrompts(prompts, outputs.map((o) => o.samples)),
            {
              ...scoreOptions(settings, trainHaikus, variant.name),
              generation,
            },
          ),
        );
      } finally {
        lora?.remove();
      }
    }
  } finally {
    model.dispose();
  }
  return reports;
}

/**
 * The Gemini row: k answers per prompt from the raw user text (no chat
 * template, the API's default sampling, a per-sample seed), or null with the
 * skip message when GEMINI_API_KEY is not set. Answers are cached on disk.
 */
export async function evaluateGemini(
  settings: HaikuStudySettings,
  hooks: EvalHooks = {},
  client: GeminiRowOptions = {},
): Promise<EvalReport | null> {
  if (!settings.geminiModel) return null;
  if (!geminiAvailable()) {
    hooks.log?.(geminiSkipMessage());
    return null;
  }
  const { prompts, trainHaikus } = await evalInputs(settings);
  const gemini = new GeminiClient({ ...client, model: settings.geminiModel });
  hooks.onVariant?.(gemini.model);
  const texts = prompts.map((p) => promptText(p.prompt));
  const samples: string[][] = prompts.map(() => []);
  for (let j = 0; j < settings.eval.k; j++) {
    const items = await generateBatch(gemini, texts, {
      sample: j,
      seed: settings.eval.seed + j,
      progress: { label: `gemini sample ${j + 1}/${settings.eval.k}` },
    });
    items.forEach((item, i) => {
      if (!item.ok) throw item.error;
      samples[i].push(item.result.text.trim());
    });
  }
  return await evaluateHaikuOutputs(withPrompts(prompts, samples), {
    ...scoreOptions(settings, trainHaikus, gemini.model),
    generation: {
      seed: settings.eval.seed,
      sampling: "Gemini API defaults (raw user text, as gemma_haiku)",
      maxNewTokens: null,
    },
  });
}

function withPrompts(prompts: readonly EvalPrompt[], samples: string[][]) {
  return prompts.map((p, i) => ({
    prompt: p.prompt,
    topic: p.topic,
    reference: p.reference,
    samples: samples[i],
  }));
}
