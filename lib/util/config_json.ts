/**
 * A parsed config written back under its JSON names (the inverse of
 * `parseConfig` for fields whose values parse as they are written): what a
 * run records as its resolved config, which reads back to the same config.
 *
 * @module
 */
import type { ConfigOf, FieldTable } from "./config_fields.ts";
import type { Json } from "./fields.ts";

/** `config` keyed by each field's JSON name, sections recursively; absent (null) fields left out. */
export function configToJson<T extends FieldTable>(
  table: T,
  config: ConfigOf<T>,
): Json {
  const out: Json = {};
  for (const [key, f] of Object.entries(table)) {
    const value = (config as Record<string, unknown>)[key];
    if (value === null || value === undefined) continue;
    out[f.json] = f.fields
      ? configToJson(f.fields, value as ConfigOf<FieldTable>)
      : value;
  }
  return out;
}
