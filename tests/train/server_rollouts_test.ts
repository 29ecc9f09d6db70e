/**
 * Rollouts from tunebook's own server (in process, 127.0.0.1) against the
 * in-process path, on the default model with a trained-looking LoRA: the
 * same seeded rows give the same tokens; the server's log-probs are the
 * trainer's own; each sync hot-loads a fresh name and retires the last;
 * the client's errors are one line naming the URL.
 */
import assert from "node:assert/strict";
import { initEngine } from "../../lib/engine/mod.ts";
import {
  GenerationServer,
  GenerationServerError,
} from "../../lib/generate/remote.ts";
import { promptCompletionBatch } from "../../lib/model/batch.ts";
import { DEFAULT_MODEL_DIR } from "../../lib/model/default_model.ts";
import { loadPretrained } from "../../lib/model/pretrained.ts";
import { scoreBatch } from "../../lib/model/score.ts";
import { generate } from "../../lib/generate/generate.ts";
import { applyLora, defaultLoraConfig } from "../../lib/peft/mod.ts";
import { deriveSeed, Rng } from "../../lib/util/random.ts";
import type { PromptExample } from "../../lib/prompt/examples.ts";
import {
  inProcessSource,
  type Rollout,
  type RolloutOptions,
  sampleRollouts as rollout,
} from "../../lib/train/rollout.ts";
import {
  ADAPTER_SYNC_DIR,
  GenerationServerLink,
} from "../../lib/train/server_rollouts.ts";
import { randomizeB } from "../peft/helpers.ts";
import { get, SHARED_SERVER, startTestServer } from "../serve/helpers.ts";

await initEngine({ verbose: false });
const server = await startTestServer();
const { model, tokenizer: maybeTokenizer } = await loadPretrained(
  DEFAULT_MODEL_DIR,
);
const tokenizer = maybeTokenizer!;
const lora = applyLora(
  model,
  defaultLoraConfig({ r: 4, alpha: 8, targetModules: "all-linear" }),
  { seed: 1 },
);
randomizeB(lora, 1, 0.3);
lora.eval();

const prompts: PromptExample[] = ["The whale", "Call me Ishmael", "The sea"]
  .map((prompt) => ({ prompt, row: { prompt } }));
const options: RolloutOptions = {
  numGenerations: 4,
  maxCompletionLength: 10,
  maxPromptLength: 0,
  sampling: { temperature: 1, topK: 0, topP: 1, minP: 0 },
  seed: 11,
};

/** The adapters the server lists, by name. */
async function served(): Promise<string[]> {
  const { body } = await get(server, "/v1/models");
  return body.data.slice(1).map((m: { id: string }) => m.id);
}

/**
 * Both sources sample row (p, g) from new Rng(deriveSeed(seed, p, g)) by
 * the same inverse-CDF draw over the vocabulary in id order, from the same
 * logits up to their last bits (KV-cache decoding in another batch
 * composition; measured: ≤ 6e-6 nats). So a row is identical, or at its
 * first difference the draw u·Σp sat on a boundary of the local token's
 * interval — within 1e-4 of the total mass (measured: ≤ 7e-6) — after
 * which the rows are free to part. Every one of the vocabulary's 4 096
 * boundaries moves a little, so such flips are not rare: about 1 token in
 * 200 on this model (5 rows of 96 × 10 tokens). A wrong policy on the
 * server parts rows far from any boundary.
 */
function assertSameDraws(
  remote: Rollout[],
  local: Rollout[],
  o: RolloutOptions,
): void {
  assert.equal(remote.length, local.length);
  let parted = 0;
  remote.forEach((r, i) => {
    const a = r.completionIds, b = local[i].completionIds;
    const k = a.findIndex((t, j) => t !== b[j]);
    if (k < 0) {
      assert.equal(a.length, b.length, `row ${i}: one stops, one goes on`);
      return;
    }
    parted++;
    const seed = deriveSeed(
      o.seed,
      Math.floor(i / o.numGenerations),
      i % o.numGenerations,
    );
    const at = drawPosition(r.promptIds, seed, k, b[k]);
    assert.ok(
      at < 1e-4,
      `row ${i} parts at token ${k} (${a[k]} here, ${
        b[k]
      } in process) with the draw ${at} of the mass away from a boundary`,
    );
  });
  assert.ok(parted <= remote.length / 2, `${parted} rows parted`);
}

