/**
 * What the server serves: one base model (weights, tokenizer, sampling
 * defaults) and any number of named PEFT LoRA adapters on it, selected per
 * request by passing the name as `model` (vLLM's `--lora-modules` and
 * runtime `/v1/load_lora_adapter`).
 *
 * The model has one set of linear-layer adapters at a time, so a batch runs
 * with one selection ({@link ModelRegistry.activate}, called between
 * batches). Each adapter is read and attached once, then kept detached
 * until a batch selects it. A request holds a {@link Lease} on its
 * selection from admission to its answer: unloading (or replacing with
 * `load_inplace`) takes the name away at once, and frees the weights when
 * the last request that holds them is done.
 *
 * @module
 */
import type { SamplingOptions } from "../generate/presets.ts";
import type { CausalLM, LinearAdapter } from "../model/decoder.ts";
import { loadPretrained } from "../model/pretrained.ts";
import {
  attachAdapter,
  type LoraAdapters,
  type ReadAdapter,
  readAdapter,
} from "../peft/mod.ts";
import type { Tokenizer } from "../tokenizer/mod.ts";
import { InputError, messageOf } from "../util/errors.ts";
import { ApiError, badRequest } from "./api_error.ts";

/** The base model as served. */
export interface BaseModel {
  model: CausalLM;
  tokenizer: Tokenizer;
  /** The name clients pass as `model` (vLLM's served model name). */
  name: string;
  /** The folder the weights were read from. */
  dir: string;
  /** Sampling settings for fields a request leaves unset. */
  defaults: SamplingOptions;
}

/**
 * Loads `source` (a folder or hub id) for serving under `name`. The server
 * needs a tokenizer; the sampling defaults come from the checkpoint's
 * generation_config.json (temperature, top_p, top_k, min_p), as vLLM's do.
 */
export async function loadBaseModel(
  source: string,
  name: string,
): Promise<BaseModel> {
  const { model, tokenizer, dir } = await loadPretrained(source);
  if (!tokenizer) {
    model.dispose();
    throw new InputError(
      `model "${source}" (${dir}) has no tokenizer.json/tokenizer_config.json, so it cannot serve text`,
    );
  }
  return { model, tokenizer, name, dir, defaults: await samplingDefaults(dir) };
}

/** temperature 1, top_p 1, top_k off, min_p 0, overridden by generation_config.json. */
async function samplingDefaults(dir: string): Promise<SamplingOptions> {
  const defaults = { temperature: 1, topK: 0, topP: 1, minP: 0 };
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await Deno.readTextFile(`${dir}/generation_config.json`));
  } catch {
    return defaults; // none (or unreadable, which loading already reported)
  }
  const number = (key: string) =>
    typeof json[key] === "number" ? json[key] as number : undefined;
  const topK = number("top_k");
  return {
    temperature: number("temperature") ?? defaults.temperature,
    topK: topK === undefined || topK < 0 ? defaults.topK : topK,
    topP: number("top_p") ?? defaults.topP,
    minP: number("min_p") ?? defaults.minP,
  };
}

/** A loaded adapter. */
class AdapterEntry {
  refs = 0;
  removed = false;
  disposed = false;
  readonly created = Math.floor(Date.now() / 1000);
  constructor(
    readonly name: string,
    readonly path: string,
    readonly lora: LoraAdapters,
    /** Its layers by module name, installed into the model when selected. */
    readonly layers: ReadonlyMap<string, LinearAdapter>,
  ) {}
}

/** A request's hold on what it runs on: the base model or one adapter. */
export interface Lease {
  /** The served name the request asked for. */
  readonly name: string;
  /** What a batch must select: null for the base model. Compare by identity. */
  readonly target: object | null;
  /** Ends the hold (idempotent). */
  release(): void;
}

/** One row of `/v1/models`. */
export interface ModelCard {
  id: string;
  root: string;
  parent: string | null;
  created: number;
  maxModelLen: number | null;
}

/** The base model and its named adapters. */
export class ModelRegistry {
  readonly #adapters = new Map<string, AdapterEntry>();
  #active: AdapterEntry | null = null;
  readonly #created = Math.floor(Date.now() / 1000);

  constructor(readonly base: BaseModel) {}

