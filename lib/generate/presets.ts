/**
 * Sampling settings and the named presets of the rubric-reasoning seed
 * (`demo.py`): greedy, conservative, standard (the default) and creative.
 *
 * @module
 */

/** How the next token is chosen from the model's distribution. */
export interface SamplingOptions {
  /** Softmax temperature; 0 means greedy (argmax). */
  temperature: number;
  /** Keep only the k most likely tokens (0 = no limit). */
  topK: number;
  /** Keep the smallest set of tokens whose probability reaches p (1 = no limit). */
  topP: number;
  /** Drop tokens whose probability is below minP × the top probability (0 = off). */
  minP: number;
}

/** ee596-fp's generation presets. "greedy" is argmax (ee596-fp's T 0.01, top-k 1 is argmax too). */
export const PRESETS = {
  greedy: { temperature: 0, topK: 1, topP: 1, minP: 0 },
  conservative: { temperature: 0.3, topK: 20, topP: 0.9, minP: 0 },
  standard: { temperature: 0.7, topK: 50, topP: 0.95, minP: 0 },
  creative: { temperature: 0.9, topK: 100, topP: 0.98, minP: 0 },
} as const satisfies Record<string, SamplingOptions>;

/** A preset's name. */
export type PresetName = keyof typeof PRESETS;

/** Resolves a preset name or partial options (over the `standard` preset) into full, validated options. */
export function samplingOptions(
  spec: PresetName | Partial<SamplingOptions> = "standard",
): SamplingOptions {
  if (typeof spec === "string") {
    const preset = PRESETS[spec as PresetName];
    if (!preset) {
      throw new Error(
        `unknown sampling preset "${spec}"; expected one of ${
          Object.keys(PRESETS).join(", ")
        }`,
      );
    }
    return { ...preset };
  }
  const o = { ...PRESETS.standard, ...spec };
  const check = (
    ok: boolean,
    field: string,
    expected: string,
    value: number,
  ) => {
    if (!ok) {
      throw new Error(
        `sampling option ${field} must be ${expected}, got ${value}`,
      );
    }
  };
  check(
    o.temperature >= 0 && Number.isFinite(o.temperature),
    "temperature",
    ">= 0",
    o.temperature,
  );
  check(
    Number.isInteger(o.topK) && o.topK >= 0,
    "topK",
    "an integer >= 0",
    o.topK,
  );
  check(o.topP > 0 && o.topP <= 1, "topP", "in (0, 1]", o.topP);
  check(o.minP >= 0 && o.minP < 1, "minP", "in [0, 1)", o.minP);
  return o;
}
