/**
 * `deno task chat`: talk to a model in the terminal. Replies stream as they
 * are generated; the conversation is kept across turns and rendered with
 * the model's chat template.
 *
 *   deno task chat [--model M] [--adapter DIR] [--preset greedy|conservative|standard|creative]
 *                  [--domain NAME | --system TEXT] [--max-new-tokens N] [--seed N]
 *
 * Commands (lib/chat/commands.ts): `/reset` forgets the conversation,
 * `/preset NAME` switches the sampling preset, and `quit` or `exit` (any
 * case; also `/quit`, `/exit` or end of input) leaves. `--domain` talks to
 * a domain assistant (lib/chat/domains.ts): its system prompt, and a banner
 * with its example questions and, for medical, legal and finance, its
 * "not professional advice" note (printed once to stderr when piped too).
 * `--domain` and `--system` both set the system prompt, so they are refused
 * together. With stdin piped, each line is one user message and only the
 * replies go to stdout. When the
 * conversation outgrows the model's context the oldest exchanges are
 * dropped (a note on stderr says so); a message too long even alone is
 * refused (exit 1 when piped).
 *
 * @module
 */
import { chatBanner, COMMAND_HELP, isQuit } from "../chat/commands.ts";
import {
  DOMAIN_NAMES,
  domainSystemPrompt,
  parseDomain,
} from "../chat/domains.ts";
import { loadChatModel, parsePreset, PRESET_NAMES } from "../chat/load.ts";
import { ChatSession } from "../chat/session.ts";
import { initEngine } from "../engine/mod.ts";
import type { PresetName } from "../generate/presets.ts";
import { errorKind, messageOf, UsageError } from "../util/errors.ts";
import { flag } from "../util/flags.ts";
import { startTask } from "./task.ts";

const { values: args } = startTask({
  name: "chat",
  summary:
    "Talk to a model in the terminal; replies stream as they are generated. Commands: /reset, /preset NAME; quit or exit leaves.",
  flags: {
    model: flag.string("model folder or hub id (default: the default model)", {
      arg: "M",
    }),
    adapter: flag.string("PEFT LoRA adapter folder to apply", { arg: "DIR" }),
    preset: flag.parsed("sampling preset", parsePreset, {
      arg: PRESET_NAMES.join("|"),
      default: "standard" as PresetName,
    }),
    domain: flag.parsed(
      "domain assistant: its system prompt, example questions and safety note",
      parseDomain,
      { arg: DOMAIN_NAMES.join("|") },
    ),
    system: flag.string("system prompt (none by default)", { arg: "TEXT" }),
    "max-new-tokens": flag.integer("new tokens per reply", { min: 1 }),
    seed: flag.integer("sampling seed"),
  },
});
const { domain } = args;
if (domain && args.system !== undefined) {
  throw new UsageError(
    `--domain ${domain.name} sets the system prompt, and so does --system: give one of them`,
  );
}

await initEngine({ verbose: false });
const { model, tokenizer, source, adapter } = await loadChatModel(
  args.model,
  args.adapter,
);
const session = new ChatSession(model, tokenizer, {
  preset: args.preset,
  system: domain ? domainSystemPrompt(domain) : args.system,
  maxNewTokens: args["max-new-tokens"],
  seed: args.seed,
  onNote: (note) => console.error(note),
});

const interactive = Deno.stdin.isTerminal();
const encoder = new TextEncoder();
const write = (text: string) => Deno.stdout.writeSync(encoder.encode(text));
if (interactive) {
  console.error(
    chatBanner({ source, adapter, preset: session.preset, domain }),
  );
  write("> ");
} else if (domain?.safety) console.error(`note: ${domain.safety}`);

/** Handles one input line; returns false to stop. */
function handle(line: string): boolean {
  const input = line.trim();
  if (input === "") return true;
  if (isQuit(input)) return false;
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
      }"; commands are ${COMMAND_HELP}`,
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
