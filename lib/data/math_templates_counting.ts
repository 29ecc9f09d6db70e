/**
 * Math story templates about counting and scaling: fractions of a group, a collection given away in
 * part, comparing collections, ages, a harvest packed in boxes, scaling a
 * recipe, a town's growth in percent.
 *
 * Each template picks numbers that make every step whole, then writes the
 * question and a GSM8K-style solution whose numbers all come from
 * `ctx.calc`.
 *
 * @module
 */
import { cap, FRACTIONS, type MathTemplate } from "./math_story.ts";

const clubs: MathTemplate = {
  id: "clubs",
  make(ctx) {
    const [a, b, frac] = ctx.pick(FRACTIONS);
    const [, d, frac2] = ctx.pick(FRACTIONS.filter((f) => f[0] === 1));
    const group = ctx.pick([
      "students in a class",
      "children at a summer camp",
      "members of a club",
    ]);
    const n = b * d * ctx.int(2, 10);
    const first = ctx.calc(a === 1 ? `${n}/${b}` : `${n}*${a}/${b}`);
    const rest = ctx.calc(`${n}-${first.value}`);
    const second = ctx.calc(`${rest.value}/${d}`);
    const neither = ctx.calc(`${rest.value}-${second.value}`);
    const [act1, act2] = ctx.pick([["play soccer", "the chess club"], [
      "sing in the choir",
      "the drama club",
    ], [
      "take swimming lessons",
      "the art class",
    ]]);
    return {
      question:
        `There are ${n} ${group}. ${
          cap(frac)
        } of them ${act1}. Of the others, ${frac2} join ${act2}. ` +
        `How many of them do neither?`,
      steps: [
        `${first.text} of them ${act1}.`,
        `That leaves ${rest.text}.`,
        `${second.text} of those join ${act2}.`,
        `So ${neither.text} do neither.`,
      ],
      final: neither.value,
    };
  },
};

const collection: MathTemplate = {
  id: "collection",
  make(ctx) {
    const p = ctx.person();
    const things = ctx.pick([
      "stamps",
      "stickers",
      "trading cards",
      "seashells",
      "coins",
    ]);
    const [start, monthly, months] = [
      ctx.int(10, 80),
      ctx.int(3, 15),
      ctx.int(2, 8),
    ];
    const [a, b, frac] = ctx.pick(FRACTIONS);
    const added = ctx.calc(`${monthly}*${months}`);
    const total = ctx.calc(`${start}+${added.value}`);
    if (total.value % b !== 0) return undefined;
    const given = ctx.calc(
      a === 1 ? `${total.value}/${b}` : `${total.value}*${a}/${b}`,
    );
    const left = ctx.calc(`${total.value}-${given.value}`);
    const friend = ctx.person();
    return {
      question:
        `${p.name} has ${start} ${things}. ${
          cap(p.subject)
        } adds ${monthly} more every month for ${months} months, ` +
        `then gives ${frac} of ${p.possessive} collection to ${friend.name}. How many ${things} does ${p.name} have left?`,
      steps: [
        `${cap(p.subject)} adds ${added.text} ${things}.`,
        `${cap(p.subject)} then has ${total.text} ${things}.`,
        `${cap(p.subject)} gives away ${given.text}.`,
        `${cap(p.subject)} has ${left.text} ${things} left.`,
      ],
      final: left.value,
    };
  },
};

const marbles: MathTemplate = {
  id: "marbles",
  make(ctx) {
    const [a, b, c] = [ctx.person(), ctx.person(), ctx.person()];
    const things = ctx.pick([
      "marbles",
      "baseball cards",
      "pebbles",
      "postcards",
    ]);
    const [first, times, fewer] = [
      ctx.int(4, 30),
      ctx.int(2, 5),
      ctx.int(1, 12),
    ];
    const second = ctx.calc(`${first}*${times}`);
    const third = ctx.calc(`${second.value}-${fewer}`);
    const total = ctx.calc(`${first}+${second.value}+${third.value}`);
    return {
      question:
        `${a.name} has ${first} ${things}. ${b.name} has ${times} times as many as ${a.name}, and ${c.name} ` +
        `has ${fewer} fewer than ${b.name}. How many ${things} do they have altogether?`,
      steps: [
        `${b.name} has ${second.text} ${things}.`,
        `${c.name} has ${third.text} ${things}.`,
        `Altogether they have ${total.text} ${things}.`,
      ],
      final: total.value,
    };
  },
};

