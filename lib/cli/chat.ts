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
 * line is one user message and only the replies go to stdout.
 *
 * @module
 */
import { cliHelpers } from "./args.ts";
import { loadChatModel, parsePreset, PRESET_NAMES } from "../chat/load.ts";
import { ChatSession } from "../chat/session.ts";
import { initEngine } from "../engine/mod.ts";

const USAGE = `usage: deno task chat [--model M] [--adapter DIR] [--preset ${
  PRESET_NAMES.join("|")
}] [--system TEXT] [--max-new-tokens N] [--seed N]`;
const { fail, integer, parse } = cliHelpers("chat", USAGE);

const args = parse({
  model: { type: "string" },
  adapter: { type: "string" },
  preset: { type: "string", default: "standard" },
  system: { type: "string" },
  "max-new-tokens": { type: "string" },
  seed: { type: "string" },
});
let preset;
try {
  preset = parsePreset(args.preset!);
} catch (error) {
  fail(`--preset: ${(error as Error).message}`);
}
const maxNewTokens = integer("max-new-tokens", args["max-new-tokens"], 1);
const seed = integer("seed", args.seed, 0);

await initEngine({ verbose: false });
let loaded;
try {
  loaded = await loadChatModel(args.model, args.adapter);
} catch (error) {
  fail((error as Error).message, 1);
}
const { model, tokenizer, source, adapter } = loaded!;
const session = new ChatSession(model, tokenizer, {
  preset,
  system: args.system,
  maxNewTokens,
  seed,
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
    session.reply(input, write);
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
