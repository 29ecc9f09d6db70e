/**
 * vLLM's OpenAI-compatible routes: `GET /v1/models`, `POST
 * /v1/completions` and `POST /v1/chat/completions`, each answered whole or,
 * with `stream: true`, as server-sent events (sse.ts). `model` picks the
 * base model or a LoRA adapter by name (unknown: 404).
 *
 * **For a rollout client** (GRPO/PPO generating through the server): send
 * token ids, so the prompt is exactly what the trainer encoded (no second
 * BOS), and ask for the ids and log-probs of what was sampled:
 *
 * ```ts
 * const answer = await fetch(`${url}/v1/completions`, {
 *   method: "POST",
 *   body: JSON.stringify({
 *     model: "policy-v7",          // an adapter hot-loaded with /v1/load_lora_adapter
 *     prompt: promptIdsList,       // number[][]: one row per prompt
 *     n: 8,                        // the group: choice i belongs to prompt ⌊i / 8⌋
 *     max_tokens: 256, temperature: 1, seed: 1234,
 *     logprobs: 0,                 // the sampled token's log-prob only
 *     return_token_ids: true,
 *   }),
 * }).then((r) => r.json());
 * for (const c of answer.choices) {
 *   c.token_ids;                   // completion ids, the stop token included
 *   c.logprobs.token_logprobs;     // one per id: log p(id | prefix)
 *   c.prompt_token_ids;            // the prompt as generated from
 *   c.finish_reason;               // "stop" | "length"
 * }
 * ```
 *
 * The log-probs are the raw log-softmax of the model's logits (vLLM's
 * `raw_logprobs`), not temperature-scaled (TRL's server asks vLLM for
 * `processed_logprobs`): at temperature 1 without top-k/top-p/min-p they
 * are the sampling distribution's. A seeded choice gets the same tokens
 * however the server batches it; its log-probs may differ from a trainer's
 * own forward pass in the last bits.
 *
 * @module
 */
import type { Tokenizer } from "../tokenizer/mod.ts";
import { badRequest, jsonResponse } from "./api_error.ts";
import type { ServeContext } from "./context.ts";
import { readJsonObject } from "./fields.ts";
import type { GenerationJob } from "./job.ts";
import {
  budgetOf,
  checkTokenIds,
  encodeChat,
  encodeText,
  makeJob,
  resolveSampling,
} from "./jobs.ts";
import {
  type GenerationFields,
  parseChatRequest,
  parseCompletionRequest,
} from "./protocol.ts";
import {
  answerHead,
  chatBody,
  chatLogprobs,
  completionBody,
  completionLogprobs,
  usage,
} from "./responses.ts";
import { sseResponse } from "./sse.ts";

/** `GET /v1/models`: the base model, then the adapters. */
export function listModels(ctx: ServeContext): Response {
  return jsonResponse({
    object: "list",
    data: ctx.registry.cards().map((card) => ({
      id: card.id,
      object: "model",
      created: card.created,
      owned_by: "tunebook",
      root: card.root,
      parent: card.parent,
      max_model_len: card.maxModelLen,
      permission: [{
        id: `modelperm-${card.id}`,
        object: "model_permission",
        created: card.created,
        allow_create_engine: false,
        allow_sampling: true,
        allow_logprobs: true,
        allow_search_indices: false,
        allow_view: true,
        allow_fine_tuning: false,
        organization: "*",
        group: null,
        is_blocking: false,
      }],
    })),
  });
}

/** `POST /v1/completions`. */
export async function completions(
  request: Request,
  ctx: ServeContext,
): Promise<Response> {
  const body = parseCompletionRequest(
    await readJsonObject(request, ctx.maxBodyBytes),
  );
  const { model, tokenizer } = ctx.registry.base;
  const context = model.config.maxPositionEmbeddings;
  const vocab = model.config.vocabSize;
  let prompts: number[][] = [];
  const job = submit(ctx, request, body, () => {
    checkStopIds(body, vocab);
    prompts = body.prompts.map((p, i) => {
      const where = body.prompts.length === 1 ? "prompt" : `prompt[${i}]`;
      return typeof p === "string"
        ? encodeText(tokenizer, p, body.addSpecialTokens, where)
        : checkTokenIds(p, vocab, where, "prompt");
    });
    const maxTokens = prompts.map((ids, i) =>
      budgetOf(
        context,
        ids.length,
        body.maxTokens,
        prompts.length === 1 ? "the prompt" : `prompt[${i}]`,
        "max_tokens",
      )
    );
    return { prompts, maxTokens };
  });
  const head = answerHead("cmpl", job.lease.name);
  const options = {
    logprobs: body.logprobs !== null,
    returnTokenIds: body.returnTokenIds,
  };
  if (!body.stream) {
    await job.done;
    return jsonResponse(
      completionBody(head, tokenizer, prompts, job.choices, body.n, options),
    );
  }
  // The log-probs' text offsets continue across a choice's chunks.
  const offsets = job.choices.map(() => 0);
  return sseResponse(job, ctx.batcher, {
    opening: () => [],
    chunk: (index, delta, choice, first) => {
      const logprobs = options.logprobs
        ? completionLogprobs(tokenizer, delta.logprobs, offsets[index])
        : null;
      offsets[index] += tokenTextLength(tokenizer, delta.tokens);
      return {
        ...chunkHead(head, "text_completion"),
        choices: [{
          index,
          text: delta.text,
          logprobs,
          finish_reason: choice.finished ? choice.finishReason : null,
          stop_reason: choice.finished ? choice.stopReason : null,
          ...(options.returnTokenIds
            ? {
              token_ids: delta.tokens,
              ...(first
                ? { prompt_token_ids: prompts[Math.floor(index / body.n)] }
                : {}),
            }
            : {}),
        }],
      };
    },
    usage: () =>
      body.includeUsage
        ? {
          ...chunkHead(head, "text_completion"),
          choices: [],
          usage: usage(prompts, job.choices),
        }
        : null,
  });
}

