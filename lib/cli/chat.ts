/**
 * `deno task chat`: talk to a model in the terminal. Replies stream as they
 * are generated; the conversation is kept across turns and rendered with
 * the model's chat template.
 *
 *   deno task chat [--model M] [--adapter DIR] [--preset greedy|conservative|standard|creative]
 *                  [--system TEXT] [--max-new-tokens N] [--seed N]
 *
 * Commands: `/reset` forgets the conversation, `/preset NAME` switches the
 * sampling preset, `/quit` (or end of input) leaves. With stdin piped, each
 * line is one user message and only the replies go to stdout. When the
 * conversation outgrows the model's context the oldest exchanges are
 * dropped (a note on stderr says so); a message too long even alone is
 * refused (exit 1 when piped).
 *
 * @module
 */
import { loadChatModel, parsePreset, PRESET_NAMES } from "../chat/load.ts";
import { ChatSession } from "../chat/session.ts";
import { initEngine } from "../engine/mod.ts";
import type { PresetName } from "../generate/presets.ts";
import { errorKind, messageOf } from "../util/errors.ts";
import { flag } from "../util/flags.ts";
import { startTask } from "./task.ts";

const { values: args } = startTask({
  name: "chat",
  summary:
    "Talk to a model in the terminal; replies stream as they are generated. Commands: /reset, /preset NAME, /quit.",
  flags: {
    model: flag.string("model folder or hub id (default: the default model)", {
      arg: "M",
    }),
    adapter: flag.string("PEFT LoRA adapter folder to apply", { arg: "DIR" }),
    preset: flag.parsed("sampling preset", parsePreset, {
      arg: PRESET_NAMES.join("|"),
      default: "standard" as PresetName,
    }),
    system: flag.string("system prompt", { arg: "TEXT" }),
    "max-new-tokens": flag.integer("new tokens per reply", { min: 1 }),
    seed: flag.integer("sampling seed"),
  },
});

await initEngine({ verbose: false });
const { model, tokenizer, source, adapter } = await loadChatModel(
  args.model,
  args.adapter,
);
const session = new ChatSession(model, tokenizer, {
  preset: args.preset,
  system: args.system,
  maxNewTokens: args["max-new-tokens"],
  seed: args.seed,
  onNote: (note) => console.error(note),
});

const interactive = Deno.stdin.isTerminal();
const encoder = new TextEncoder();
const write = (text: string) => Deno.stdout.writeSync(encoder.encode(text));
if (interactive) {
  console.error(
    `chat with ${source}${
      adapter ? ` + adapter ${adapter}` : ""
    } (preset ${session.preset}). /reset, /preset NAME, /quit`,
  );
  write("> ");
}

/** Handles one input line; returns false to stop. */
function handle(line: string): boolean {
  const input = line.trim();
  if (input === "") return true;
  if (input === "/quit" || input === "/exit") return false;
  if (input === "/reset") {
    session.reset();
    console.error("(conversation reset)");
  } else if (input === "/preset" || input.startsWith("/preset ")) {
    const name = input.slice("/preset".length).trim();
    try {
      session.preset = parsePreset(name);
      console.error(`(preset ${session.preset})`);
    } catch (error) {
      console.error(`chat: /preset: ${(error as Error).message}`);
    }
  } else if (input.startsWith("/")) {
    console.error(
      `chat: unknown command "${
        input.split(/\s/)[0]
      }"; commands are /reset, /preset NAME, /quit`,
    );
  } else {
    try {
      session.reply(input, write);
    } catch (error) {
      // A message too long for the context: at the terminal, say so and
      // let the user go on; piped, fail (exit 1) rather than skip a line.
      if (!interactive || errorKind(error) !== "input") throw error;
      console.error(`chat: ${messageOf(error)}`);
      return true;
    }
    write("\n");
  }
  return true;
}

let pending = "";
let going = true;
const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream());
reading: for await (const chunk of lines) {
  pending += chunk;
  let newline;
  while ((newline = pending.indexOf("\n")) >= 0) {
    const line = pending.slice(0, newline).replace(/\r$/, "");
    pending = pending.slice(newline + 1);
    going = handle(line);
    if (!going) break reading;
    if (interactive) write("> ");
  }
}
if (going && pending) handle(pending);
model.dispose();
