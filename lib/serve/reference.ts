/**
 * The reference project's Flask demo API (Gemma-Alignment-Paradigms
 * `src/api/serve_demo.py`), on the same batcher as the OpenAI routes:
 *
 * - `GET /health` → 200 `{"status": "healthy"}` once the model is loaded;
 *   unlike the reference (which answers 200 before its lazy load), 503
 *   `{"status": "loading"}` until then (`"failed"` if loading failed).
 * - `POST /generate {"prompt", "max_tokens": 128, "temperature": 0.7,
 *   "top_p": 0.9}` → `{"generated_text", "prompt"}`: the prompt as the
 *   user's message through the chat template, sampled with top-k 50 when
 *   the temperature is above 0 and greedy at 0, special tokens skipped.
 * - `POST /batch_generate {"prompts": […], "max_tokens": 128}` →
 *   `{"results": [{"prompt", "generated_text"}]}`, greedy, in order (batched
 *   here, where the reference loops).
 *
 * Errors are the reference's flat `{"error": "…"}`: 400 "Missing prompt" /
 * "Missing prompts", and one line naming the field for anything else the
 * reference would have answered with an HTML 500. A prompt that does not fit
 * the context with its `max_tokens` is a 400 (the reference cut prompts at
 * 512 tokens).
 *
 * @module
 */
import { samplingOptions } from "../generate/presets.ts";
import { badRequest, jsonResponse, toApiError } from "./api_error.ts";
import type { ServeContext } from "./context.ts";
import { Fields, readJsonObject } from "./fields.ts";
import type { GenerationJob } from "./job.ts";
import { budgetOf, encodeChat, type JobSpec, makeJob } from "./jobs.ts";

/** The reference's error shape. */
export function referenceError(error: unknown): Response {
  const api = toApiError(error);
  return jsonResponse({ error: api.message }, api.status);
}

/** Where the server is with its model. */
export type ModelState = "loading" | "healthy" | "failed";

/** `GET /health`: 200 once the model is loaded, 503 before (or when loading failed). */
export function health(state: ModelState): Response {
  return jsonResponse({ status: state }, state === "healthy" ? 200 : 503);
}

/** `POST /generate`. */
export async function generateOne(
  request: Request,
  ctx: ServeContext,
): Promise<Response> {
  const f = new Fields(await readJsonObject(request, ctx.maxBodyBytes));
  if (!f.has("prompt")) throw badRequest("Missing prompt");
  const prompt = f.string("prompt")!;
  const maxTokens = f.integer("max_tokens", 1) ?? 128;
  const temperature = f.number("temperature", (x) => x >= 0, "≥ 0") ?? 0.7;
  const topP = f.number("top_p", (x) => x > 0 && x <= 1, "in (0, 1]") ?? 0.9;
  const sampling = temperature > 0
    ? samplingOptions({ temperature, topP, topK: 50, minP: 0 })
    : samplingOptions("greedy");
  const [job] = submitPrompts(ctx, request, [prompt], maxTokens, sampling);
  await job.done;
  return jsonResponse({ generated_text: job.choices[0].text, prompt });
}

/** `POST /batch_generate`. */
export async function batchGenerate(
  request: Request,
  ctx: ServeContext,
): Promise<Response> {
  const f = new Fields(await readJsonObject(request, ctx.maxBodyBytes));
  if (!f.has("prompts")) throw badRequest("Missing prompts");
  const prompts = f.raw("prompts");
  if (!Array.isArray(prompts) || !prompts.every((p) => typeof p === "string")) {
    throw f.wrong("prompts", "a list of strings");
  }
  const maxTokens = f.integer("max_tokens", 1) ?? 128;
  if (prompts.length === 0) return jsonResponse({ results: [] });
  const jobs = submitPrompts(
    ctx,
    request,
    prompts,
    maxTokens,
    samplingOptions("greedy"),
  );
  await Promise.all(jobs.map((job) => job.done));
  const texts = jobs.flatMap((job) => job.choices.map((c) => c.text));
  return jsonResponse({
    results: prompts.map((prompt, i) => ({
      prompt,
      generated_text: texts[i],
    })),
  });
}

/**
 * Queues `prompts` as user messages on the base model, in jobs of at most a
 * batch each; if one cannot be queued, the others are cancelled.
 */
function submitPrompts(
  ctx: ServeContext,
  request: Request,
  prompts: string[],
  maxTokens: number,
  sampling: JobSpec["sampling"],
): GenerationJob[] {
  const { model, tokenizer } = ctx.registry.base;
  const encoded = prompts.map((p) =>
    encodeChat(tokenizer, [{ role: "user", content: p }], true)
  );
  const budgets = encoded.map((ids, i) =>
    budgetOf(
      model.config.maxPositionEmbeddings,
      ids.length,
      maxTokens,
      prompts.length === 1 ? "the prompt" : `prompts[${i}]`,
      "max_tokens",
    )
  );
  const size = ctx.batcher.options.maxBatch;
  const jobs: GenerationJob[] = [];
  try {
    for (let at = 0; at < encoded.length; at += size) {
      const lease = ctx.registry.lease();
      const job = makeJob(ctx, lease, {
        prompts: encoded.slice(at, at + size),
        maxTokens: budgets.slice(at, at + size),
        n: 1,
        sampling,
        stop: [],
        stopTokenIds: [],
        includeStopStr: false,
        ignoreEos: false,
        logprobs: null,
      });
      ctx.batcher.submit(job);
      jobs.push(job);
    }
  } catch (error) {
    for (const job of jobs) ctx.batcher.cancel(job);
    throw error;
  }
  request.signal.addEventListener("abort", () => {
    for (const job of jobs) ctx.batcher.cancel(job);
  });
  return jobs;
}
