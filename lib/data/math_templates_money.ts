/**
 * Math story templates about money: change from a purchase, a bakery's sales, a percentage discount,
 * splitting a bill with a tip, a market stall's profit, a gym membership,
 * overtime pay.
 *
 * Each template picks numbers that make every step whole, then writes the
 * question and a GSM8K-style solution whose numbers all come from
 * `ctx.calc`.
 *
 * @module
 */
import { cap, ITEMS, type MathTemplate } from "./math_story.ts";

const change: MathTemplate = {
  id: "change",
  make(ctx) {
    const p = ctx.person();
    const [a, b] = [ctx.pick(ITEMS), ctx.pick(ITEMS)];
    if (a === b) return undefined;
    const [n1, n2] = [ctx.int(2, 6), ctx.int(2, 5)];
    const [p1, p2] = [ctx.int(a[2], a[3]), ctx.int(b[2], b[3])];
    const bill = ctx.pick([20, 50, 100]);
    const first = ctx.calc(`${n1}*${p1}`, "$");
    const second = ctx.calc(`${n2}*${p2}`, "$");
    const total = ctx.calc(`${first.value}+${second.value}`, "$");
    if (total.value >= bill) return undefined;
    const left = ctx.calc(`${bill}-${total.value}`, "$");
    return {
      question:
        `${p.name} buys ${n1} ${a[1]} for $${p1} each and ${n2} ${
          b[1]
        } for $${p2} each. ` +
        `${
          cap(p.subject)
        } pays with a $${bill} bill. How much change does ${p.subject} get, in dollars?`,
      steps: [
        `The ${a[1]} cost ${first.text}.`,
        `The ${b[1]} cost ${second.text}.`,
        `Altogether ${p.subject} spends ${total.text}.`,
        `${cap(p.possessive)} change is ${left.text}.`,
      ],
      final: left.value,
    };
  },
};

const bakery: MathTemplate = {
  id: "bakery",
  make(ctx) {
    const p = ctx.person();
    const good = ctx.pick(["muffins", "loaves of bread", "croissants", "pies"]);
    const made = ctx.int(30, 120);
    const [kept, given] = [ctx.int(2, 10), ctx.int(3, 15)];
    const price = ctx.int(2, 6);
    const days = ctx.pick([1, 5, 6, 7]);
    const left = ctx.calc(`${made}-${kept}-${given}`);
    const perDay = ctx.calc(`${left.value}*${price}`, "$");
    const steps = [
      `${cap(p.subject)} has ${left.text} ${good} left to sell each day.`,
      `Selling them brings in ${perDay.text} a day.`,
    ];
    let final = perDay.value;
    if (days > 1) {
      const total = ctx.calc(`${perDay.value}*${days}`, "$");
      steps.push(`Over ${days} days that is ${total.text}.`);
      final = total.value;
    }
    const when = days === 1 ? "each day" : `in ${days} days`;
    return {
      question:
        `${p.name}'s bakery makes ${made} ${good} every day. ${
          cap(p.subject)
        } keeps ${kept} for the staff, ` +
        `gives ${given} to a food bank, and sells the rest for $${price} each. How much money, in dollars, ` +
        `does ${p.subject} make from ${good} ${when}?`,
      steps,
      final,
    };
  },
};

const discount: MathTemplate = {
  id: "discount",
  make(ctx) {
    const p = ctx.person();
    const item = ctx.pick([
      "jacket",
      "pair of boots",
      "lamp",
      "backpack",
      "board game",
    ]);
    const off = ctx.pick([10, 20, 25, 30, 40, 50]);
    const price = ctx.int(2, 30) * 10;
    if ((price * off) % 100 !== 0) return undefined;
    const n = ctx.int(1, 4);
    const saved = ctx.calc(`${price}*${off}/100`, "$");
    const each = ctx.calc(`${price}-${saved.value}`, "$");
    const steps = [
      `The discount is ${saved.text} per ${item}.`,
      `Each one costs ${each.text}.`,
    ];
    let final = each.value;
    if (n > 1) {
      const total = ctx.calc(`${each.value}*${n}`, "$");
      steps.push(`For ${n} of them ${p.subject} pays ${total.text}.`);
      final = total.value;
    }
    const what = n === 1 ? `a ${item}` : `${n} of them`;
    return {
      question:
        `A ${item} normally costs $${price}. This week the store takes ${off}% off the price. ` +
        `How much, in dollars, does ${p.name} pay for ${what}?`,
      steps,
      final,
    };
  },
};

