/**
 * Published `config.json` contents of the models tunebook targets, for
 * building same-shaped random models (benchmarks, memory planning) without
 * downloading anything. Loading a real checkpoint always uses its own file.
 *
 * @module
 */

/** HuggingFaceTB/SmolLM-135M-Instruct. */
export const SMOLLM_135M = {
  architectures: ["LlamaForCausalLM"],
  model_type: "llama",
  hidden_size: 576,
  intermediate_size: 1536,
  num_hidden_layers: 30,
  num_attention_heads: 9,
  num_key_value_heads: 3,
  max_position_embeddings: 2048,
  rms_norm_eps: 1e-5,
  rope_theta: 10000.0,
  rope_scaling: null,
  tie_word_embeddings: true,
  vocab_size: 49152,
  bos_token_id: 1,
  eos_token_id: 2,
  pad_token_id: 2,
  torch_dtype: "bfloat16",
} as const;

/** google/gemma-3-1b-it (tests/fixtures/configs/gemma-3-1b-it.json). */
export const GEMMA3_1B = {
  architectures: ["Gemma3ForCausalLM"],
  model_type: "gemma3_text",
  hidden_size: 1152,
  intermediate_size: 6912,
  num_hidden_layers: 26,
  num_attention_heads: 4,
  num_key_value_heads: 1,
  head_dim: 256,
  query_pre_attn_scalar: 256,
  sliding_window: 512,
  sliding_window_pattern: 6,
  max_position_embeddings: 32768,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000.0,
  rope_local_base_freq: 10000.0,
  rope_scaling: null,
  vocab_size: 262144,
  bos_token_id: 2,
  eos_token_id: [1, 106],
  pad_token_id: 0,
  torch_dtype: "bfloat16",
} as const;

/** google/gemma-3-270m: the 1B's layout, narrower and shallower (tied embeddings). */
export const GEMMA3_270M = {
  ...GEMMA3_1B,
  hidden_size: 640,
  intermediate_size: 2048,
  num_hidden_layers: 18,
  eos_token_id: 1,
} as const;
