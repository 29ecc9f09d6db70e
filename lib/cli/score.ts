/**
 * `deno task score`: per-token log-probs and perplexity of text (or token ids)
 * under a model, as JSON.
 *
 *   deno task score --model <folder | org/name> --text "Hello world"
 *   deno task score --model <folder> --ids 2,9259,1902
 *   deno task score --model <folder> --file input.txt [--no-bos] [--out scores.json]
 *
 * @module
 */
import { initEngine } from "../engine/mod.ts";
import { loadPretrained } from "../model/pretrained.ts";
import { scoreSequence } from "../model/score.ts";
import type { Tokenizer } from "../tokenizer/mod.ts";
import { InputError, UsageError } from "../util/errors.ts";
import { flag } from "../util/flags.ts";
import { decodeUtf8 } from "../util/utf8.ts";
import { startTask } from "./task.ts";

const { values: args } = startTask({
  name: "score",
  summary:
    "Per-token log-probs and perplexity of text (or token ids) under a model, as JSON. Give exactly one of --text, --file, --ids.",
  flags: {
    model: flag.string("model folder or hub id", { arg: "M", required: true }),
    text: flag.string("text to score", { arg: "TEXT" }),
    file: flag.string("file whose text to score", { arg: "FILE" }),
    ids: flag.parsed("token ids to score, comma-separated", tokenIds, {
      arg: "1,2,3",
    }),
    "no-bos": flag.boolean("do not add the tokenizer's BOS token"),
    chunk: flag.integer("positions per forward pass (default: all at once)", {
      min: 1,
    }),
    out: flag.string("write the JSON here (default: stdout)", { arg: "FILE" }),
  },
});
const inputs = [args.text, args.file, args.ids].filter((x) => x !== undefined);
if (inputs.length !== 1) {
  throw new UsageError("give exactly one of --text, --file, --ids");
}

await initEngine({ verbose: false });
const pretrained = await loadPretrained(args.model);
const model = pretrained.model;

let tokenizer: Tokenizer | undefined;
let ids: number[];
if (args.ids !== undefined) {
  ids = args.ids;
} else {
  if (!pretrained.tokenizer) {
    throw new InputError(
      `${pretrained.dir} has no tokenizer.json/tokenizer_config.json; pass token ids with --ids`,
    );
  }
  tokenizer = pretrained.tokenizer;
  const text = args.text ??
    decodeUtf8(await Deno.readFile(args.file!), args.file!);
  ids = tokenizer.encode(text, { addSpecialTokens: !args["no-bos"] });
}
const score = scoreSequence(model, ids, args.chunk);
const result = {
  model: args.model,
  tokens: score.ids.map((id, i) => ({
    id,
    ...(tokenizer ? { text: tokenizer.decode([id]) } : {}),
    logprob: score.logprobs[i],
  })),
  scored_tokens: score.ids.length - 1,
  total_logprob: score.totalLogprob,
  mean_nll: score.meanNll,
  perplexity: score.perplexity,
};
const json = JSON.stringify(result, null, 2);
if (args.out) {
  await Deno.writeTextFile(args.out, json + "\n");
  console.error(
    `wrote ${args.out}: ${result.scored_tokens} tokens, perplexity ${
      score.perplexity.toFixed(3)
    }`,
  );
} else console.log(json);

/** Comma-separated token ids; throws naming the entry that is not one. */
function tokenIds(text: string): number[] {
  return text.split(",").map((s, i) => {
    const v = Number(s.trim());
    if (s.trim() === "" || !Number.isInteger(v)) {
      throw new Error(`entry ${i} ("${s}") is not an integer`);
    }
    return v;
  });
}
