/**
 * TRL's vLLM fields (GRPOConfig's, which PPO shares here): where rollouts
 * are generated. `use_vllm: true` with `vllm_mode: "server"` sends them to
 * a server with vLLM's OpenAI-compatible API — `vllm serve MODEL
 * --enable-lora` with `VLLM_ALLOW_RUNTIME_LORA_UPDATING=True`, or `deno
 * task serve` — reached at `vllm_server_base_url`, else
 * `http://vllm_server_host:vllm_server_port`. The policy reaches the server
 * as its LoRA adapter (adapter-only sync, TRL's AsyncGRPO): saved each step
 * under `<output_dir>/.vllm_lora/step-N` and hot-loaded by name
 * (server_rollouts.ts). TRL's merged-weight sync (NCCL, `trl vllm-serve`)
 * is not implemented, so a full fine-tune cannot use a server, and
 * `"colocate"` (an engine inside the trainer) does not exist here: without
 * `use_vllm` the policy generates in process.
 *
 * @module
 */
import { field } from "../util/config_fields.ts";
import type { FieldReader } from "../util/fields.ts";

/** The vLLM fields, declared once for GRPO and PPO. */
export const VLLM_FIELDS = {
  useVllm: field.boolean("use_vllm", {
    default: false,
    doc:
      'generate rollouts on a generation server (vllm_mode "server"; LoRA policies only) instead of in process',
  }),
  vllmMode: field.choice("vllm_mode", ["server", "colocate"] as const, {
    default: "colocate",
    doc:
      'with use_vllm: "server" (a separate vLLM or `deno task serve`); TRL\'s default "colocate" is not implemented',
  }),
  vllmServerBaseUrl: field.string("vllm_server_base_url", {
    default: null,
    doc:
      "base URL of the server, e.g. http://10.0.0.5:8000 (overrides vllm_server_host and vllm_server_port)",
  }),
  vllmServerHost: field.string("vllm_server_host", {
    default: "0.0.0.0",
    doc: "host of the server when vllm_server_base_url is absent",
  }),
  vllmServerPort: field.integer("vllm_server_port", {
    min: 1,
    default: 8000,
    doc: "port of the server when vllm_server_base_url is absent",
  }),
  vllmServerTimeout: field.number("vllm_server_timeout", {
    above: 0,
    max: 86400,
    default: 240,
    doc:
      "seconds to wait for the server's /health before the first step, and for any one answer",
  }),
};

/** The vLLM settings of a parsed config. */
export interface VllmSettings {
  useVllm: boolean;
  vllmMode: "server" | "colocate";
  vllmServerBaseUrl: string | null;
  vllmServerHost: string;
  vllmServerPort: number;
  vllmServerTimeout: number;
}

/**
 * The rules across fields: a server needs `vllm_mode: "server"`, a LoRA
 * policy (`lora` section) and a URL that parses.
 */
export function checkVllmFields(
  config: VllmSettings & { lora: unknown },
  reader: FieldReader,
): void {
  if (!config.useVllm) return;
  if (config.vllmMode !== "server") {
    throw reader.error(
      "vllm_mode",
      '"colocate" (TRL\'s vLLM engine inside the trainer) is not implemented: set vllm_mode "server" with a running server, or leave use_vllm false to generate in process',
    );
  }
  if (config.lora === null) {
    throw reader.error(
      "use_vllm",
      'needs a "lora" section: the policy reaches the server as a LoRA adapter each step; a full fine-tune would need TRL\'s merged-weight sync, which tunebook does not implement',
    );
  }
  if (
    !URL.canParse(vllmServerUrl(config)) ||
    !/^https?:\/\//.test(vllmServerUrl(config))
  ) {
    throw reader.error(
      config.vllmServerBaseUrl !== null
        ? "vllm_server_base_url"
        : "vllm_server_host",
      `does not make an http(s) URL: ${vllmServerUrl(config)}`,
    );
  }
}

/** The server's base URL: vllm_server_base_url, else http://host:port. */
export function vllmServerUrl(config: VllmSettings): string {
  if (config.vllmServerBaseUrl !== null) {
    return config.vllmServerBaseUrl.replace(/\/+$/, "");
  }
  return `http://${config.vllmServerHost}:${config.vllmServerPort}`;
}
