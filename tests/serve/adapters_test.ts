/**
 * LoRA adapters on the server: one given at start is served under its
 * name and changes the output; `/v1/load_lora_adapter` and
 * `/v1/unload_lora_adapter` answer as vLLM's do; base and adapter requests
 * sent together each get their own model's answer; the base model is
 * unchanged by it all.
 */
import assert from "node:assert/strict";
import {
  assertApiError,
  BASE,
  get,
  post,
  saveTinyAdapter,
  SHARED_SERVER,
  startTestServer,
} from "./helpers.ts";

const adapterDir = await saveTinyAdapter(5);
const otherDir = await saveTinyAdapter(6);
const server = await startTestServer({
  adapters: [{ name: "tuned", path: adapterDir }],
});

/** Greedy token ids of `model` for a fixed prompt. */
async function greedy(model: string, prompt = "The whale"): Promise<number[]> {
  const { status, body } = await post(server, "/v1/completions", {
    model,
    prompt,
    max_tokens: 8,
    temperature: 0,
    ignore_eos: true,
    return_token_ids: true,
  });
  assert.equal(status, 200, JSON.stringify(body));
  return body.choices[0].token_ids;
}

const baseBefore = await greedy(BASE);

Deno.test(
  "an adapter given at start is listed and selected by name; it changes the output",
  SHARED_SERVER,
  async () => {
    const { body } = await get(server, "/v1/models");
    assert.deepEqual(body.data.map((m: { id: string }) => m.id), [
      BASE,
      "tuned",
    ]);
    const card = body.data[1];
    assert.equal(card.parent, BASE);
    assert.equal(card.root, adapterDir);
    assert.equal(card.max_model_len, null);
    const tuned = await greedy("tuned");
    assert.notDeepEqual(tuned, baseBefore, "the adapter changes the output");
    assert.deepEqual(await greedy("tuned"), tuned);
    assert.deepEqual(
      await greedy(BASE),
      baseBefore,
      "the base model is unchanged",
    );
  },
);

Deno.test(
  "base and adapter requests sent together each get their own model's answer",
  SHARED_SERVER,
  async () => {
    const prompts = ["The whale", "Call me Ishmael", "The sea"];
    const alone = new Map<string, number[]>();
    for (const model of [BASE, "tuned"]) {
      for (const p of prompts) {
        alone.set(`${model}|${p}`, await greedy(model, p));
      }
    }
    const keys = [...alone.keys()];
    const together = await Promise.all(
      keys.map((k) => greedy(k.split("|")[0], k.split("|")[1])),
    );
    keys.forEach((k, i) => assert.deepEqual(together[i], alone.get(k), k));
  },
);

Deno.test(
  "load_lora_adapter / unload_lora_adapter: vLLM's answers and errors",
  SHARED_SERVER,
  async () => {
    const load = (body: unknown) => post(server, "/v1/load_lora_adapter", body);
    const unload = (body: unknown) =>
      post(server, "/v1/unload_lora_adapter", body);

    const loaded = await load({ lora_name: "policy-v1", lora_path: otherDir });
    assert.equal(loaded.status, 200);
    assert.match(loaded.type, /^text\/plain/);
    assert.equal(
      loaded.body,
      "Success: LoRA adapter 'policy-v1' added successfully.",
    );
    const v1 = await greedy("policy-v1");
    assert.notDeepEqual(
      v1,
      await greedy("tuned"),
      "another adapter, another answer",
    );

    assertApiError(
      await load({ lora_name: "policy-v1", lora_path: adapterDir }),
      400,
      /The lora adapter 'policy-v1' has already been loaded\. If you want to load the adapter in place, set 'load_inplace' to True\./,
    );
    // In place: the same name, the new weights (here: the "tuned" adapter's).
    const replaced = await load({
      lora_name: "policy-v1",
      lora_path: adapterDir,
      load_inplace: true,
    });
    assert.equal(replaced.status, 200, replaced.body);
    assert.deepEqual(await greedy("policy-v1"), await greedy("tuned"));

    assertApiError(
      await load({ lora_path: adapterDir }),
      400,
      /^lora_name is required$/,
      "lora_name",
    );
    assertApiError(
      await load({ lora_name: "x" }),
      400,
      /^lora_path is required$/,
      "lora_path",
    );
    assertApiError(
      await load({ lora_name: 3, lora_path: "y" }),
      400,
      /^lora_name must be a string, got 3$/,
    );
    assertApiError(
      await load({ lora_name: "x", lora_path: "/no/such/dir" }),
      400,
      /^cannot load LoRA adapter 'x' from \/no\/such\/dir: .*adapter_config\.json not found/,
      "lora_path",
    );

    const removed = await unload({ lora_name: "policy-v1" });
    assert.equal(removed.status, 200);
    assert.equal(
      removed.body,
      "Success: LoRA adapter 'policy-v1' removed successfully.",
    );
    assertApiError(
      await post(server, "/v1/completions", {
        model: "policy-v1",
        prompt: "x",
      }),
      404,
      /The model `policy-v1` does not exist/,
    );
    assertApiError(
      await unload({ lora_name: "policy-v1" }),
      404,
      /The lora adapter 'policy-v1' cannot be found\./,
    );
    assertApiError(await unload({}), 400, /^lora_name is required$/);
    const { body } = await get(server, "/v1/models");
    assert.deepEqual(body.data.map((m: { id: string }) => m.id), [
      BASE,
      "tuned",
    ]);
    assert.deepEqual(
      await greedy(BASE),
      baseBefore,
      "the base model is unchanged",
    );
  },
);

Deno.test(
  "an adapter unloaded while its request runs: the request finishes on it",
  SHARED_SERVER,
  async () => {
    await post(server, "/v1/load_lora_adapter", {
      lora_name: "brief",
      lora_path: otherDir,
    });
    const expected = await greedy("brief");
    const response = await fetch(`${server.url}/v1/completions`, {
      method: "POST",
      body: JSON.stringify({
        model: "brief",
        prompt: "The whale",
        max_tokens: 8,
        temperature: 0,
        ignore_eos: true,
        return_token_ids: true,
        stream: true,
      }),
    });
    const reader = response.body!.pipeThrough(new TextDecoderStream())
      .getReader();
    let text = (await reader.read()).value!; // the first token is out: it runs
    const removed = await post(server, "/v1/unload_lora_adapter", {
      lora_name: "brief",
    });
    assert.equal(removed.status, 200);
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      text += r.value;
    }
    const ids = text.split("\n\n").filter((e) => e.startsWith("data: {"))
      .flatMap((e) => JSON.parse(e.slice(6)).choices[0].token_ids);
    assert.deepEqual(ids, expected);
    assertApiError(
      await post(server, "/v1/completions", { model: "brief", prompt: "x" }),
      404,
      /does not exist/,
    );
    assert.deepEqual(await greedy(BASE), baseBefore);
  },
);

Deno.test("shutdown", SHARED_SERVER, async () => {
  await server.shutdown();
  await Deno.remove(adapterDir, { recursive: true });
  await Deno.remove(otherDir, { recursive: true });
});