const splitBill: MathTemplate = {
  id: "split_bill",
  make(ctx) {
    const friends = ctx.int(2, 6);
    const tip = ctx.pick([10, 15, 20, 25]);
    const meal = ctx.int(3, 40) * 10;
    if ((meal * tip) % 100 !== 0) return undefined;
    const tipAmount = ctx.calc(`${meal}*${tip}/100`, "$");
    const total = ctx.calc(`${meal}+${tipAmount.value}`, "$");
    if (total.value % friends !== 0) return undefined;
    const each = ctx.calc(`${total.value}/${friends}`, "$");
    const place = ctx.pick([
      "a pizza place",
      "a noodle bar",
      "a diner",
      "a taco stand",
    ]);
    return {
      question:
        `${friends} friends eat at ${place}. The food costs $${meal}, and they add a ${tip}% tip. ` +
        `If they split the total equally, how many dollars does each friend pay?`,
      steps: [
        `The tip is ${tipAmount.text}.`,
        `The total is ${total.text}.`,
        `Each friend pays ${each.text}.`,
      ],
      final: each.value,
    };
  },
};

const stall: MathTemplate = {
  id: "stall",
  make(ctx) {
    const p = ctx.person();
    const items = ctx.pick(["bracelets", "mugs", "scarves", "jars of honey"]);
    const [n, cost, price, unsold, rent] = [
      ctx.int(20, 60),
      ctx.int(2, 8),
      ctx.int(9, 20),
      ctx.int(1, 8),
      ctx.int(2, 8) * 5,
    ];
    const spent = ctx.calc(`${n}*${cost}`, "$");
    const sold = ctx.calc(`${n}-${unsold}`);
    const income = ctx.calc(`${sold.value}*${price}`, "$");
    const profit = ctx.calc(`${income.value}-${spent.value}-${rent}`, "$");
    if (profit.value <= 0) return undefined;
    return {
      question:
        `${p.name} makes ${n} ${items} at a cost of $${cost} each and rents a market stall for $${rent}. ` +
        `${
          cap(p.subject)
        } sells all but ${unsold} of them for $${price} each. What is ${p.possessive} profit in dollars?`,
      steps: [
        `Making them cost ${spent.text}.`,
        `${cap(p.subject)} sells ${sold.text} ${items}.`,
        `That brings in ${income.text}.`,
        `After the stall rent, ${p.possessive} profit is ${profit.text}.`,
      ],
      final: profit.value,
    };
  },
};

const gym: MathTemplate = {
  id: "gym",
  make(ctx) {
    const p = ctx.person();
    const [fee, monthly, years] = [
      ctx.int(2, 10) * 10,
      ctx.int(15, 60),
      ctx.int(1, 3),
    ];
    const months = ctx.calc(`${years}*12`);
    const dues = ctx.calc(`${months.value}*${monthly}`, "$");
    const total = ctx.calc(`${fee}+${dues.value}`, "$");
    return {
      question:
        `A ${
          ctx.pick(["gym", "climbing club", "swimming pool"])
        } charges a one-time joining fee of $${fee} ` +
        `and $${monthly} a month. How many dollars will ${p.name} pay in ${p.possessive} first ${
          years > 1 ? `${years} years` : "year"
        } as a member?`,
      steps: [
        `${years} year${years > 1 ? "s are" : " is"} ${months.text} months.`,
        `The monthly payments add up to ${dues.text}.`,
        `With the joining fee ${p.subject} pays ${total.text}.`,
      ],
      final: total.value,
    };
  },
};

const overtime: MathTemplate = {
  id: "overtime",
  make(ctx) {
    const p = ctx.person();
    const [wage, regular, extra] = [
      ctx.int(6, 20) * 2,
      ctx.pick([35, 38, 40]),
      ctx.int(2, 10),
    ];
    const base = ctx.calc(`${regular}*${wage}`, "$");
    const rate = ctx.calc(`${wage}+${wage}/2`, "$");
    const over = ctx.calc(`${extra}*${rate.value}`, "$");
    const total = ctx.calc(`${base.value}+${over.value}`, "$");
    return {
      question:
        `${p.name} earns $${wage} an hour for the first ${regular} hours of a week and time and a half ` +
        `for every hour after that. Last week ${p.subject} worked ${
          regular + extra
        } hours. How many dollars did ${p.subject} earn?`,
      steps: [
        `For the first ${regular} hours ${p.subject} earned ${base.text}.`,
        `${cap(p.possessive)} overtime rate is ${rate.text} an hour.`,
        `${
          cap(p.subject)
        } worked ${extra} hours of overtime, worth ${over.text}.`,
        `In total ${p.subject} earned ${total.text}.`,
      ],
      final: total.value,
    };
  },
};

/** The templates of this file. */
export const MONEY_TEMPLATES: readonly MathTemplate[] = [
  change,
  bakery,
  discount,
  splitBill,
  stall,
  gym,
  overtime,
];
