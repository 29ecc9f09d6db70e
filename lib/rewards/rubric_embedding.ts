/**
 * A local, offline rubric grader: each criterion earns credit by how close
 * the completion's nearest sentence comes to it in a sentence-embedding
 * space. It is an EMBEDDING-SIMILARITY grader, not an LLM judge: it sees
 * topical closeness, not whether a claim is true or a step is valid.
 *
 * ```ts
 * const grade = rubricEmbeddingReward(useLiteEmbedder());
 * await grade.score([{ prompt, completion, columns: { rubric: [...] } }]); // [0.62]
 * ```
 *
 * For one sample: the graded text is the completion with its tags removed
 * (reasoning and answer), split into at most `maxSentences` sentences; for
 * criterion c, credit(c) = clamp((max_s cos(e(c), e(s)) − floor) / (ceil −
 * floor), 0, 1); the reward is Σ points·credit / Σ points, in [0, 1].
 *
 * Why not ee596-fp's proxy: its rubric overlap counts the rubric's words in
 * the completion, and ee596-fp pasted the rubric into the prompt, so copying
 * the rubric scored highest. Here the rubric stays out of the prompt (a
 * criterion found in the prompt is an error) and a paraphrase earns credit.
 * Limits: a fluent restatement of the criterion earns full credit whether
 * or not it is right, and floor/ceil are calibrated for USE-lite on
 * data/rubric (reference answers vs other questions' answers), so another
 * embedder needs its own.
 *
 * @module
 */
import { checkNoLeak, type Criterion, parseRubric } from "./rubric.ts";
import { cosine, type Embedder, type EmbeddingReward } from "./similarity.ts";
import { requireColumn, RewardSampleError } from "./types.ts";
import { promptText } from "../prompt/prompt.ts";

/** Options of {@link rubricEmbeddingReward}. */
export interface RubricEmbeddingOptions {
  /** Dataset column with the rubric (default "rubric"). */
  column?: string;
  /** A cosine at or below this earns no credit (default {@link RUBRIC_FLOOR}). */
  floor?: number;
  /** A cosine at or above this earns full credit (default {@link RUBRIC_CEIL}). */
  ceil?: number;
  /** Sentences graded per completion, the first ones (default 6). */
  maxSentences?: number;
  /** Skip the check that no criterion appears verbatim in the policy prompt. */
  allowRubricInPrompt?: boolean;
  /** Metric name (default "rubric_embedding"). */
  name?: string;
}

/**
 * USE-lite calibration on data/rubric (see tests/rewards/rubric_embedding_test.ts):
 * a criterion's best cosine against its own reference answer's sentences
 * is mostly 0.5–0.8, against another question's answer mostly below 0.35.
 */
export const RUBRIC_FLOOR = 0.3;
/** See {@link RUBRIC_FLOOR}. */
export const RUBRIC_CEIL = 0.75;

const TAGS = /<\/?(?:reasoning|answer|think)>/g;

/**
 * The sentences graded for `completion`: tags removed, split after `.`,
 * `!` or `?` and at line breaks, blanks dropped, the first `max` kept (so
 * a long answer cannot buy more chances to match).
 */
export function gradedSentences(completion: string, max = 6): string[] {
  return completion.replace(TAGS, "\n")
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => /[\p{L}\p{N}]/u.test(s))
    .slice(0, max);
}

/** One completion to grade against its criteria. */
export interface RubricItem {
  completion: string;
  criteria: readonly Criterion[];
}

/** The grade of one {@link RubricItem}. */
export interface RubricGrade {
  /** Σ points·credit / Σ points, in [0, 1]. */
  score: number;
  /** Per criterion, in [0, 1]. */
  credits: number[];
  /** Per criterion, the best cosine over the graded sentences (−1 without sentences). */
  bestCosines: number[];
}

/**
 * Grades every item with one embedding call (all sentences and all
 * distinct criteria together).
 */
export async function gradeRubricItems(
  embedder: Embedder,
  items: readonly RubricItem[],
  options: Pick<RubricEmbeddingOptions, "floor" | "ceil" | "maxSentences"> = {},
): Promise<RubricGrade[]> {
  const floor = options.floor ?? RUBRIC_FLOOR;
  const ceil = options.ceil ?? RUBRIC_CEIL;
  if (!(ceil > floor)) {
    throw new Error(
      `rubric_embedding: ceil (${ceil}) must be above floor (${floor})`,
    );
  }
  const sentences = items.map((it) =>
    gradedSentences(it.completion, options.maxSentences)
  );
  const criteria = [
    ...new Set(items.flatMap((it) => it.criteria.map((c) => c.criterion))),
  ];
  const texts = [...sentences.flat(), ...criteria];
  const vectors = texts.length ? await embedder.embed(texts) : [];
  if (vectors.length !== texts.length) {
    throw new Error(
      `embedder "${embedder.name}" returned ${vectors.length} vectors for ${texts.length} texts`,
    );
  }
  const offset = sentences.flat().length;
  const criterionVector = new Map(
    criteria.map((c, i) => [c, vectors[offset + i]]),
  );
  let at = 0;
  return items.map((it, i) => {
    const own = vectors.slice(at, at + sentences[i].length);
    at += sentences[i].length;
    const bestCosines = it.criteria.map((c) => {
      const v = criterionVector.get(c.criterion)!;
      return own.reduce((best, s) => Math.max(best, cosine(v, s)), -1);
    });
    const credits = bestCosines.map((b) =>
      Math.min(1, Math.max(0, (b - floor) / (ceil - floor)))
    );
    const total = it.criteria.reduce((s, c) => s + c.points, 0);
    const earned = it.criteria.reduce(
      (s, c, k) => s + c.points * credits[k],
      0,
    );
    return { score: total > 0 ? earned / total : 0, credits, bestCosines };
  });
}

/**
 * The rubric reward graded by embedding similarity (see the module doc), in
 * [0, 1]. A row without the rubric column is an error naming this reward
 * and the column.
 */
export function rubricEmbeddingReward(
  embedder: Embedder,
  options: RubricEmbeddingOptions = {},
): EmbeddingReward {
  const column = options.column ?? "rubric";
  const name = options.name ?? "rubric_embedding";
  const floor = options.floor ?? RUBRIC_FLOOR;
  const ceil = options.ceil ?? RUBRIC_CEIL;
  if (!(ceil > floor)) {
    throw new Error(
      `reward "${name}": ceil (${ceil}) must be above floor (${floor})`,
    );
  }
  return {
    name,
    embedder: embedder.name,
    range: [0, 1],
    description:
      `embedding-similarity rubric grader (not an LLM judge): per criterion of column "${column}", ` +
      `the best ${embedder.name} cosine to a sentence of the completion, mapped ${floor}→0 … ${ceil}→1, ` +
      `weighted by points; rewards topical closeness to each criterion, not correctness`,
    async score(samples) {
      const items = samples.map((s, i) => {
        try {
          const criteria = parseRubric(
            requireColumn(s, column, name),
            `column "${column}"`,
          );
          if (!options.allowRubricInPrompt) {
            checkNoLeak(promptText(s.prompt), criteria);
          }
          return { completion: s.completion, criteria };
        } catch (error) {
          throw new RewardSampleError(i, error);
        }
      });
      const grades = await gradeRubricItems(embedder, items, {
        floor,
        ceil,
        maxSentences: options.maxSentences,
      });
      return grades.map((g) => g.score);
    },
  };
}
