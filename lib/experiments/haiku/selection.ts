/**
 * Which of the haiku study's stages a run trains (`--stages sft,fullrun`):
 * any subset of the stage names, trained in the study's dependency order
 * (./stages.ts). A selected stage whose input stage is neither selected
 * nor already trained is refused before anything trains, in one line that
 * names what is missing and the `--stages` that would do; stages not
 * selected are reused when their adapter exists.
 *
 * ```ts
 * const names = parseStageNames("sft,fullrun"); // ["sft", "fullrun"]
 * await planStages(settings, names);
 * // InputError: stage fullrun starts from sft-rl-sparse, which is neither in --stages nor trained (…); use --stages sft,sft-rl-sparse,fullrun
 * ```
 *
 * @module
 */
import { InputError } from "../../util/errors.ts";
import type { HaikuStudySettings } from "./settings.ts";
import {
  type Stage,
  stageDir,
  stageDone,
  type StageName,
  STAGES,
} from "./stages.ts";

/** The study's stage names, in dependency order. */
export const STAGE_NAMES: readonly StageName[] = STAGES.map((s) => s.name);

/**
 * Reads a comma-separated list of names from `allowed` (duplicates kept
 * once, order as given); throws an Error naming an unknown one.
 */
export function parseNameList<N extends string>(
  text: string,
  allowed: readonly N[],
): N[] {
  const names = text.split(",").map((n) => n.trim()).filter((n) => n !== "");
  if (names.length === 0) {
    throw new Error(`expected names such as ${allowed[0]}, got "${text}"`);
  }
  for (const name of names) {
    if (!(allowed as readonly string[]).includes(name)) {
      throw new Error(
        `unknown stage "${name}"; expected a comma-separated list of ${
          allowed.join(", ")
        }`,
      );
    }
  }
  return [...new Set(names)] as N[];
}

/** {@link parseNameList} over the study's stages. */
export function parseStageNames(text: string): StageName[] {
  return parseNameList(text, STAGE_NAMES);
}

/** Which stages have their final adapter written. */
export async function trainedStages(
  settings: HaikuStudySettings,
): Promise<Set<StageName>> {
  const done = new Set<StageName>();
  for (const name of STAGE_NAMES) {
    if (await stageDone(settings, name)) done.add(name);
  }
  return done;
}

/**
 * The stages to train, in dependency order: every stage when `selected` is
 * absent, else the selected ones. Throws an {@link InputError} when a
 * selected stage starts from one that is neither selected nor trained,
 * naming it and the `--stages` list that would run.
 */
export async function planStages(
  settings: HaikuStudySettings,
  selected?: readonly StageName[],
): Promise<Stage[]> {
  if (!selected) return [...STAGES];
  const chosen = new Set(selected);
  const done = await trainedStages(settings);
  const plan = STAGES.filter((s) => chosen.has(s.name));
  const missing = new Set<StageName>();
  let first: { stage: Stage; from: StageName } | null = null;
  for (const stage of plan) {
    // Walk up the inputs until one is selected, trained, or the base model.
    let from = stage.from;
    while (from && !chosen.has(from) && !done.has(from)) {
      first ??= { stage, from };
      missing.add(from);
      from = STAGES.find((s) => s.name === from)!.from;
    }
  }
  if (first) {
    const fix = STAGE_NAMES.filter((n) => chosen.has(n) || missing.has(n));
    throw new InputError(
      `stage ${first.stage.name} starts from ${first.from}, which is neither in --stages nor trained (no adapter in ${
        stageDir(settings, first.from)
      }); use --stages ${fix.join(",")}`,
    );
  }
  return plan;
}

/** A stage's row in the evaluation: its label (gemma_haiku's model names, shortened) and adapter folder. */
export function stageVariant(
  settings: HaikuStudySettings,
  name: StageName,
): { name: string; adapter: string } {
  const stage = STAGES.find((s) => s.name === name)!;
  return { name: stage.label, adapter: stageDir(settings, name) };
}
