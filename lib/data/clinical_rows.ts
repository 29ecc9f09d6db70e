/**
 * The rows of the clinical summarisation task: a doctor–patient dialogue
 * and a short clinical note of it. Two sources give the same rows:
 *
 * - tunebook's offline set, `data/clinical/{train,eval}.jsonl`
 *   ({@link readClinicalJsonl}; errors name the file, line and field);
 * - MTS-Dialog on the hub ({@link loadMtsDialog}), by default the
 *   `har1/MTS_Dialogue-Clinical_Note` mirror, whose CSV columns `ID`,
 *   `dialogue` and `section_text` become `id`, `dialogue` and `summary`.
 *
 * ```ts
 * const rows = readClinicalJsonl("data/clinical/eval.jsonl");
 * const online = await loadMtsDialog({ split: "validation" });
 * online.rows[0].summary;
 * ```
 *
 * @module
 */
import { downloadHubFile } from "../hub/download.ts";
import { HubError } from "../hub/errors.ts";
import { hubSettings } from "../hub/settings.ts";
import { InputError } from "../util/errors.ts";
import {
  loadDataset,
  type LoadDatasetOptions,
  type LoadedDataset,
} from "./hub.ts";
import { datasetOfflineError } from "./hub_cache.ts";
import { type Row, rowLocation } from "./rows.ts";
import { readJsonlRows, stringFields } from "./jsonl_rows.ts";
import { field, validateRow } from "./schema.ts";
import { parseSplit } from "./split_spec.ts";

/** One dialogue and its note. */
export interface ClinicalRow {
  /** Offline set: `<topic>-<n>`. MTS-Dialog: its `ID` column. */
  id: string;
  /** One turn per line, `Speaker: text` (offline: Doctor or Patient). */
  dialogue: string;
  /** The clinical note: offline 1–3 sentences; MTS-Dialog one note section. */
  summary: string;
}

/** Column order of the JSONL rows. */
export const CLINICAL_KEYS = [
  "id",
  "dialogue",
  "summary",
] as const satisfies readonly (keyof ClinicalRow)[];

/** The speakers the offline files use, each line starting `<speaker>: `. */
export const CLINICAL_SPEAKERS = ["Doctor", "Patient"] as const;

const TURN = new RegExp(`^(${CLINICAL_SPEAKERS.join("|")}): \\S`);

/**
 * Checks one parsed JSONL value and returns it as a row; errors name
 * `where` (file:line) and the field.
 */
export function toClinicalRow(value: unknown, where: string): ClinicalRow {
  const row = stringFields(value, where, CLINICAL_KEYS);
  row.dialogue.split("\n").forEach((turn, i) => {
    if (!TURN.test(turn)) {
      throw new InputError(
        `${where}: field "dialogue" line ${i + 1} must start with ${
          CLINICAL_SPEAKERS.map((s) => `"${s}: "`).join(" or ")
        }, got ${JSON.stringify(turn.slice(0, 30))}`,
      );
    }
  });
  if (row.summary.includes("\n")) {
    throw new InputError(`${where}: field "summary" must be one line`);
  }
  return { id: row.id, dialogue: row.dialogue, summary: row.summary };
}

/**
 * Reads a clinical JSONL file (blank lines allowed); errors name the file,
 * line and field, and a repeated id names both lines.
 */
export function readClinicalJsonl(path: string): ClinicalRow[] {
  return readJsonlRows(path, toClinicalRow);
}

/** The MTS-Dialog mirror {@link loadMtsDialog} reads by default. */
export const MTS_DIALOG_HUB_ID = "har1/MTS_Dialogue-Clinical_Note";

/**
 * The files of {@link MTS_DIALOG_HUB_ID} that hold MTS-Dialog's training
 * (1,201 rows) and validation (100 rows) sets. They are named here because
 * their names fit no split convention: the hub puts both files in one
 * `train` split, and tunebook's file-name rules would find only a
 * `validation` split.
 */
export const MTS_DIALOG_FILES: Readonly<Record<string, string>> = {
  train: "MTS-Dialog-TrainingSet (SDHP).csv",
  validation: "MTS-Dialog-Validation Set (SDHP).csv",
};

