/**
 * Shared fixtures of the haiku evaluation tests: fixed outputs with
 * hand-checked scores, and a deterministic embedder injected in place of a
 * sentence model.
 */
import type { HaikuOutput } from "../../lib/experiments/haiku/metrics.ts";
import type { Embedder } from "../../lib/rewards/similarity.ts";

interface Row {
  conversations: { role: "user" | "assistant"; content: string }[];
}
const read = (file: string): Row[] =>
  JSON.parse(
    Deno.readTextFileSync(
      new URL(`../../data/haiku/${file}`, import.meta.url),
    ),
  );

/** data/haiku/train.json and eval.json. */
export const train = read("train.json");
export const evalRows = read("eval.json");

/** The assistant answers of train.json. */
export const trainHaikus = train.map((r) => r.conversations[1].content);

/** 26 letter counts of the lowercased text: a transparent, deterministic embedder for tests. */
export function letterBag(text: string): Float32Array {
  const v = new Float32Array(26);
  for (const ch of text.toLowerCase()) {
    const c = ch.charCodeAt(0) - 97;
    if (c >= 0 && c < 26) v[c]++;
  }
  return v;
}

/** The letter-bag embedder, recording every text it is asked to embed. */
export function letterBagEmbedder(): Embedder & { seen: string[] } {
  const seen: string[] = [];
  return {
    name: "letter-bag (test)",
    seen,
    embed: (texts) => {
      seen.push(...texts);
      return Promise.resolve(texts.map(letterBag));
    },
  };
}

/** Cosine of two letter bags, computed independently of lib/rewards. */
export function letterCosine(a: string, b: string): number {
  const x = letterBag(a), y = letterBag(b);
  let dot = 0, nx = 0, ny = 0;
  for (let i = 0; i < 26; i++) {
    dot += x[i] * y[i];
    nx += x[i] ** 2;
    ny += y[i] ** 2;
  }
  return nx === 0 || ny === 0 ? 0 : dot / Math.sqrt(nx * ny);
}

/** A real 5-7-5 haiku from eval.json (topic: a heron fishing at sunrise). */
export const realHaiku = evalRows[0].conversations[1].content;
/** Four lines. */
export const fourLines =
  "Gray heron at dawn\nstands on one leg\nin the reeds\nthen strikes";
/** train.json row 0's haiku with extra whitespace: a copy once stripped. */
export const trainCopy = `  ${train[0].conversations[1].content}\n`;
/** Three lines of 4, 7 and 5 syllables: 16 words, 71 characters. */
export const wrongCount =
  "Snow on the pines\nand not one bird has sung yet\nthe sky turns pale gold";
/** Every content word of its topic ("Quiet snowy forest at dawn"). */
export const echo = "the quiet snowy forest\nat dawn";

/** Three prompts × k = 2 with known scores (see the eval tests). */
export function fixedOutputs(): HaikuOutput[] {
  return [
    {
      prompt: [evalRows[0].conversations[0]],
      reference: realHaiku,
      samples: [realHaiku, fourLines],
    },
    {
      prompt: [train[0].conversations[0]],
      samples: [trainCopy, wrongCount],
    },
    {
      prompt:
        "Generate a haiku about the following topic: Quiet snowy forest at dawn\n",
      samples: [echo, ""],
    },
  ];
}