/** `POST /v1/chat/completions`. */
export async function chatCompletions(
  request: Request,
  ctx: ServeContext,
): Promise<Response> {
  const body = parseChatRequest(
    await readJsonObject(request, ctx.maxBodyBytes),
  );
  const { model, tokenizer } = ctx.registry.base;
  let prompt: number[] = [];
  const job = submit(ctx, request, body, () => {
    checkStopIds(body, model.config.vocabSize);
    prompt = encodeChat(tokenizer, body.messages, body.addGenerationPrompt);
    const maxTokens = budgetOf(
      model.config.maxPositionEmbeddings,
      prompt.length,
      body.maxTokens,
      "the conversation",
      "max_completion_tokens",
    );
    return { prompts: [prompt], maxTokens: [maxTokens] };
  });
  const head = answerHead("chatcmpl", job.lease.name);
  const options = {
    logprobs: body.logprobs !== null,
    returnTokenIds: body.returnTokenIds,
  };
  if (!body.stream) {
    await job.done;
    return jsonResponse(
      chatBody(head, tokenizer, prompt, job.choices, options),
    );
  }
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
    ...chunkHead(head, "chat.completion.chunk"),
    choices,
    ...extra,
  });
  return sseResponse(job, ctx.batcher, {
    // vLLM opens every choice with its role.
    opening: () =>
      job.choices.map((_, index) =>
        chunk(
          [{
            index,
            delta: { role: "assistant", content: "" },
            logprobs: null,
            finish_reason: null,
          }],
          options.returnTokenIds && index === 0
            ? { prompt_token_ids: prompt }
            : {},
        )
      ),
    chunk: (index, delta, choice) =>
      chunk([{
        index,
        delta: choice.finished && !delta.text ? {} : { content: delta.text },
        logprobs: options.logprobs
          ? chatLogprobs(tokenizer, delta.logprobs)
          : null,
        finish_reason: choice.finished ? choice.finishReason : null,
        stop_reason: choice.finished ? choice.stopReason : null,
        ...(options.returnTokenIds ? { token_ids: delta.tokens } : {}),
      }]),
    usage: () =>
      body.includeUsage
        ? chunk([], { usage: usage([prompt], job.choices) })
        : null,
  });
}

/**
 * The job of a checked request, queued: the model is looked up first (404),
 * then `prepare` encodes and checks the prompts; the lease is released on
 * any refusal.
 */
function submit(
  ctx: ServeContext,
  request: Request,
  body: GenerationFields,
  prepare: () => { prompts: number[][]; maxTokens: number[] },
): GenerationJob {
  const lease = ctx.registry.lease(body.model);
  let job: GenerationJob;
  try {
    const { prompts, maxTokens } = prepare();
    job = makeJob(ctx, lease, {
      prompts,
      maxTokens,
      n: body.n,
      sampling: resolveSampling(body.sampling, ctx.registry.base.defaults),
      seed: body.seed,
      stop: body.stop,
      stopTokenIds: body.stopTokenIds,
      includeStopStr: body.includeStopStrInOutput,
      ignoreEos: body.ignoreEos,
      logprobs: body.logprobs,
    });
    ctx.batcher.submit(job);
  } catch (error) {
    lease.release();
    throw error;
  }
  request.signal.addEventListener("abort", () => ctx.batcher.cancel(job));
  return job;
}

function checkStopIds(body: GenerationFields, vocabSize: number): void {
  const bad = body.stopTokenIds.find((id) => id >= vocabSize);
  if (bad !== undefined) {
    throw badRequest(
      `stop_token_ids has ${bad}, outside the vocabulary (0 to ${
        vocabSize - 1
      })`,
      "stop_token_ids",
    );
  }
}

function chunkHead(
  head: { id: string; created: number; model: string },
  object: string,
) {
  return { id: head.id, object, created: head.created, model: head.model };
}

/** Characters the log-probs count for `tokens` (their texts, one by one). */
function tokenTextLength(tokenizer: Tokenizer, tokens: number[]): number {
  return tokens.reduce(
    (n, id) => n + tokenizer.decode([id], { skipSpecialTokens: true }).length,
    0,
  );
}