/** The MTS-Dialog columns read (`section_header` is not). */
export const MTS_DIALOG_SCHEMA = [
  field("ID", "integer", { aliases: ["id"] }),
  field("dialogue", "string"),
  field("section_text", "string"),
] as const;

/**
 * MTS-Dialog rows as clinical rows: `ID` → `id`, `dialogue` → `dialogue`
 * (each line trimmed, blank lines dropped: the CSVs pad turns with spaces),
 * `section_text` → `summary` (trimmed). Errors name `source`, the row's
 * line and the field.
 */
export function mtsDialogRows(
  rows: readonly Row[],
  source: string,
): ClinicalRow[] {
  return rows.map((row, index) => {
    const valid = validateRow(row, MTS_DIALOG_SCHEMA, source, index);
    const dialogue = valid.dialogue.split("\n").map((l) => l.trim())
      .filter((l) => l !== "").join("\n");
    const summary = valid.section_text.trim();
    const empty = dialogue === ""
      ? "dialogue"
      : summary === ""
      ? "section_text"
      : undefined;
    if (empty) {
      throw new InputError(
        `${source} ${rowLocation(row, index)}: field "${empty}" is empty`,
      );
    }
    return { id: String(valid.ID), dialogue, summary };
  });
}

/** Options of {@link loadMtsDialog}. */
export interface MtsDialogOptions extends LoadDatasetOptions {
  /**
   * A hub dataset id (optionally `@revision`), a data file (e.g. a CSV of
   * the GitHub repo abachaa/MTS-Dialog) or a folder; default
   * {@link MTS_DIALOG_HUB_ID}.
   */
  source?: string;
}

/** A loaded split whose rows are clinical rows. */
export type ClinicalDataset = Omit<LoadedDataset, "rows"> & {
  rows: ClinicalRow[];
};

/**
 * Loads one split of MTS-Dialog as clinical rows. From the default mirror,
 * `train` and `validation` (optionally sliced, `train[:100]`) are its two
 * CSV files ({@link MTS_DIALOG_FILES}); any other source or split goes
 * through {@link loadDataset}.
 */
export async function loadMtsDialog(
  options: MtsDialogOptions = {},
): Promise<ClinicalDataset> {
  const source = options.source ?? MTS_DIALOG_HUB_ID;
  const split = options.split ?? "train";
  const [repo, atRevision] = source.split("@", 2);
  const file = repo === MTS_DIALOG_HUB_ID
    ? MTS_DIALOG_FILES[parseSplit(split).name]
    : undefined;
  const loaded = file
    ? await loadHubFile(repo, file, {
      ...options,
      split,
      revision: atRevision ?? options.revision ?? "main",
    })
    : await loadDataset(source, { ...options, split });
  // Errors name the mirror's file: its rows' locations do not.
  const label = file ? `${repo}/${file}` : loaded.repo ?? source;
  return { ...loaded, rows: mtsDialogRows(loaded.rows, label) };
}

/** One named file of a hub dataset as a split (the split's slice applies). */
async function loadHubFile(
  repo: string,
  file: string,
  options: LoadDatasetOptions & { split: string; revision: string },
): Promise<LoadedDataset> {
  const settings = options.settings ?? hubSettings();
  let got;
  try {
    got = await downloadHubFile(repo, file, {
      ...options,
      settings,
      repoType: "dataset",
    });
  } catch (error) {
    if (!(error instanceof HubError) || error.kind !== "offline") throw error;
    // The hub client's own message is worded for models.
    throw datasetOfflineError({
      repo,
      revision: options.revision,
      split: options.split,
      cacheDir: settings.cacheDir,
      reason: settings.offline
        ? "HF_HUB_OFFLINE is set"
        : "the hub could not be reached",
      cacheState: `holds no copy of "${file}"`,
    }, error);
  }
  const local = await loadDataset(got.path!, { split: options.split });
  return {
    ...local,
    origin: "hub",
    repo,
    revision: options.revision,
    commit: got.commit,
    how: `the file "${file}" of ${repo}`,
  };
}
