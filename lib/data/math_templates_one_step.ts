/**
 * One-step math story templates with small numbers, the "one-step" level
 * of the generated set: adding some more, taking some away, putting two
 * collections together, comparing them, groups of equal size, sharing
 * equally, paying for a few things, spending from a purse.
 *
 * Each solution is a single `ctx.calc` step, numbers stay mostly at or
 * under 20 and answers are small whole numbers: the level exists so a
 * 5M-parameter model can sometimes get the answer right and the accuracy
 * reward has something to reward.
 *
 * @module
 */
import { cap, type MathTemplate } from "./math_story.ts";

/** Things children count: plural nouns that read well with any number ≥ 2. */
const THINGS: readonly string[] = [
  "apples",
  "marbles",
  "stickers",
  "pencils",
  "seashells",
  "cookies",
  "crayons",
  "toy cars",
  "books",
  "balloons",
  "stamps",
  "oranges",
];

/** Containers for the groups templates: singular and plural. */
const BOXES: readonly [string, string][] = [
  ["bag", "bags"],
  ["box", "boxes"],
  ["basket", "baskets"],
  ["jar", "jars"],
  ["row", "rows"],
];

/** Cheap things to buy: plural, price range in dollars. */
const CHEAP: readonly [string, number, number][] = [
  ["pens", 1, 3],
  ["notebooks", 2, 4],
  ["stickers", 1, 2],
  ["apples", 1, 2],
  ["comic books", 2, 5],
  ["balls", 2, 4],
];

const addMore: MathTemplate = {
  id: "add_more",
  make(ctx) {
    const [p, q] = [ctx.person(), ctx.person()];
    const things = ctx.pick(THINGS);
    const [a, b] = [ctx.int(2, 15), ctx.int(2, 10)];
    const total = ctx.calc(`${a}+${b}`);
    return {
      question:
        `${p.name} has ${a} ${things}. ${q.name} gives ${p.object} ${b} more. How many ${things} does ${p.name} have now?`,
      steps: [`${cap(p.subject)} has ${total.text} ${things} now.`],
      final: total.value,
    };
  },
};

const takeAway: MathTemplate = {
  id: "take_away",
  make(ctx) {
    const [p, q] = [ctx.person(), ctx.person()];
    const things = ctx.pick(THINGS);
    const a = ctx.int(5, 20);
    const b = ctx.int(1, a - 1);
    const left = ctx.calc(`${a}-${b}`);
    const how = ctx.pick([`gives ${b} to ${q.name}`, `loses ${b}`]);
    return {
      question: `${p.name} has ${a} ${things}. ${
        cap(p.subject)
      } ${how}. How many ${things} does ${p.name} have left?`,
      steps: [`${cap(p.subject)} has ${left.text} ${things} left.`],
      final: left.value,
    };
  },
};

const altogether: MathTemplate = {
  id: "altogether",
  make(ctx) {
    const [p, q] = [ctx.person(), ctx.person()];
    const things = ctx.pick(THINGS);
    const [a, b] = [ctx.int(2, 12), ctx.int(2, 12)];
    const total = ctx.calc(`${a}+${b}`);
    return {
      question:
        `${p.name} has ${a} ${things} and ${q.name} has ${b} ${things}. How many ${things} do they have altogether?`,
      steps: [`Together they have ${total.text} ${things}.`],
      final: total.value,
    };
  },
};

const howManyMore: MathTemplate = {
  id: "how_many_more",
  make(ctx) {
    const [p, q] = [ctx.person(), ctx.person()];
    const things = ctx.pick(THINGS);
    const b = ctx.int(2, 15);
    const a = b + ctx.int(1, 8);
    const more = ctx.calc(`${a}-${b}`);
    return {
      question:
        `${p.name} has ${a} ${things} and ${q.name} has ${b} ${things}. How many more ${things} does ${p.name} have than ${q.name}?`,
      steps: [`${p.name} has ${more.text} more ${things}.`],
      final: more.value,
    };
  },
};

const groupsOf: MathTemplate = {
  id: "groups_of",
  make(ctx) {
    const p = ctx.person();
    const things = ctx.pick(THINGS);
    const [box, boxes] = ctx.pick(BOXES);
    const [n, k] = [ctx.int(2, 5), ctx.int(2, 6)];
    const total = ctx.calc(`${n}*${k}`);
    return {
      question:
        `${p.name} has ${n} ${boxes} with ${k} ${things} in each ${box}. How many ${things} does ${p.subject} have in all?`,
      steps: [`${cap(p.subject)} has ${total.text} ${things}.`],
      final: total.value,
    };
  },
};

const shareEqually: MathTemplate = {
  id: "share_equally",
  make(ctx) {
    const p = ctx.person();
    const things = ctx.pick(THINGS);
    const [n, each] = [ctx.int(2, 5), ctx.int(2, 5)];
    const total = n * each;
    const share = ctx.calc(`${total}/${n}`);
    return {
      question: `${p.name} shares ${total} ${things} equally among ${n} ${
        ctx.pick(["friends", "children", "classmates"])
      }. How many ${things} does each one get?`,
      steps: [`Each one gets ${share.text} ${things}.`],
      final: share.value,
    };
  },
};

const buySome: MathTemplate = {
  id: "buy_some",
  make(ctx) {
    const p = ctx.person();
    const [item, lo, hi] = ctx.pick(CHEAP);
    const [n, price] = [ctx.int(2, 5), ctx.int(lo, hi)];
    const cost = ctx.calc(`${n}*${price}`, "$");
    return {
      question:
        `${p.name} buys ${n} ${item} for $${price} each. How much does ${p.subject} pay, in dollars?`,
      steps: [`${cap(p.subject)} pays ${cost.text}.`],
      final: cost.value,
    };
  },
};

const spend: MathTemplate = {
  id: "spend",
  make(ctx) {
    const p = ctx.person();
    const a = ctx.int(5, 20);
    const b = ctx.int(1, a - 1);
    const what = ctx.pick(["a snack", "a toy", "a book", "a ticket", "a kite"]);
    const left = ctx.calc(`${a}-${b}`, "$");
    return {
      question: `${p.name} has $${a}. ${
        cap(p.subject)
      } spends $${b} on ${what}. How much money does ${p.subject} have left, in dollars?`,
      steps: [`${cap(p.subject)} has ${left.text} left.`],
      final: left.value,
    };
  },
};

/** The one-step templates, in a fixed order (the generator shuffles each round). */
export const ONE_STEP_TEMPLATES: readonly MathTemplate[] = [
  addMore,
  takeAway,
  altogether,
  howManyMore,
  groupsOf,
  shareEqually,
  buySome,
  spend,
];
