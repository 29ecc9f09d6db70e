/**
 * Where a model puts its probability once a haiku is complete: after the
 * prompt and an eval topic's reference haiku, the next-token distribution
 * split into the stop tokens, byte tokens (tokens that are a lone UTF-8
 * lead or continuation byte, or a control character: what the text
 * constraint rules on) and everything else. A model that has learned to
 * answer with a haiku puts its mass on the stop token here; mass on byte
 * tokens is where U+FFFD at the end of a haiku came from before the
 * constraint, and what the constraint now removes from the draw.
 *
 * ```ts
 * const mass = await endOfHaikuMass(settings, "checkpoints/haiku/main/sft", 20);
 * mass.stop; // mean probability of a stop token
 * ```
 *
 * @module
 */
import { generate } from "../../generate/generate.ts";
import { loadPretrained } from "../../model/pretrained.ts";
import { loadAdapter } from "../../peft/mod.ts";
import { encodePrompt } from "../../prompt/encode.ts";
import { tokenBytes } from "../../tokenizer/token_bytes.ts";
import { readEvalPrompts } from "./data.ts";
import type { HaikuStudySettings } from "./settings.ts";

/** Mean next-token probabilities after a complete haiku. */
export interface EndOfHaikuMass {
  /** Eval topics measured. */
  topics: number;
  /** A stop token (the model's EOS ids). */
  stop: number;
  /** Tokens that are a lone non-ASCII byte or a control character. */
  bytes: number;
  /** Everything else (text that continues the answer). */
  text: number;
}

/**
 * Measures {@link EndOfHaikuMass} of the base model plus `adapter` (null:
 * the base model) over the first `topics` eval prompts that have a
 * reference haiku, at temperature 1.
 */
export async function endOfHaikuMass(
  settings: HaikuStudySettings,
  adapter: string | null,
  topics: number,
): Promise<EndOfHaikuMass> {
  const prompts = (await readEvalPrompts(settings.evalData))
    .filter((p) => p.reference !== undefined).slice(0, topics);
  const { model, tokenizer, dir } = await loadPretrained(settings.model);
  try {
    if (!tokenizer) throw new Error(`${dir}: no tokenizer`);
    const bytes = tokenBytes(tokenizer);
    if (!bytes) {
      throw new Error(`${dir}: the tokenizer's byte rules are unknown`);
    }
    if (adapter) await loadAdapter(adapter, model);
    const stops = new Set(model.config.eosTokenIds);
    const isByte = bytes.map((b) =>
      b !== null && b.length === 1 && (b[0] >= 0x80 || b[0] < 0x20)
    );
    const sum = { stop: 0, bytes: 0, text: 0 };
    for (const p of prompts) {
      const prompt = encodePrompt(tokenizer, p.prompt, 0);
      const answer = tokenizer.encode(p.reference!, {
        addSpecialTokens: false,
      });
      generate(model, [[...prompt, ...answer]], {
        maxNewTokens: 1,
        sampling: { temperature: 1, topK: 0, topP: 1, minP: 0 },
        onToken: (_row, _token, _step, logits) => {
          const max = logits.reduce((m, v) => Math.max(m, v), -Infinity);
          let total = 0;
          const part = { stop: 0, bytes: 0, text: 0 };
          logits.forEach((v, id) => {
            const e = Math.exp(v - max);
            total += e;
            if (stops.has(id)) part.stop += e;
            else if (isByte[id]) part.bytes += e;
            else part.text += e;
          });
          sum.stop += part.stop / total;
          sum.bytes += part.bytes / total;
          sum.text += part.text / total;
        },
      });
    }
    const n = Math.max(1, prompts.length);
    return {
      topics: prompts.length,
      stop: sum.stop / n,
      bytes: sum.bytes / n,
      text: sum.text / n,
    };
  } finally {
    model.dispose();
  }
}
