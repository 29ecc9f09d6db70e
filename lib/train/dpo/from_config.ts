/**
 * DPO from a config, once: parse the JSON (TRL's DPOConfig fields), read
 * the train and eval pairs through lib/data (files, folders or hub ids, in
 * any of TRL's preference formats) before any model loads, and run the
 * trainer. The task, the studies and the tests start DPO here.
 *
 * ```ts
 * const { steps, history } = await runDpoFromConfig(raw, "dpo.json", { resume: true });
 * ```
 *
 * @module
 */
import { type DpoConfig, parseDpoConfig } from "./config.ts";
import { loadDpoData } from "./data.ts";
import { type DpoResult, type DpoRunOptions, runDpo } from "./trainer.ts";

/** What {@link runDpoFromConfig} reports: the run and the parsed config. */
export interface DpoConfigResult extends DpoResult {
  config: DpoConfig;
}

/** Parses `raw` (`source` names it in errors), loads its pairs and runs DPO. */
export async function runDpoFromConfig(
  raw: unknown,
  source: string,
  options: DpoRunOptions = {},
): Promise<DpoConfigResult> {
  const config = parseDpoConfig(raw, source);
  const result = await runDpo(config, await loadDpoData(config), options);
  return { ...result, config };
}
