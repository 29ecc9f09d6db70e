/**
 * The inference server under load (`deno task bench serve`): `c` clients
 * each send `/v1/completions` requests one after another (a closed loop)
 * to a server started in this process on 127.0.0.1, for c = 1, 8 and 32.
 * Each request is a 16-token prompt of random ids and asks for a fixed
 * number of new tokens (`ignore_eos`, no stop token; temperature 1,
 * seeded). Reported per concurrency: generated tokens/s over the wall
 * time, the median and 95th-percentile request latency, and the
 * throughput against concurrency 1 — what the server's shared batches buy.
 *
 * Two models: the embedded default model, and a SmolLM-135M-shaped model
 * with random weights (speed does not depend on the values), served with
 * a synthetic word-level tokenizer of its vocabulary's size. Clients and
 * server share the process; a client's work per request (one small JSON
 * round trip) is small beside a decoding step.
 *
 * @module
 */
import { GenerationServer } from "../generate/remote.ts";
import { CausalLM } from "../model/decoder.ts";
import { DEFAULT_MODEL_DIR } from "../model/default_model.ts";
import { type BaseModel, loadBaseModel } from "../serve/models.ts";
import { startServer } from "../serve/server.ts";
import { loadTokenizer, type Tokenizer } from "../tokenizer/mod.ts";
import { Rng } from "../util/random.ts";
import { fastestVariant, smolConfig } from "./shapes.ts";
import type { BenchContext, Benchmark, Row } from "./types.ts";

/** The concurrencies measured. */
export const CONCURRENCIES = [1, 8, 32] as const;

const PROMPT_TOKENS = 16;

/** How much load a run sends. */
interface LoadSize {
  /** New tokens per request. */
  newTokens: number;
  /** Requests per client at each concurrency. */
  rounds: number;
}

/** One concurrency's measurements. */
export interface LoadResult {
  concurrency: number;
  requests: number;
  tokens: number;
  wallMs: number;
  latenciesMs: number[];
}

/**
 * `concurrency` clients, `rounds` requests each, one at a time per client,
 * against `server` for model `model` (vocabulary `vocab`).
 */
export async function runLoad(
  server: GenerationServer,
  model: string,
  vocab: number,
  concurrency: number,
  size: LoadSize,
): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  let tokens = 0;
  const started = performance.now();
  const client = async (c: number) => {
    for (let round = 0; round < size.rounds; round++) {
      const seed = c * 1000 + round;
      const rng = new Rng(seed);
      const prompt = Array.from(
        { length: PROMPT_TOKENS },
        () => rng.int(vocab),
      );
      const sent = performance.now();
      const [choice] = await server.complete({
        model,
        prompts: [prompt],
        maxTokens: size.newTokens,
        sampling: { temperature: 1, topK: 0, topP: 1, minP: 0 },
        stopTokenIds: [],
        seed,
      });
      latenciesMs.push(performance.now() - sent);
      tokens += choice.tokens.length;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, c) => client(c)));
  return {
    concurrency,
    requests: concurrency * size.rounds,
    tokens,
    wallMs: performance.now() - started,
    latenciesMs,
  };
}

/** The `p`-th percentile (nearest rank) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

/** The table rows of one model's results; `÷ c=1` is throughput over concurrency 1's. */
export function loadRows(
  label: string,
  kernel: string,
  newTokens: number,
  results: readonly LoadResult[],
): Row[] {
  const perSecond = (r: LoadResult) => r.tokens * 1000 / r.wallMs;
  const single = results.find((r) => r.concurrency === 1);
  return results.map((r) => ({
    model: label,
    kernel,
    concurrency: r.concurrency,
    requests: r.requests,
    new_tokens: newTokens,
    tokens_per_s: Number(perSecond(r).toFixed(1)),
    p50_ms: Math.round(percentile(r.latenciesMs, 50)),
    p95_ms: Math.round(percentile(r.latenciesMs, 95)),
    vs_c1: single ? Number((perSecond(r) / perSecond(single)).toFixed(2)) : "–",
  }));
}

/**
 * A word-level tokenizer of `size` tokens ("<|endoftext|>", then t1 … tN),
 * for a random-weight model whose ids must decode.
 */
