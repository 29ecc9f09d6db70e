/**
 * Math story templates about rates, time and measures: reading pace, saving up week by week, a car
 * trip, filling a leaking tank, fencing a garden, practice minutes in hours.
 *
 * Each template picks numbers that make every step whole, then writes the
 * question and a GSM8K-style solution whose numbers all come from
 * `ctx.calc`.
 *
 * @module
 */
import { cap, type MathTemplate } from "./math_story.ts";

const reading: MathTemplate = {
  id: "reading",
  make(ctx) {
    const p = ctx.person();
    const [rate, days, done] = [
      ctx.int(8, 40),
      ctx.int(3, 12),
      ctx.int(20, 150),
    ];
    const pages = done + rate * days;
    const left = ctx.calc(`${pages}-${done}`);
    const need = ctx.calc(`${left.value}/${rate}`);
    return {
      question:
        `${p.name} is reading a ${pages}-page book and has already read ${done} pages. If ${p.subject} ` +
        `reads ${rate} pages every day, how many more days will it take ${p.object} to finish the book?`,
      steps: [
        `${cap(p.subject)} still has ${left.text} pages to read.`,
        `At ${rate} pages a day that takes ${need.text} days.`,
      ],
      final: need.value,
    };
  },
};

const savings: MathTemplate = {
  id: "savings",
  make(ctx) {
    const p = ctx.person();
    const thing = ctx.pick([
      "bike",
      "guitar",
      "tablet",
      "telescope",
      "pair of skates",
    ]);
    const [weekly, weeks] = [ctx.int(3, 15) * 5, ctx.int(3, 12)];
    const [saved, gift] = [ctx.int(2, 20) * 5, ctx.int(1, 6) * 5];
    const cost = saved + gift + weekly * weeks;
    const have = ctx.calc(`${saved}+${gift}`, "$");
    const missing = ctx.calc(`${cost}-${have.value}`, "$");
    const need = ctx.calc(`${missing.value}/${weekly}`);
    return {
      question:
        `${p.name} wants a ${thing} that costs $${cost}. ${
          cap(p.subject)
        } has saved $${saved} and ` +
        `${p.possessive} aunt gives ${p.object} $${gift}. If ${p.subject} saves $${weekly} ` +
        `every week from now on, how many weeks will it take to have enough?`,
      steps: [
        `${cap(p.subject)} already has ${have.text}.`,
        `${cap(p.subject)} still needs ${missing.text}.`,
        `At $${weekly} a week that takes ${need.text} weeks.`,
      ],
      final: need.value,
    };
  },
};

const trip: MathTemplate = {
  id: "trip",
  make(ctx) {
    const p = ctx.person();
    const [v1, t1, v2, t2] = [
      ctx.int(6, 12) * 10,
      ctx.int(1, 4),
      ctx.int(4, 9) * 10,
      ctx.int(1, 3),
    ];
    const extra = ctx.int(2, 30) * 5;
    const leg1 = ctx.calc(`${v1}*${t1}`);
    const leg2 = ctx.calc(`${v2}*${t2}`);
    const driven = ctx.calc(`${leg1.value}+${leg2.value}`);
    const whole = driven.value + extra;
    const left = ctx.calc(`${whole}-${driven.value}`);
    return {
      question:
        `${p.name} is driving to a city ${whole} km away. ${
          cap(p.subject)
        } drives at ${v1} km per hour for ${t1} ` +
        `hour${t1 > 1 ? "s" : ""}, then at ${v2} km per hour for ${t2} hour${
          t2 > 1 ? "s" : ""
        }. ` +
        `How many kilometers does ${p.subject} still have to drive?`,
      steps: [
        `First ${p.subject} covers ${leg1.text} km.`,
        `Then ${p.subject} covers ${leg2.text} km.`,
        `So far that is ${driven.text} km.`,
        `${cap(p.subject)} has ${left.text} km to go.`,
      ],
      final: left.value,
    };
  },
};

const tank: MathTemplate = {
  id: "tank",
  make(ctx) {
    const [fill, leak, minutes, already] = [
      ctx.int(8, 30),
      ctx.int(1, 6),
      ctx.int(5, 40),
      ctx.int(0, 5) * 10,
    ];
    if (leak >= fill) return undefined;
    const capacity = already + (fill - leak) * minutes;
    const missing = ctx.calc(`${capacity}-${already}`);
    const net = ctx.calc(`${fill}-${leak}`);
    const time = ctx.calc(`${missing.value}/${net.value}`);
    const start = already === 0
      ? "is empty"
      : `already holds ${already} liters`;
    return {
      question:
        `A water tank holds ${capacity} liters and ${start}. A pump adds ${fill} liters per minute, ` +
        `but a leak lets ${leak} liter${
          leak > 1 ? "s" : ""
        } out each minute. How many minutes until the tank is full?`,
      steps: [
        `The tank needs ${missing.text} more liters.`,
        `It gains ${net.text} liters each minute.`,
        `It is full after ${time.text} minutes.`,
      ],
      final: time.value,
    };
  },
};

const fence: MathTemplate = {
  id: "fence",
  make(ctx) {
    const p = ctx.person();
    const [length, width, gate, price] = [
      ctx.int(6, 30),
      ctx.int(4, 20),
      ctx.int(1, 3),
      ctx.int(3, 12),
    ];
    const half = ctx.calc(`${length}+${width}`);
    const around = ctx.calc(`2*${half.value}`);
    const fenced = ctx.calc(`${around.value}-${gate}`);
    const cost = ctx.calc(`${fenced.value}*${price}`, "$");
    return {
      question:
        `${p.name}'s garden is a rectangle ${length} meters long and ${width} meters wide. ${
          cap(p.subject)
        } wants ` +
        `a fence all the way around except for a gate ${gate} meter${
          gate > 1 ? "s" : ""
        } wide. Fencing costs ` +
        `$${price} per meter. How many dollars will the fence cost?`,
      steps: [
        `Length plus width is ${half.text} meters.`,
        `The distance around the garden is ${around.text} meters.`,
        `Without the gate, ${p.subject} needs ${fenced.text} meters of fence.`,
        `It costs ${cost.text}.`,
      ],
      final: cost.value,
    };
  },
};

const practice: MathTemplate = {
  id: "practice",
  make(ctx) {
    const p = ctx.person();
    const skill = ctx.pick([
      "piano",
      "violin",
      "chess",
      "basketball",
      "drawing",
    ]);
    const [weekday, weekend] = [ctx.int(2, 9) * 5, ctx.int(4, 16) * 15];
    const weekdays = ctx.calc(`5*${weekday}`);
    const total = ctx.calc(`${weekdays.value}+${weekend}`);
    if (total.value % 60 !== 0) return undefined;
    const hours = ctx.calc(`${total.value}/60`);
    return {
      question:
        `${p.name} practices ${skill} for ${weekday} minutes every weekday and for ${weekend} minutes on ` +
        `Saturday. ${
          cap(p.subject)
        } takes Sunday off. How many hours does ${p.subject} practice in a week?`,
      steps: [
        `On weekdays ${p.subject} practices ${weekdays.text} minutes.`,
        `With Saturday that is ${total.text} minutes.`,
        `That is ${hours.text} hours.`,
      ],
      final: hours.value,
    };
  },
};

/** The templates of this file. */
export const RATE_TEMPLATES: readonly MathTemplate[] = [
  reading,
  savings,
  trip,
  tank,
  fence,
  practice,
];
