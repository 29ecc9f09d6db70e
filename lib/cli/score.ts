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
import { parseArgs } from "node:util";
import { initEngine } from "../engine/mod.ts";
import { loadPretrained } from "../model/pretrained.ts";
import { scoreSequence } from "../model/score.ts";
import type { Tokenizer } from "../tokenizer/mod.ts";

const USAGE =
  "usage: deno task score --model <folder|org/name> (--text T | --file F | --ids 1,2,3) [--no-bos] [--out F]";
const { values: args } = parseArgs({
  options: {
    model: { type: "string" },
    text: { type: "string" },
    file: { type: "string" },
    ids: { type: "string" },
    "no-bos": { type: "boolean", default: false },
    chunk: { type: "string" },
    out: { type: "string" },
  },
});
const fail = (message: string): never => {
  console.error(`score: ${message}\n${USAGE}`);
  Deno.exit(2);
};
if (!args.model) fail("--model is required");
const inputs = [args.text, args.file, args.ids].filter((x) => x !== undefined);
if (inputs.length !== 1) fail("give exactly one of --text, --file, --ids");

await initEngine({ verbose: false });
const pretrained = await loadPretrained(args.model!);
const model = pretrained.model;

let tokenizer: Tokenizer | undefined;
let ids: number[];
if (args.ids !== undefined) {
  ids = args.ids.split(",").map((s, i) => {
    const v = Number(s.trim());
    if (!Number.isInteger(v)) {
      fail(`--ids entry ${i} ("${s}") is not an integer`);
    }
    return v;
  });
} else {
  tokenizer = pretrained.tokenizer ??
    fail(
      `${pretrained.dir} has no tokenizer.json/tokenizer_config.json; pass token ids with --ids`,
    );
  const text = args.text ?? await Deno.readTextFile(args.file!);
  ids = tokenizer.encode(text, { addSpecialTokens: !args["no-bos"] });
}
const chunk = args.chunk ? Number(args.chunk) : undefined;
const score = scoreSequence(model, ids, chunk);
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