const ages: MathTemplate = {
  id: "ages",
  make(ctx) {
    const [a, b, c] = [ctx.person(), ctx.person(), ctx.person()];
    const [young, times, gap] = [ctx.int(3, 12), ctx.int(2, 4), ctx.int(2, 9)];
    const older = ctx.calc(`${young}*${times}`);
    const third = ctx.calc(`${older.value}-${gap}`);
    const sum = ctx.calc(`${young}+${older.value}+${third.value}`);
    return {
      question:
        `${b.name} is ${young} years old. ${a.name} is ${times} times as old as ${b.name}, and ${c.name} ` +
        `is ${gap} years younger than ${a.name}. What is the sum of their three ages?`,
      steps: [
        `${a.name} is ${older.text} years old.`,
        `${c.name} is ${third.text} years old.`,
        `Together they are ${sum.text} years old.`,
      ],
      final: sum.value,
    };
  },
};

const harvest: MathTemplate = {
  id: "harvest",
  make(ctx) {
    const p = ctx.person();
    const [crop, plant] = ctx.pick([["tomatoes", "tomato plants"], [
      "peppers",
      "pepper plants",
    ], [
      "lemons",
      "lemon trees",
    ]]);
    const [rows, per, yieldEach, box] = [
      ctx.int(3, 12),
      ctx.int(4, 15),
      ctx.int(5, 20),
      ctx.pick([6, 8, 10, 12]),
    ];
    const plants = ctx.calc(`${rows}*${per}`);
    const picked = ctx.calc(`${plants.value}*${yieldEach}`);
    if (picked.value % box !== 0) return undefined;
    const boxes = ctx.calc(`${picked.value}/${box}`);
    return {
      question:
        `${p.name} has ${rows} rows of ${plant} with ${per} in each row. Each one gives ${yieldEach} ${crop}. ` +
        `${
          cap(p.subject)
        } packs all the ${crop} into boxes of ${box}. How many boxes does ${p.subject} fill?`,
      steps: [
        `There are ${plants.text} ${plant}.`,
        `They give ${picked.text} ${crop}.`,
        `That fills ${boxes.text} boxes.`,
      ],
      final: boxes.value,
    };
  },
};

const recipe: MathTemplate = {
  id: "recipe",
  make(ctx) {
    const p = ctx.person();
    const [batch, cups] = [ctx.pick([12, 16, 20, 24]), ctx.int(2, 4)];
    const batches = ctx.int(2, 6);
    const [ingredient, bake] = ctx.pick([["flour", "cookies"], [
      "sugar",
      "cupcakes",
    ], ["oats", "granola bars"]]);
    const wanted = batch * batches;
    const times = ctx.calc(`${wanted}/${batch}`);
    const total = ctx.calc(`${times.value}*${cups}`);
    const bag = ctx.pick([2, 3, 4]);
    if (total.value % bag !== 0) return undefined;
    const bags = ctx.calc(`${total.value}/${bag}`);
    return {
      question:
        `A recipe uses ${cups} cups of ${ingredient} to make ${batch} ${bake}. ${p.name} wants to make ${wanted} ` +
        `${bake} for a school fair. ${
          cap(ingredient)
        } comes in bags of ${bag} cups. ` +
        `How many bags does ${p.subject} need?`,
      steps: [
        `${cap(p.subject)} needs to make the recipe ${times.text} times.`,
        `That uses ${total.text} cups of ${ingredient}.`,
        `So ${p.subject} needs ${bags.text} bags.`,
      ],
      final: bags.value,
    };
  },
};

const town: MathTemplate = {
  id: "town",
  make(ctx) {
    const growth = ctx.pick([5, 10, 20, 25, 50]);
    const people = ctx.int(4, 90) * 100;
    const moved = ctx.int(1, 30) * 10;
    const newcomers = ctx.calc(`${people}*${growth}/100`);
    const after = ctx.calc(`${people}+${newcomers.value}`);
    const now = ctx.calc(`${after.value}-${moved}`);
    const place = ctx.pick(["town", "village", "island"]);
    return {
      question:
        `${
          place === "island" ? "An" : "A"
        } ${place} has ${people} people. Over one year its population grows by ${growth}%, and then ` +
        `${moved} people move away. How many people live in the ${place} now?`,
      steps: [
        `The population grows by ${newcomers.text} people.`,
        `That makes ${after.text} people.`,
        `After ${moved} leave, ${now.text} people remain.`,
      ],
      final: now.value,
    };
  },
};

/** The templates of this file. */
export const COUNTING_TEMPLATES: readonly MathTemplate[] = [
  clubs,
  collection,
  marbles,
  ages,
  harvest,
  recipe,
  town,
];