  /** The base model first, then the adapters in load order. */
  cards(): ModelCard[] {
    return [
      {
        id: this.base.name,
        root: this.base.dir,
        parent: null,
        created: this.#created,
        maxModelLen: this.base.model.config.maxPositionEmbeddings,
      },
      ...[...this.#adapters.values()].map((a) => ({
        id: a.name,
        root: a.path,
        parent: this.base.name,
        created: a.created,
        maxModelLen: null,
      })),
    ];
  }

  /** Whether `name` is the base model or a loaded adapter. */
  has(name: string): boolean {
    return name === this.base.name || this.#adapters.has(name);
  }

  /** A hold on `name` (absent: the base model); 404 for an unknown name. */
  lease(name: string = this.base.name): Lease {
    if (name === this.base.name) {
      return { name, target: null, release: () => {} };
    }
    const entry = this.#adapters.get(name);
    if (!entry) {
      throw new ApiError(
        404,
        `The model \`${name}\` does not exist: this server has ${
          [this.base.name, ...this.#adapters.keys()].map((n) => `"${n}"`)
            .join(", ")
        }`,
        "model",
      );
    }
    entry.refs++;
    let held = true;
    return {
      name,
      target: entry,
      release: () => {
        if (!held) return;
        held = false;
        entry.refs--;
        this.#disposeIfUnused(entry);
      },
    };
  }

  /** Reads and checks the PEFT folder `path` against the base model (a 400 when it does not fit). */
  async read(name: string, path: string): Promise<ReadAdapter> {
    try {
      return await readAdapter(path, this.base.model.config);
    } catch (error) {
      throw badRequest(
        `cannot load LoRA adapter '${name}' from ${path}: ${messageOf(error)}`,
        "lora_path",
      );
    }
  }

  /**
   * Attaches an adapter read by {@link read} under `name`; with `replace`,
   * an adapter already under that name gives way (freed once unused), else
   * it is a 400. Changes the model's layers: call it between batches.
   */
  install(name: string, path: string, read: ReadAdapter, replace: boolean) {
    const old = this.#adapters.get(name);
    if (name === this.base.name) {
      throw badRequest(`'${name}' is the base model's name`, "lora_name");
    }
    if (old && !replace) {
      throw badRequest(
        `The lora adapter '${name}' has already been loaded. If you want to load the adapter in place, set 'load_inplace' to True.`,
        "lora_name",
      );
    }
    this.#select(null);
    const model = this.base.model;
    const lora = attachAdapter(model, read, { seed: 0 });
    const layers = new Map(
      lora.modules.map((m) => [m, model.adapters.get(m)!]),
    );
    model.adapters.clear();
    this.#adapters.set(name, new AdapterEntry(name, path, lora, layers));
    if (old) this.#retire(old);
  }

  /** Takes `name` away (404 when unknown); its weights go once unused. */
  unload(name: string): void {
    const entry = this.#adapters.get(name);
    if (!entry) {
      throw new ApiError(
        404,
        `The lora adapter '${name}' cannot be found.`,
        "lora_name",
      );
    }
    this.#adapters.delete(name);
    this.#retire(entry);
  }

  /** Installs a lease's selection into the model. Call between batches. */
  activate(lease: Lease): void {
    this.#select(lease.target as AdapterEntry | null);
  }

  /** Frees every adapter (the server is closing). */
  dispose(): void {
    this.#select(null);
    for (const entry of this.#adapters.values()) entry.lora.remove();
    this.#adapters.clear();
  }

  #select(entry: AdapterEntry | null): void {
    if (this.#active === entry) return;
    const adapters = this.base.model.adapters;
    adapters.clear();
    for (const [module, layer] of entry?.layers ?? []) {
      adapters.set(module, layer);
    }
    this.#active = entry;
  }

  #retire(entry: AdapterEntry): void {
    entry.removed = true;
    this.#disposeIfUnused(entry);
  }

  /**
   * Frees a retired adapter nobody holds. With no holder no batch runs on
   * it, so when it is still the model's selection, no batch runs at all.
   */
  #disposeIfUnused(entry: AdapterEntry): void {
    if (!entry.removed || entry.refs > 0 || entry.disposed) return;
    entry.disposed = true;
    if (this.#active === entry) this.#select(null);
    entry.lora.remove();
  }
}