async function syntheticTokenizer(size: number): Promise<Tokenizer> {
  const dir = await Deno.makeTempDir({ prefix: "tunebook-bench-tokenizer-" });
  try {
    const eos = "<|endoftext|>";
    const vocab: Record<string, number> = { [eos]: 0 };
    for (let i = 1; i < size; i++) vocab[`t${i}`] = i;
    await Deno.writeTextFile(
      `${dir}/tokenizer.json`,
      JSON.stringify({
        version: "1.0",
        truncation: null,
        padding: null,
        added_tokens: [{
          id: 0,
          content: eos,
          single_word: false,
          lstrip: false,
          rstrip: false,
          normalized: false,
          special: true,
        }],
        normalizer: null,
        pre_tokenizer: { type: "WhitespaceSplit" },
        post_processor: null,
        decoder: null,
        model: { type: "WordLevel", vocab, unk_token: eos },
      }),
    );
    await Deno.writeTextFile(
      `${dir}/tokenizer_config.json`,
      JSON.stringify({
        tokenizer_class: "PreTrainedTokenizerFast",
        eos_token: eos,
        unk_token: eos,
      }),
    );
    return await loadTokenizer(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The SmolLM-135M shape (its 2-layer slice with --quick), random weights, served. */
export async function smolModel(quick: boolean): Promise<BaseModel> {
  const config = smolConfig(quick);
  return {
    model: CausalLM.random(config, { seed: 0 }),
    tokenizer: await syntheticTokenizer(config.vocabSize),
    name: "smollm-135m-shape",
    dir: "(random weights)",
    defaults: { temperature: 1, topK: 0, topP: 1, minP: 0 },
  };
}

/** A benchmark serving the model `load` makes. */
function serveBenchmark(
  name: string,
  description: string,
  label: (quick: boolean) => string,
  load: (quick: boolean) => Promise<BaseModel>,
): Benchmark {
  return {
    name,
    group: "serve",
    description,
    async run({ quick, log }: BenchContext) {
      const variant = await fastestVariant();
      const size: LoadSize = quick
        ? { newTokens: 4, rounds: 1 }
        : { newTokens: 32, rounds: 4 };
      let served: BaseModel | undefined;
      const running = startServer(async () => served = await load(quick), {
        port: 0,
        maxBatch: Math.max(...CONCURRENCIES),
      });
      try {
        await running.ready;
        const { model, name: id } = served!;
        const client = new GenerationServer(running.url, {
          timeoutMs: 600_000,
        });
        // Untimed: the first batch sets up kernels.
        await runLoad(client, id, model.config.vocabSize, 1, {
          ...size,
          rounds: 1,
        });
        const results: LoadResult[] = [];
        for (const c of CONCURRENCIES) {
          log(`${label(quick)}: concurrency ${c}`);
          results.push(
            await runLoad(client, id, model.config.vocabSize, c, size),
          );
        }
        const rows = loadRows(
          label(quick),
          variant.label,
          size.newTokens,
          results,
        );
        const at8 = rows.find((r) => r.concurrency === 8)!;
        return {
          rows,
          notes: [
            `throughput at concurrency 8 ÷ concurrency 1: ${at8.vs_c1}× (${running.stats()?.largestBatch} rows in the largest shared batch)`,
          ],
        };
      } finally {
        await running.shutdown();
      }
    },
  };
}

/** The `serve` group: the default model and the SmolLM-135M shape. */
export const serveBenchmarks: Benchmark[] = [
  serveBenchmark(
    "default-model",
    "the inference server on the embedded default model: generated tokens/s and p50/p95 request latency at 1, 8 and 32 concurrent clients",
    () => "default model (tiny-base)",
    () => loadBaseModel(DEFAULT_MODEL_DIR, "tiny-base"),
  ),
  serveBenchmark(
    "smollm-135m-shape",
    "the inference server on a SmolLM-135M-shaped random model: generated tokens/s and p50/p95 request latency at 1, 8 and 32 concurrent clients",
    (quick) => quick ? "SmolLM-135M shape (2 layers)" : "SmolLM-135M shape",
    smolModel,
  ),
];