/**
 * How far the draw of step `k` of a row (prompt `prompt`, seed `seed`,
 * temperature 1, no filter) sat from the nearest boundary of `token`'s
 * interval in the local model's CDF, as a fraction of the total mass.
 */
function drawPosition(
  prompt: number[],
  seed: number,
  k: number,
  token: number,
): number {
  let logits = new Float32Array();
  generate(model, [prompt], {
    maxNewTokens: k + 1,
    sampling: options.sampling,
    seeds: [seed],
    stopTokens: [],
    onToken: (_row, _token, step, l) => {
      if (step === k) logits = Float32Array.from(l);
    },
  });
  const top = Math.max(...logits);
  const probs = Array.from(logits, (l) => Math.exp(l - top));
  const total = probs.reduce((x, y) => x + y, 0);
  const lo = probs.slice(0, token).reduce((x, y) => x + y, 0);
  const rng = new Rng(seed);
  let u = 0;
  for (let step = 0; step <= k; step++) u = rng.uniform();
  const draw = u * total;
  return Math.min(Math.abs(draw - lo), Math.abs(lo + probs[token] - draw)) /
    total;
}

Deno.test(
  "a server rollout: the in-process tokens for the same seeds, and the trainer's log-probs",
  SHARED_SERVER,
  async () => {
    const out = await Deno.makeTempDir({ prefix: "server-rollouts-" });
    const link = await GenerationServerLink.connect({
      vllmServerBaseUrl: server.url,
      vllmServerHost: "unused",
      vllmServerPort: 1,
      vllmServerTimeout: 30,
      useVllm: true,
      vllmMode: "server",
      outputDir: out,
    });
    const source = link.source(lora, DEFAULT_MODEL_DIR);
    await source.sync(0);
    const remote = await rollout(source, tokenizer, prompts, options);
    const local = await rollout(
      inProcessSource(model),
      tokenizer,
      prompts,
      options,
    );
    assertSameDraws(remote, local, options);
    const distinct = new Set(remote.map((r) => r.text));
    assert.ok(distinct.size > prompts.length, "the rows of a group differ");

    // The server's log-probs (KV-cache decoding, its own batch) against
    // the trainer's full-sequence forward pass over the same tokens.
    const batch = promptCompletionBatch(remote, tokenizer.padId);
    const grid = scoreBatch(model, batch);
    let worst = 0, total = 0, count = 0;
    remote.forEach((r, k) => {
      assert.equal(r.samplingLogps?.length, r.completionIds.length);
      const at = k * (batch.length - 1) + r.promptIds.length - 1;
      r.samplingLogps!.forEach((lp, t) => {
        const d = Math.abs(lp - grid[at + t]);
        worst = Math.max(worst, d);
        total += d;
        count++;
      });
    });
    console.log(
      `server vs local log-probs over ${count} tokens: mean |Δ| ${
        (total / count).toExponential(2)
      }, max ${worst.toExponential(2)}`,
    );
    // float32 sums in another order (cached keys/values, another batch
    // width): ~1e-6 relative on logits of size ~10, so 1e-4 nats is far
    // above rounding and far below a wrong adapter (≥ 1e-2, next test).
    assert.ok(worst < 1e-4, `max |Δ log p| ${worst}`);
    await source.close();
    await Deno.remove(out, { recursive: true });
  },
);

