/**
 * One side of the QLoRA memory benchmark (qlora.ts), in its own process so
 * that its peak RSS is its own: loads a checkpoint folder — float32 with
 * frozen weights in host memory, or its linear layers quantized to NF4 as
 * they load — then generates at batch 1 and runs one LoRA forward +
 * backward, and prints one `RESULT {json}` line.
 *
 *   deno run -A lib/bench/qlora_child.ts DIR fp32|nf4 NEW_TOKENS LENGTH
 *
 * @module
 */
import { initEngine } from "../engine/mod.ts";
import { generate } from "../generate/generate.ts";
import { loadModel } from "../model/load.ts";
import { applyLora, defaultLoraConfig } from "../peft/mod.ts";
import { Rng } from "../util/random.ts";
import { peakRssGiB } from "./child.ts";
import { measure } from "./measure.ts";
import { fastestVariant, lossAndGrads, randomBatch } from "./shapes.ts";

const [dir, mode, newTokensArg, lengthArg] = Deno.args;
await initEngine({ verbose: false });
await fastestVariant();
const started = performance.now();
const model = await loadModel(dir, {
  offload: "frozen-linears",
  ...(mode === "nf4" ? { quantization: { doubleQuant: true } } : {}),
});
const loadMs = performance.now() - started;
let hostBytes = 0;
for (const w of model.hostWeights.values()) hostBytes += w.bytes;
const rng = new Rng(1);
const prompt = Array.from(
  { length: 16 },
  () => rng.int(model.config.vocabSize),
);
const newTokens = Number(newTokensArg);
const gen = await measure(() => {
  generate(model, [prompt], {
    maxNewTokens: newTokens,
    sampling: "greedy",
    stopTokens: [],
  });
  return [];
}, { warmup: 0, repeats: 1, minRepeats: 1 });
const lora = applyLora(
  model,
  defaultLoraConfig({ targetModules: "all-linear", r: 8, alpha: 16 }),
  { seed: 0 },
);
model.recomputeLayers = true;
const length = Number(lengthArg);
const data = randomBatch(1, length, model.config.vocabSize, 2);
const params = lora.variables();
const step = await measure(() => lossAndGrads(model, params, data), {
  warmup: 0,
  repeats: 1,
  minRepeats: 1,
});
console.log(`RESULT ${
  JSON.stringify({
    loadMs,
    hostGiB: hostBytes / 2 ** 30,
    decodeTokPerS: newTokens * 1000 / gen.medianMs,
    loraStepMs: step.medianMs,
    peakRssGiB: peakRssGiB(),
  })
}`);
