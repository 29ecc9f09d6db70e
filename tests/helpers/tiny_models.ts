/** Tiny random configs of both families, shared by model, generation and training tests. */
import { type ModelConfig, parseConfig } from "../../lib/model/config.ts";

/** Gemma 3 with MQA, a 5-token sliding window and one global layer among 7. */
export function tinyGemmaConfig(
  overrides: Record<string, unknown> = {},
): ModelConfig {
  return parseConfig({
    model_type: "gemma3_text",
    vocab_size: 50,
    hidden_size: 32,
    intermediate_size: 64,
    num_hidden_layers: 7,
    num_attention_heads: 4,
    num_key_value_heads: 1,
    head_dim: 16,
    sliding_window: 5,
    query_pre_attn_scalar: 24,
    eos_token_id: 1,
    pad_token_id: 0,
    ...overrides,
  });
}

/** Llama with GQA (4 query heads over 2 KV heads) and an untied head. */
export function tinyLlamaConfig(
  overrides: Record<string, unknown> = {},
): ModelConfig {
  return parseConfig({
    model_type: "llama",
    vocab_size: 40,
    hidden_size: 32,
    intermediate_size: 48,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    rms_norm_eps: 1e-5,
    tie_word_embeddings: false,
    eos_token_id: 2,
    ...overrides,
  });
}
