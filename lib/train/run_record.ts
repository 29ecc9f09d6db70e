/**
 * What a checkpoint records about the run that wrote it, and the check that
 * a resume continues that run rather than another: every config field under
 * its JSON name (sections nested, as in the config file), the trainer, and
 * the SHA-256 of the training data, so data rewritten under the same name is
 * caught and data moved to another path is not.
 *
 * A resume must agree on every field but {@link MAY_CHANGE_ON_RESUME}: those
 * decide when to stop, log, save or evaluate and where files go, not the
 * weights of the steps already taken. Everything else (model, LoRA shape,
 * optimizer, schedule, batch and accumulation, seed, a trainer's own
 * fields…) decides the trajectory, and a field added to a trainer's table is
 * checked without being listed here.
 *
 * @module
 */
import type { FieldTable } from "../util/config_fields.ts";

/** A run's settings as a checkpoint records them. */
export type RunRecord = Record<string, unknown>;

/**
 * Fields a resumed run may set differently (JSON names). `max_steps` and
 * `num_train_epochs` move the end, and with it the learning-rate schedule of
 * the steps still to come; `train_data` may name another path, since its
 * content is compared by hash; `report_to` and `run_name` say where metrics
 * are also sent; the vLLM fields say where rollouts are
 * generated, not what the policy is (and checkpoints from before they
 * existed stay resumable).
 */
export const MAY_CHANGE_ON_RESUME: readonly string[] = [
  "output_dir",
  "max_steps",
  "num_train_epochs",
  "save_steps",
  "save_total_limit",
  "logging_steps",
  "log_completions_steps",
  "eval_steps",
  "eval_data",
  "per_device_eval_batch_size",
  "gradient_checkpointing",
  "train_data",
  // Where metrics are reported besides metrics.jsonl, and under which name.
  "report_to",
  "run_name",
  // Where rollouts are generated: the policy is the same in process and on
  // a server; the steps already taken do not depend on it.
  "use_vllm",
  "vllm_mode",
  "vllm_server_base_url",
  "vllm_server_host",
  "vllm_server_port",
  "vllm_server_timeout",
];

/** Fields that name a folder: equal when they resolve to the same one. */
const PATH_FIELDS = ["model", "init_adapter"];

/**
 * The record of a run of `trainer` with `config` (parsed by `fields`, the
 * trainer's field table).
 */
export async function runRecord(
  trainer: string,
  config: object,
  fields: FieldTable,
): Promise<RunRecord> {
  const record: RunRecord = {
    trainer,
    ...jsonNamed(config as Record<string, unknown>, fields),
  };
  if (typeof record.train_data === "string") {
    record.train_data_sha256 = await fileSha256(record.train_data);
  }
  return record;
}

/** One field a resume would change, with both values. */
export interface Difference {
  /** The JSON name, dotted inside a section ("lora.r"). */
  field: string;
  checkpoint: unknown;
  now: unknown;
}

/**
 * The differences between a checkpoint's record and this run's: `binding`
 * (the resume must be refused) and `allowed` (fields of
 * {@link MAY_CHANGE_ON_RESUME}, worth a note).
 */
export async function compareRecords(
  checkpoint: RunRecord,
  now: RunRecord,
): Promise<{ binding: Difference[]; allowed: Difference[] }> {
  const binding: Difference[] = [], allowed: Difference[] = [];
  for (const d of differences(checkpoint, now, "")) {
    const top = d.field.split(".")[0];
    if (MAY_CHANGE_ON_RESUME.includes(top)) allowed.push(d);
    else if (!(PATH_FIELDS.includes(top) && await sameFolder(d))) {
      binding.push(d);
    }
  }
  return { binding, allowed };
}

/** "lora.r: 4 in the checkpoint, 16 now". */
export function describeDifference(d: Difference): string {
  return `${d.field}: ${show(d.checkpoint)} in the checkpoint, ${
    show(d.now)
  } now`;
}

function jsonNamed(
  config: Record<string, unknown>,
  fields: FieldTable,
): RunRecord {
  const out: RunRecord = {};
  for (const [key, field] of Object.entries(fields)) {
    const value = config[key] ?? null;
    out[field.json] = field.fields && value !== null
      ? jsonNamed(value as Record<string, unknown>, field.fields)
      : value;
  }
  return out;
}

function differences(a: unknown, b: unknown, prefix: string): Difference[] {
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => differences(a[k], b[k], `${prefix}${k}.`));
  }
  return canonical(a) === canonical(b)
    ? []
    : [{ field: prefix.slice(0, -1), checkpoint: a, now: b }];
}

/** JSON with object keys sorted: settings written in another order are equal. */
function canonical(x: unknown): string {
  if (x === undefined) return "undefined";
  return JSON.stringify(
    x,
    (_, v) =>
      isPlainObject(v)
        ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
        : v,
  );
}

async function sameFolder(d: Difference): Promise<boolean> {
  if (typeof d.checkpoint !== "string" || typeof d.now !== "string") {
    return false;
  }
  const [a, b] = await Promise.all(
    [d.checkpoint, d.now].map((p) => Deno.realPath(p).catch(() => null)),
  );
  return a !== null && a === b;
}

function show(x: unknown): string {
  if (x === undefined) return "absent";
  return typeof x === "string" ? x : JSON.stringify(x);
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

async function fileSha256(path: string): Promise<string | null> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = await Deno.readFile(path);
  } catch {
    return null; // not a file here: the trainer reports it when it reads it
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}
