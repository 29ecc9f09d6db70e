/** A tiny random chat model folder (HF layout + the ChatML fixture tokenizer) for trainer tests. */
import { CausalLM } from "../../lib/model/decoder.ts";
import { saveModel } from "../../lib/model/load.ts";
import { tinyLlamaConfig } from "./tiny_models.ts";

const CHATML = new URL("../fixtures/tokenizers/chatml/", import.meta.url);

/** Writes a random Llama-family model whose vocabulary fits the ChatML fixture tokenizer. */
export async function writeTinyChatModel(
  dir: string,
  options: {
    seed?: number;
    hidden?: number;
    layers?: number;
    std?: number;
    /** max_position_embeddings (default: the config's 2048). */
    context?: number;
  } = {},
): Promise<string> {
  const hidden = options.hidden ?? 32;
  const config = tinyLlamaConfig({
    vocab_size: 292,
    hidden_size: hidden,
    intermediate_size: hidden * 2,
    num_hidden_layers: options.layers ?? 2,
    eos_token_id: 2,
    bos_token_id: 1,
    ...(options.context ? { max_position_embeddings: options.context } : {}),
  });
  const model = CausalLM.random(config, {
    seed: options.seed ?? 0,
    std: options.std ?? 0.05,
  });
  await saveModel(model, dir);
  model.dispose();
  for (const file of ["tokenizer.json", "tokenizer_config.json"]) {
    await Deno.copyFile(new URL(file, CHATML), `${dir}/${file}`);
  }
  return dir;
}

/** Short seed-format conversations (topic → answer) for memorisation tests. */
export function toyConversations(count: number): unknown[] {
  const topics = [
    "rain",
    "snow",
    "moon",
    "sea",
    "wind",
    "fire",
    "stone",
    "leaf",
  ];
  return Array.from({ length: count }, (_, i) => {
    const topic = topics[i % topics.length];
    return {
      conversations: [
        { role: "user", content: `Write about ${topic} ${i}` },
        {
          role: "assistant",
          content: `the ${topic} is ${i % 2 ? "cold" : "warm"}`,
        },
      ],
    };
  });
}
