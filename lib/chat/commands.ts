/**
 * What `deno task chat` understands besides messages, and the banner that
 * tells the user: `/reset`, `/preset NAME`, and leaving with `quit` or
 * `exit` — bare words as ee596-fp's demos take them, any case, surrounding
 * spaces ignored — or `/quit`, `/exit` and end of input. A line that merely
 * contains the word ("quit smoking?") is a message.
 *
 * @module
 */
import type { Domain } from "./domains.ts";

/** The lines that end a chat, lowercased and trimmed. */
export const QUIT_WORDS: readonly string[] = ["quit", "exit", "/quit", "/exit"];

/** The commands, as the banner and the unknown-command error list them. */
export const COMMAND_HELP =
  "/reset, /preset NAME; quit or exit (or /quit, /exit, end of input) leaves";

/** Whether `line` ends the chat (see {@link QUIT_WORDS}). */
export function isQuit(line: string): boolean {
  return QUIT_WORDS.includes(line.trim().toLowerCase());
}

/** What the banner names. */
export interface BannerInfo {
  /** The model as given, or the default model's folder. */
  source: string;
  adapter?: string;
  preset: string;
  domain?: Domain;
}

/**
 * The banner of an interactive chat: the model and preset, the domain with
 * its safety note and example questions when there is one, and the
 * commands.
 */
export function chatBanner(info: BannerInfo): string {
  const { domain } = info;
  const lines = [
    `chat with ${info.source}${
      info.adapter ? ` + adapter ${info.adapter}` : ""
    } (preset ${info.preset})${domain ? ` as the ${domain.title}` : ""}`,
  ];
  if (domain?.safety) lines.push(`note: ${domain.safety}`);
  if (domain) {
    lines.push("try:", ...domain.examples.map((q) => `  ${q}`));
  }
  lines.push(`commands: ${COMMAND_HELP}`);
  return lines.join("\n");
}
