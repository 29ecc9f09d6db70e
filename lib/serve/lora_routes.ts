/**
 * vLLM's runtime LoRA routes (`VLLM_ALLOW_RUNTIME_LORA_UPDATING`):
 *
 * - `POST /v1/load_lora_adapter {"lora_name", "lora_path"[, "load_inplace"]}`
 *   → 200 plain text "Success: LoRA adapter '<name>' added successfully.";
 *   400 for a missing field, an adapter that does not fit the base model,
 *   or a name already loaded without `load_inplace: true` (which replaces
 *   it; requests already admitted finish on the old weights).
 * - `POST /v1/unload_lora_adapter {"lora_name"}` → 200 "Success: LoRA
 *   adapter '<name>' removed successfully."; 404 for an unknown name.
 *
 * The folder is read while batches run; attaching it waits for the
 * running batch to end (the model has one set of adapters at a time).
 *
 * @module
 */
import { badRequest } from "./api_error.ts";
import type { ServeContext } from "./context.ts";
import { Fields, readJsonObject } from "./fields.ts";

function success(text: string): Response {
  return new Response(text, {
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

function requiredName(f: Fields, name: string): string {
  const value = f.string(name);
  if (value === undefined || value === "") {
    throw badRequest(`${name} is required`, name);
  }
  return value;
}

/** `POST /v1/load_lora_adapter`. */
export async function loadLoraAdapter(
  request: Request,
  ctx: ServeContext,
): Promise<Response> {
  const f = new Fields(await readJsonObject(request, ctx.maxBodyBytes));
  const name = requiredName(f, "lora_name");
  const path = requiredName(f, "lora_path");
  const inplace = f.boolean("load_inplace") ?? false;
  const { registry, batcher } = ctx;
  if (registry.has(name) && !inplace) {
    // Refused before reading the folder; install() checks again after.
    throw badRequest(
      `The lora adapter '${name}' has already been loaded. If you want to load the adapter in place, set 'load_inplace' to True.`,
      "lora_name",
    );
  }
  const read = await registry.read(name, path);
  await batcher.exclusive(() => registry.install(name, path, read, inplace));
  return success(`Success: LoRA adapter '${name}' added successfully.`);
}

/** `POST /v1/unload_lora_adapter`. */
export async function unloadLoraAdapter(
  request: Request,
  ctx: ServeContext,
): Promise<Response> {
  const f = new Fields(await readJsonObject(request, ctx.maxBodyBytes));
  const name = requiredName(f, "lora_name");
  ctx.registry.unload(name);
  return success(`Success: LoRA adapter '${name}' removed successfully.`);
}
