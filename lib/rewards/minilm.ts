/**
 * gemma_haiku's embedder, all-MiniLM-L6-v2, through `@huggingface/transformers`
 * (feature extraction over the ONNX export, mean pooling over real tokens,
 * L2 normalisation: what sentence-transformers computes).
 *
 * ```ts
 * const mini = miniLmEmbedder("checkpoints/all-MiniLM-L6-v2"); // a local folder
 * const mini2 = miniLmEmbedder("Xenova/all-MiniLM-L6-v2");     // hub id, cached after one download
 * ```
 *
 * A folder needs `config.json`, `tokenizer.json` and `onnx/model.onnx`
 * (`onnx/model_quantized.onnx` with `dtype: "q8"`), the layout of
 * `Xenova/all-MiniLM-L6-v2`. A hub id goes through lib/hub (cache,
 * `HF_HUB_OFFLINE`, `HF_ENDPOINT`); without network and without a cached copy
 * the first `embed` fails with an error that says how to bring the files
 * over, and a stalled connection fails after `timeoutMs`. No weights ship
 * with tunebook: offline, use `useLiteEmbedder()`.
 *
 * @module
 */
import { downloadHubFile, type HubOptions } from "../hub/download.ts";
import type { Embedder } from "./similarity.ts";

/** Options for {@link miniLmEmbedder}. */
export interface MiniLmOptions {
  /** `"fp32"` (default, `onnx/model.onnx`) or `"q8"` (`onnx/model_quantized.onnx`). */
  dtype?: "fp32" | "q8";
  /** Hub options for a hub id (settings, revision, progress). */
  hub?: HubOptions;
  /** Give up fetching a hub id after this long (default 120 000 ms). */
  timeoutMs?: number;
}

/** The default hub id: the ONNX export of sentence-transformers/all-MiniLM-L6-v2. */
export const MINILM_ID = "Xenova/all-MiniLM-L6-v2";

type Extractor = (
  texts: string[],
  options: { pooling: "mean"; normalize: boolean },
) => Promise<{ data: Float32Array; dims: number[] }>;

/**
 * A MiniLM embedder for a local folder or a hub id. Nothing is read until
 * the first `embed`; the model then loads once.
 */
export function miniLmEmbedder(
  source: string = MINILM_ID,
  options: MiniLmOptions = {},
): Embedder {
  let loading: Promise<Extractor> | undefined;
  const name = `minilm:${
    source.replace(/\/+$/, "").split("/").slice(-2).join("/")
  }`;
  return {
    name,
    async embed(texts) {
      if (texts.length === 0) return [];
      loading ??= load(source, options).catch((error) => {
        loading = undefined; // let a later call retry (files may appear)
        throw error;
      });
      const extract = await loading;
      const out = await extract([...texts], {
        pooling: "mean",
        normalize: true,
      });
      const [n, d] = out.dims;
      return Array.from(
        { length: n },
        (_, i) => out.data.slice(i * d, (i + 1) * d),
      );
    },
  };
}

function onnxFile(dtype: "fp32" | "q8"): string {
  return dtype === "q8" ? "onnx/model_quantized.onnx" : "onnx/model.onnx";
}

async function load(
  source: string,
  options: MiniLmOptions,
): Promise<Extractor> {
  const dtype = options.dtype ?? "fp32";
  const folder = await resolveFolder(source, options, dtype);
  const required = ["config.json", "tokenizer.json", onnxFile(dtype)];
  const missing: string[] = [];
  for (const file of required) {
    if (
      !(await Deno.stat(`${folder}/${file}`).then((s) => s.isFile, () => false))
    ) {
      missing.push(file);
    }
  }
  if (missing.length) {
    throw new Error(
      `MiniLM: ${folder} lacks ${missing.join(", ")}; it needs ${
        required.join(", ")
      } ` +
        `(the layout of ${MINILM_ID}: download it where there is internet and pass the folder)`,
    );
  }
  const { pipeline } = await import("@huggingface/transformers");
  try {
    // An absolute path is never mistaken for a hub id, and local_files_only
    // keeps transformers.js off the network.
    return await pipeline("feature-extraction", folder, {
      local_files_only: true,
      dtype,
      device: "cpu",
    }) as unknown as Extractor;
  } catch (error) {
    throw new Error(
      `MiniLM: could not load the model in ${folder}: ${
        (error as Error).message
      }`,
      { cause: error },
    );
  }
}

async function resolveFolder(
  source: string,
  options: MiniLmOptions,
  dtype: "fp32" | "q8",
): Promise<string> {
  const stat = await Deno.stat(source).catch(() => undefined);
  if (stat?.isDirectory) return await Deno.realPath(source);
  if (stat) {
    throw new Error(`MiniLM: ${source} is a file; pass the model folder`);
  }
  if (
    /^(\.{0,2}\/|~)/.test(source) || source.split("/").length !== 2 ||
    !/^[\w.-]+\/[\w.-]+$/.test(source)
  ) {
    throw new Error(
      `MiniLM: model folder not found: ${source} (pass an existing folder or a hub id such as ${MINILM_ID})`,
    );
  }
  const timeoutMs = options.timeoutMs ?? 120_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `MiniLM: fetching ${source} from the hub took over ${timeoutMs} ms; ` +
              `check the network, or download it elsewhere and pass the folder`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([fetchFiles(source, options, dtype), timeout]);
  } catch (error) {
    const message = (error as Error).message;
    throw new Error(
      message.startsWith("MiniLM:") ? message : `MiniLM: ${message}`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
}

async function fetchFiles(
  repo: string,
  options: MiniLmOptions,
  dtype: "fp32" | "q8",
): Promise<string> {
  const hub = { ...options.hub, progress: options.hub?.progress ?? false };
  const config = await downloadHubFile(repo, "config.json", hub);
  const pinned = { ...hub, revision: config.commit };
  await downloadHubFile(repo, "tokenizer.json", pinned);
  await downloadHubFile(repo, "tokenizer_config.json", {
    ...pinned,
    optional: true,
  });
  await downloadHubFile(repo, onnxFile(dtype), pinned);
  return config.path!.slice(0, -"/config.json".length);
}
