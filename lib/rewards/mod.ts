/**
 * Typed, range-checked reward functions for GRPO: the contract
 * (`RewardFunction`, `RewardSample`, `scoreRewards`) and the rewards of the
 * four experiments (haiku, math, rubric, TLDR length), each seed's
 * definition reproduced under a name that says so.
 *
 * ```ts
 * import { haikuRegularReward, scoreRewards, threeLinesReward, useLiteEmbedder } from "../lib/rewards/mod.ts";
 * const scored = await scoreRewards([haikuRegularReward(useLiteEmbedder())], samples);
 * scored.total; // one value per sample
 * ```
 *
 * @module
 */
export {
  type ChatMessage,
  perSampleReward,
  type PerSampleSpec,
  requireColumn,
  type RewardFunction,
  type RewardParts,
  type RewardSample,
  RewardSampleError,
  type RewardValue,
  type ScoredRewards,
  type ScoreOptions,
  scoreRewards,
} from "./types.ts";
export {
  haikuLineCounts,
  haikuRegularReward,
  haikuReward,
  type HaikuSimilarityOptions,
  haikuSparseReward,
  isHaiku,
  legacyTopicOf,
  lineSyllables,
  type SyllableCounterName,
  threeLines,
  threeLinesReward,
  topicOf,
} from "./haiku.ts";
export {
  DEBIAN_HYPH_EN_US,
  Hyphenator,
  type HyphenMins,
  loadHyphenator,
  pyphenLineSyllables,
  pyphenWordSyllables,
} from "./hyphenation.ts";
export {
  cosine,
  cosineReward,
  type CosineRewardOptions,
  cosineSimilarities,
  type Embedder,
  EmbeddingCache,
  type EmbeddingReward,
  type ReferenceSource,
} from "./similarity.ts";
export { USE_LITE_NAME, useLiteEmbedder } from "./use_lite.ts";
export { MINILM_ID, miniLmEmbedder, type MiniLmOptions } from "./minilm.ts";
export {
  completionLength,
  finetunedLlamaRewardLen,
  finetunedLlamaRewardTokenLength,
  type LengthForm,
  lengthReward,
  type LengthRewardOptions,
  lengthScore,
  type LengthUnit,
  type SoftOverlongOptions,
  softOverlongPunishment,
  type TokenEncoder,
} from "./length.ts";
export {
  approximateFormatReward,
  ee596MatchFormatReward,
  ee596TagFormatReward,
  finetunedLlamaFormatReward,
  strictFormatReward,
} from "./format.ts";
export {
  answersMatch,
  type AnswerSource,
  type AnswerValue,
  close,
  extractAnswer,
  type ExtractedAnswer,
  type GoldFormat,
  type MathAccuracyOptions,
  mathAccuracyReward,
  mathPartialAccuracyReward,
  readAnswer,
  readGold,
  type Tolerance,
} from "./math.ts";
export { lastBoxed, latexToMathjs } from "./latex.ts";
export {
  type Criterion,
  judgePrompt,
  parseJudgeScores,
  parseRubric,
  rarLegacyProxy,
  type RubricJudgeOptions,
  rubricJudgeReward,
  rubricOverlapProxy,
  rubricOverlapScore,
} from "./rubric.ts";
export { sequenceMatcherRatio } from "./sequence_matcher.ts";
export {
  countLineSyllables,
  countWordSyllables,
  HAIKU_PATTERN,
} from "./syllables.ts";
export {
  type RewardModelOptions,
  rewardModelReward,
  type RewardNormalization,
  tokenizerDifference,
  zScores,
} from "./reward_model.ts";
export { type HybridOptions, hybridReward } from "./hybrid.ts";
export {
  GAP_HEURISTIC_DEFAULTS,
  GAP_TOXIC_WORDS,
  type GapHeuristicOptions,
  gapHeuristicReward,
  gapHeuristicScore,
} from "./gemma_alignment.ts";
