/**
 * SFT from a config, once: parse the JSON (TRL's SFTConfig fields), load
 * the train and eval rows through lib/data, and run the trainer. The task,
 * the studies and the tests start SFT here.
 *
 * ```ts
 * const { steps, history } = await runSftFromConfig(raw, "sft.json", { resume: true });
 * ```
 *
 * @module
 */
import { readRows } from "../../data/read.ts";
import { parseSftConfig, type SftConfig } from "./config.ts";
import { parseSftRows } from "./examples.ts";
import {
  runSft,
  type SftData,
  type SftResult,
  type SftRunOptions,
  type SftSplit,
} from "./trainer.ts";

/** Reads the train rows (and the eval rows, when configured) as SFT examples. */
export async function loadSftData(
  config: Pick<SftConfig, "trainData" | "evalData">,
): Promise<SftData> {
  const split = async (path: string): Promise<SftSplit> => ({
    source: path,
    examples: parseSftRows(await readRows(path), path),
  });
  return {
    train: await split(config.trainData),
    eval: config.evalData ? await split(config.evalData) : null,
  };
}

/** What {@link runSftFromConfig} reports: the run and the parsed config. */
export interface SftConfigResult extends SftResult {
  config: SftConfig;
}

/**
 * Parses `raw` (`source` names it in errors), loads its data and runs SFT.
 */
export async function runSftFromConfig(
  raw: unknown,
  source: string,
  options: SftRunOptions = {},
): Promise<SftConfigResult> {
  const config = parseSftConfig(raw, source);
  const result = await runSft(config, await loadSftData(config), options);
  return { ...result, config };
}
