/** Shared pieces of the DPO trainer tests: toy pairs and a run on a tiny chat model. */
import { writeTinyChatModel } from "../helpers/chat_model.ts";

const TOPICS = ["rain", "snow", "moon", "sea", "wind", "fire", "stone", "leaf"];

/** Conversational pairs: a calm answer over a refusal, of unequal lengths. */
export function toyPairs(count = 8) {
  return Array.from({ length: count }, (_, i) => {
    const t = TOPICS[i % TOPICS.length];
    return {
      prompt: [{ role: "user", content: `Write about the ${t} ${i}.` }],
      chosen: [{
        role: "assistant",
        content: `The ${t} is calm${i % 2 ? " and bright" : ""}.`,
      }],
      rejected: [{ role: "assistant", content: "I will not write that." }],
    };
  });
}

/** A temp folder with a tiny chat model, the toy pairs and a DPO config's fields. */
export async function setUp(
  name: string,
  overrides: Record<string, unknown> = {},
) {
  const root = await Deno.makeTempDir({ prefix: `dpo-${name}-` });
  await writeTinyChatModel(`${root}/model`, { hidden: 48, layers: 2 });
  await Deno.writeTextFile(`${root}/pairs.json`, JSON.stringify(toyPairs()));
  const raw: Record<string, unknown> = {
    model: `${root}/model`,
    train_data: `${root}/pairs.json`,
    output_dir: `${root}/out`,
    lora: { r: 4, lora_alpha: 8 },
    learning_rate: 5e-3,
    per_device_train_batch_size: 2,
    gradient_accumulation_steps: 2,
    max_steps: 4,
    save_steps: 2,
    logging_steps: 1,
    seed: 5,
    ...overrides,
  };
  return { root, raw };
}

/** The first metrics record, as numbers. */
export const first = <T>(history: T[]) => history[0] as Record<string, number>;
