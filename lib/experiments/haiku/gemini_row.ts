/**
 * The Gemini row of a haiku evaluation as an outcome: done, skipped (no
 * key) or failed (bad key, no network, API errors), with a one-line reason
 * and the summary.md paragraph that says why a row is missing. The study
 * and `eval:haiku` write their local rows first, so a failing row never
 * costs them.
 *
 * @module
 */
import type { EvalReport } from "../../eval/types.ts";
import { geminiSkipMessage } from "../../gemini/mod.ts";
import { errorKind, messageOf } from "../../util/errors.ts";
import {
  type EvalHooks,
  evaluateGemini,
  type GeminiRowOptions,
} from "./evaluate.ts";
import type { HaikuStudySettings } from "./settings.ts";

/** What became of the Gemini row (null when the settings ask for none). */
export type GeminiOutcome =
  | { status: "done"; model: string }
  | { status: "skipped"; model: string; reason: string }
  | { status: "failed"; model: string; reason: string };

/**
 * The Gemini row, or why there is none. API and settings failures become a
 * "failed" outcome with a one-line reason (logged); a bug in tunebook
 * (errorKind "bug") is thrown.
 */
export async function geminiRow(
  settings: HaikuStudySettings,
  hooks: EvalHooks & { log(line: string): void },
  client: GeminiRowOptions = {},
): Promise<{ report: EvalReport | null; outcome: GeminiOutcome | null }> {
  const model = settings.geminiModel;
  if (!model) return { report: null, outcome: null };
  try {
    const report = await evaluateGemini(settings, hooks, client);
    return report ? { report, outcome: { status: "done", model } } : {
      report: null,
      outcome: { status: "skipped", model, reason: geminiSkipMessage() },
    };
  } catch (error) {
    if (errorKind(error) === "bug") throw error;
    const reason = oneLine(messageOf(error));
    hooks.log(
      `the Gemini row (${model}) failed; the local results stand: ${reason}`,
    );
    return { report: null, outcome: { status: "failed", model, reason } };
  }
}

/** The first line of `text`, at most 300 characters. */
export function oneLine(text: string): string {
  const line = text.split("\n")[0].trim();
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

/** The summary.md paragraph of a Gemini row that is missing (none otherwise). */
export function geminiNote(outcome: GeminiOutcome | null): string[] {
  if (outcome?.status === "failed") {
    return [
      `**Gemini row (${outcome.model}) failed**, so it is not in the table: ${
        outcome.reason.replace(/\.$/, "")
      }. ` +
      "Rerun the task to try again: trained stages are kept and Gemini answers are cached.",
    ];
  }
  if (outcome?.status === "skipped") {
    return [`**Gemini row:** ${outcome.reason}.`];
  }
  return [];
}