Deno.test(
  "each sync saves the adapter in PEFT format, loads a fresh name and retires the last",
  SHARED_SERVER,
  async () => {
    const out = await Deno.makeTempDir({ prefix: "server-sync-" });
    const link = await GenerationServerLink.connect({
      vllmServerBaseUrl: `${server.url}/`,
      vllmServerHost: "unused",
      vllmServerPort: 1,
      vllmServerTimeout: 30,
      useVllm: true,
      vllmMode: "server",
      outputDir: out,
    });
    const source = link.source(lora, DEFAULT_MODEL_DIR);
    await source.sync(0);
    const [first] = await served();
    assert.match(first, /^server-sync-\w+-[0-9a-f]{6}-step-0$/);
    const dir0 = `${out}/${ADAPTER_SYNC_DIR}/step-0`;
    assert.ok((await Deno.stat(`${dir0}/adapter_model.safetensors`)).isFile);
    assert.ok((await Deno.stat(`${dir0}/adapter_config.json`)).isFile);
    const before = await rollout(source, tokenizer, prompts.slice(0, 1), {
      ...options,
      numGenerations: 2,
    });

    // The policy moves: the next version is what the server samples from.
    randomizeB(lora, 2, 0.3);
    try {
      await source.sync(0); // the same version: nothing to do
      assert.deepEqual(await served(), [first]);
      await source.sync(1);
      const names = await served();
      assert.deepEqual(names, [first.replace(/step-0$/, "step-1")]);
      await assert.rejects(Deno.stat(dir0), Deno.errors.NotFound);
      const after = await rollout(source, tokenizer, prompts.slice(0, 1), {
        ...options,
        numGenerations: 2,
      });
      const local = await rollout(
        inProcessSource(model),
        tokenizer,
        prompts.slice(0, 1),
        { ...options, numGenerations: 2 },
      );
      assertSameDraws(after, local, { ...options, numGenerations: 2 });
      assert.notDeepEqual(
        after.map((r) => r.samplingLogps),
        before.map((r) => r.samplingLogps),
      );
      await source.close();
      assert.deepEqual(await served(), [], "closing unloads the adapter");
      await assert.rejects(
        Deno.stat(`${out}/${ADAPTER_SYNC_DIR}`),
        Deno.errors.NotFound,
      );
    } finally {
      randomizeB(lora, 1, 0.3);
    }
    await Deno.remove(out, { recursive: true });
  },
);

Deno.test(
  "client errors are one line naming the URL and what failed",
  SHARED_SERVER,
  async () => {
    const client = new GenerationServer(server.url, { timeoutMs: 10_000 });
    const sampling = options.sampling;
    await assert.rejects(
      client.complete({
        model: "no-such-adapter",
        prompts: [[1, 2]],
        maxTokens: 2,
        sampling,
        stopTokenIds: [],
      }),
      (e: Error) => {
        assert.ok(e instanceof GenerationServerError);
        assert.equal(e.status, 404);
        assert.match(
          e.message,
          new RegExp(
            `^generation server ${
              server.url.replaceAll(".", "\\.")
            }: POST /v1/completions \\(completions of no-such-adapter\\) answered 404: The model \`no-such-adapter\` does not exist`,
          ),
        );
        assert.doesNotMatch(e.message, /\n/);
        return true;
      },
    );
    await assert.rejects(
      client.loadAdapter("broken", "/nonexistent/adapter"),
      /POST \/v1\/load_lora_adapter \(loading LoRA adapter 'broken' from \/nonexistent\/adapter\) answered 400: cannot load LoRA adapter 'broken'/,
    );
    await assert.rejects(
      client.unloadAdapter("never-loaded"),
      /answered 404: The lora adapter 'never-loaded' cannot be found\./,
    );
    // A port nobody listens on: refused at once, or /health past the timeout.
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const down = new GenerationServer(`http://127.0.0.1:${port}`, {
      timeoutMs: 600,
    });
    await assert.rejects(
      down.waitUntilHealthy(),
      new RegExp(
        `^GenerationServerError: generation server http://127\\.0\\.0\\.1:${port}: GET /health cannot connect \\(.*\\) \\(waited 0\\.6 s\\)$`,
      ),
    );
  },
);

Deno.test("shutdown", SHARED_SERVER, async () => {
  lora.remove();
  model.dispose();
  await server.shutdown();
});
