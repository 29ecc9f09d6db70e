/**
 * Anthropic HH dialogues: `Anthropic/hh-rlhf` stores each side of a pair as
 * one string of turns, `"\n\nHuman: …\n\nAssistant: …"`, the two sides
 * sharing every turn but the final Assistant reply.
 *
 * ```ts
 * parseHhDialogue("\n\nHuman: Hi\n\nAssistant: Hello!");
 * // [{ role: "user", content: "Hi" }, { role: "assistant", content: "Hello!" }]
 * hhPair(chosenText, rejectedText);
 * // { prompt: [every turn before the last Assistant], chosen: [its reply], rejected: [its reply] }
 * ```
 *
 * A pair becomes a conversation as the original DPO code and TRL's
 * `hh-rlhf-helpful-base` conversion split it: the prompt is every turn up
 * to the last Assistant turn, chosen and rejected are that turn of each
 * side. Turn text is kept as written, less the one space after the colon
 * (TRL splits on `"\n\nHuman: "` / `"\n\nAssistant: "`). Unlike TRL's
 * character-wise common start, the two sides are parsed separately and
 * their earlier turns must match: a pair that diverges earlier would
 * otherwise put a whole `Human:` turn inside the assistant reply.
 *
 * @module
 */
import type { ChatMessage } from "../util/chat_message.ts";
import type { SplitPair } from "./implicit_prompt.ts";

/** What starts each turn; a single space after the colon belongs to the marker. */
const TURN = /\n\n(Human|Assistant):/g;

/** Whether `text` looks like an HH dialogue (its first turn is a Human turn). */
export function isHhDialogue(text: string): boolean {
  return /^\s*Human:/.test(text);
}

/**
 * The turns of an HH dialogue string. Throws (without a location; the
 * caller adds one) when it does not start with a Human turn or holds no
 * Assistant turn.
 */
export function parseHhDialogue(text: string): ChatMessage[] {
  // Leading whitespace varies ("\n\nHuman:", " Human:"); the turns do not.
  const body = "\n\n" + text.replace(/^\s+/, "");
  const marks = [...body.matchAll(TURN)];
  if (marks.length === 0 || marks[0].index !== 0 || marks[0][1] !== "Human") {
    throw new Error(
      `is not an Anthropic HH dialogue: it must start with "\\n\\nHuman: ", got ${
        JSON.stringify(text.slice(0, 30))
      }`,
    );
  }
  const turns = marks.map((mark, i): ChatMessage => {
    const start = mark.index! + mark[0].length;
    const end = i + 1 < marks.length ? marks[i + 1].index! : body.length;
    const content = body.slice(start, end);
    return {
      role: mark[1] === "Human" ? "user" : "assistant",
      content: content.startsWith(" ") ? content.slice(1) : content,
    };
  });
  if (!turns.some((t) => t.role === "assistant")) {
    throw new Error(`has no "\\n\\nAssistant: " turn`);
  }
  return turns;
}

/**
 * An HH pair as a conversation (see the module doc). Errors start with the
 * field they are about, e.g. `field "rejected": …`.
 */
export function hhPair(
  chosen: string,
  rejected: string,
): SplitPair<ChatMessage[]> {
  const sides = { chosen, rejected };
  const turns = {} as Record<"chosen" | "rejected", ChatMessage[]>;
  for (const side of ["chosen", "rejected"] as const) {
    try {
      turns[side] = parseHhDialogue(sides[side]);
    } catch (error) {
      throw new Error(`field "${side}" ${(error as Error).message}`);
    }
    const last = turns[side].at(-1)!;
    if (last.role !== "assistant") {
      throw new Error(
        `field "${side}" ends with a Human turn: an HH dialogue ends with the Assistant reply being compared`,
      );
    }
    const before = turns[side].at(-2);
    if (before?.role !== "user") {
      throw new Error(
        `field "${side}": the last Assistant turn must follow a Human turn, not ${
          before ? "another Assistant turn" : "nothing"
        }`,
      );
    }
  }
  const prompt = turns.chosen.slice(0, -1);
  const other = turns.rejected.slice(0, -1);
  const n = Math.max(prompt.length, other.length);
  for (let i = 0; i < n; i++) {
    const a = prompt[i], b = other[i];
    if (a && b && a.role === b.role && a.content === b.content) continue;
    throw new Error(
      `field "rejected": its turns before the last Assistant reply differ from chosen's at turn ${
        i + 1
      } (an HH pair shares every turn but the final reply)`,
    );
  }
  return {
    prompt,
    chosen: turns.chosen.slice(-1),
    rejected: turns.rejected.slice(-1),
  };
}
