/**
 * The DPO loss of every loss_type against values and gradients computed by
 * hand from its closed form (lib/train/dpo/loss.ts), on two fixed pairs.
 */
import assert from "node:assert/strict";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import {
  DPO_LOSS_TYPES,
  dpoLoss,
  type DpoLossOptions,
  type DpoLossType,
  type FDivergence,
} from "../../lib/train/dpo/loss.ts";

await initEngine({ verbose: false });

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

const sig = (x: number) => 1 / (1 + Math.exp(-x));
const logSig = (x: number) => -Math.log1p(Math.exp(-x));
const dSig = (x: number) => sig(x) * (1 - sig(x));

// Two pairs: summed completion log-probs of the policy and the reference.
const C = [-1, -5], R = [-4, -4.5]; // policy chosen, rejected
const RC = [-3.5, -4], RR = [-3, -5]; // reference chosen, rejected
const LC = [2, 4], LR = [3, 1]; // completion tokens
const BETA = 0.5, EPS = 0.1, TAU = 2;
const DC = C.map((c, i) => c - RC[i]); // Δ⁺ = [2.5, −1]
const DR = R.map((r, i) => r - RR[i]); // Δ⁻ = [−1, 0.5]

function options(
  lossTypes: DpoLossType[],
  extra: Partial<DpoLossOptions> = {},
): DpoLossOptions {
  return {
    lossTypes,
    lossWeights: lossTypes.map(() => 1),
    beta: BETA,
    labelSmoothing: EPS,
    fDivergence: "reverse_kl",
    fAlphaDivergenceCoef: 0.5,
    discopopTau: TAU,
    ...extra,
  };
}

/** Loss, ∂loss/∂chosen and ∂loss/∂rejected from dpoLoss, with the statistics. */
function run(o: DpoLossOptions, c = C, r = R, rc = RC, rr = RR) {
  const chosen = tf.variable(tf.tensor1d(c));
  const rejected = tf.variable(tf.tensor1d(r));
  const fixed = [rc, rr, LC, LR].map((v) => tf.tensor1d(v));
  let stats: Record<string, number> = {};
  const { value, grads } = tf.variableGrads(() => {
    const out = dpoLoss({
      chosenLogps: chosen,
      rejectedLogps: rejected,
      refChosenLogps: fixed[0] as tf.Tensor1D,
      refRejectedLogps: fixed[1] as tf.Tensor1D,
      chosenLengths: fixed[2] as tf.Tensor1D,
      rejectedLengths: fixed[3] as tf.Tensor1D,
    }, o);
    const { loss, terms, ...rest } = out;
    stats = Object.fromEntries(
      Object.entries(rest).map(([k, t]) => [k, t.dataSync()[0]]),
    );
    for (const [k, t] of Object.entries(terms)) {
      stats[`term/${k}`] = t!.dataSync()[0];
    }
    return loss;
  }, [chosen, rejected]);
  const read = (v: tf.Variable) =>
    grads[v.name] ? Array.from(grads[v.name].dataSync()) : [0, 0];
  const result = {
    loss: value.dataSync()[0],
    dChosen: read(chosen),
    dRejected: read(rejected),
    stats,
  };
  tf.dispose([value, chosen, rejected, ...fixed, ...Object.values(grads)]);
  return result;
}

interface Expected {
  /** Per-pair loss ℓᵢ, or one batch value. */
  loss: number[] | number;
  /** ∂ℓᵢ/∂chosenᵢ and ∂ℓᵢ/∂rejectedᵢ before the 1/B of the mean. */
  dc: number[];
  dr: number[];
}

/** dℓ/dz of the smoothed sigmoid −(1−ε) log σ(βδ) − ε log σ(−βδ), per δ. */
const smoothedGrad = (delta: number) =>
  BETA * ((1 - EPS) * (sig(BETA * delta) - 1) + EPS * sig(BETA * delta));
const smoothed = (delta: number) =>
  -(1 - EPS) * logSig(BETA * delta) - EPS * logSig(-BETA * delta);

const pairs = [0, 1];
const z = pairs.map((i) => BETA * (DC[i] - DR[i])); // βd = [1.75, −0.75]

const EXPECTED: Record<DpoLossType, Expected> = {
  sigmoid: {
    loss: z.map((v) => -logSig(v)),
    dc: z.map((v) => BETA * (sig(v) - 1)),
    dr: z.map((v) => -BETA * (sig(v) - 1)),
  },
  hinge: {
    // Pair 0 has βd = 1.75 > 1: no loss, no gradient.
    loss: z.map((v) => Math.max(0, 1 - v)),
    dc: [0, -BETA],
    dr: [0, BETA],
  },
  ipo: (() => {
    const u = pairs.map((i) => DC[i] / LC[i] - DR[i] / LR[i] - 1 / (2 * BETA));
    return {
      loss: u.map((v) => v * v),
      dc: pairs.map((i) => (2 * u[i]) / LC[i]),
      dr: pairs.map((i) => (-2 * u[i]) / LR[i]),
    };
  })(),
  exo_pair: (() => {
    const q = z.map(sig);
    // dℓ/dz = q(1 − q)(z − log((1 − ε)/ε))
    const g = z.map((v, i) =>
      q[i] * (1 - q[i]) * (v - Math.log((1 - EPS) / EPS))
    );
    return {
      loss: z.map((v, i) =>
        q[i] * (logSig(v) - Math.log(1 - EPS)) +
        (1 - q[i]) * (logSig(-v) - Math.log(EPS))
      ),
      dc: g.map((v) => BETA * v),
      dr: g.map((v) => -BETA * v),
    };
  })(),
  nca_pair: {
    loss: pairs.map((i) =>
      -logSig(BETA * DC[i]) - 0.5 * logSig(-BETA * DC[i]) -
      0.5 * logSig(-BETA * DR[i])
    ),
    dc: pairs.map((i) =>
      BETA * (sig(BETA * DC[i]) - 1) + 0.5 * BETA * sig(BETA * DC[i])
    ),
    dr: pairs.map((i) => 0.5 * BETA * sig(BETA * DR[i])),
  },
  robust: (() => {
    const g = z.map((v) =>
      ((1 - EPS) * (sig(v) - 1) - EPS * sig(v)) / (1 - 2 * EPS)
    );
    return {
      loss: z.map((v) =>
        (-(1 - EPS) * logSig(v) + EPS * logSig(-v)) / (1 - 2 * EPS)
      ),
      dc: g.map((v) => BETA * v),
      dr: g.map((v) => -BETA * v),
    };
  })(),
  bco_pair: {
    loss: pairs.map((i) => -logSig(BETA * DC[i]) - logSig(-BETA * DR[i])),
    dc: pairs.map((i) => BETA * (sig(BETA * DC[i]) - 1)),
    dr: pairs.map((i) => BETA * sig(BETA * DR[i])),
  },
  sppo_hard: {
    loss: pairs.map((i) =>
      (DC[i] - 1 / (2 * BETA)) ** 2 + (DR[i] + 1 / (2 * BETA)) ** 2
    ),
    dc: pairs.map((i) => 2 * (DC[i] - 1 / (2 * BETA))),
    dr: pairs.map((i) => 2 * (DR[i] + 1 / (2 * BETA))),
  },
  // π⁺ − π⁻ = [3, −0.5] and ref⁺ − ref⁻ = [−0.5, 1] sort to [3, −0.5] and
  // [1, −0.5]: δ = [2, 0], pair 0's policy term meeting pair 1's reference.
  aot: {
    loss: [smoothed(2), smoothed(0)],
    dc: [smoothedGrad(2), smoothedGrad(0)],
    dr: [-smoothedGrad(2), -smoothedGrad(0)],
  },
  // Δ⁺ = [2.5, −1] and Δ⁻ = [−1, 0.5] sort to [2.5, −1] and [0.5, −1]:
  // δ = [2, 0], rejected pair 1 meeting chosen pair 0.
  aot_unpaired: {
    loss: [smoothed(2), smoothed(0)],
    dc: [smoothedGrad(2), smoothedGrad(0)],
    dr: [-smoothedGrad(0), -smoothedGrad(2)],
  },
  apo_zero: {
    loss: pairs.map((i) => 1 - sig(BETA * DC[i]) + sig(BETA * DR[i])),
    dc: pairs.map((i) => -BETA * dSig(BETA * DC[i])),
    dr: pairs.map((i) => BETA * dSig(BETA * DR[i])),
  },
  apo_down: {
    loss: pairs.map((i) => sig(BETA * DC[i]) + 1 - sig(z[i])),
    dc: pairs.map((i) => BETA * dSig(BETA * DC[i]) - BETA * dSig(z[i])),
    dr: pairs.map((i) => BETA * dSig(z[i])),
  },
  discopop: (() => {
    const m = z.map((v) => sig(v / TAU));
    const dm = z.map((v) => dSig(v / TAU) / TAU);
    const g = z.map((v, i) =>
      -dm[i] * -logSig(v) + (1 - m[i]) * (sig(v) - 1) +
      dm[i] * Math.exp(-v) - m[i] * Math.exp(-v)
    );
    return {
      loss: z.map((v, i) => (1 - m[i]) * -logSig(v) + m[i] * Math.exp(-v)),
      dc: g.map((v) => BETA * v),
      dr: g.map((v) => -BETA * v),
    };
  })(),
  // The mean NLL of the chosen tokens: −(c₀ + c₁) / (2 + 4) = 1; one batch
  // value, so ∂/∂cᵢ = −1/6.
  sft: { loss: 1, dc: [-1 / 6, -1 / 6], dr: [0, 0] },
  sigmoid_norm: (() => {
    const v = pairs.map((i) => BETA * (DC[i] / LC[i] - DR[i] / LR[i]));
    return {
      loss: v.map((x) => -logSig(x)),
      dc: pairs.map((i) => (BETA * (sig(v[i]) - 1)) / LC[i]),
      dr: pairs.map((i) => (-BETA * (sig(v[i]) - 1)) / LR[i]),
    };
  })(),
};

const meanOf = (loss: number[] | number) =>
  typeof loss === "number" ? loss : loss.reduce((a, b) => a + b) / loss.length;

Deno.test("dpo loss: every loss_type's value and gradients against its closed form", () => {
  assert.deepEqual(Object.keys(EXPECTED).sort(), [...DPO_LOSS_TYPES].sort());
  for (const type of DPO_LOSS_TYPES) {
    const want = EXPECTED[type];
    const got = run(options([type]));
    close(got.loss, meanOf(want.loss), 1e-5, `${type} loss`);
    close(got.stats[`term/${type}`], got.loss, 0, `${type} term`);
    // A per-pair loss is averaged over the B = 2 pairs; sft is one batch value.
    const scale = type === "sft" ? 1 : 1 / 2;
    pairs.forEach((i) => {
      close(
        got.dChosen[i],
        scale * want.dc[i],
        1e-5,
        `${type} ∂/∂chosen[${i}]`,
      );
      close(
        got.dRejected[i],
        scale * want.dr[i],
        1e-5,
        `${type} ∂/∂rejected[${i}]`,
      );
    });
  }
});

Deno.test("dpo loss: TRL's statistics use β·log-ratios (accuracy strict)", () => {
  const { stats } = run(options(["sigmoid"]));
  close(stats["rewards/chosen"], BETA * (2.5 - 1) / 2, 1e-6, "rewards/chosen");
  close(
    stats["rewards/rejected"],
    BETA * (-1 + 0.5) / 2,
    1e-6,
    "rewards/rejected",
  );
  close(
    stats["rewards/margins"],
    BETA * (3.5 - 1.5) / 2,
    1e-6,
    "rewards/margins",
  );
  close(stats["rewards/accuracies"], 0.5, 0, "rewards/accuracies");
  close(stats["logps/chosen"], -3, 0, "logps/chosen");
  close(stats["logps/rejected"], -4.25, 0, "logps/rejected");
});

Deno.test("dpo loss: policy = reference (step 0) gives ln 2, rewards 0, accuracy 0", () => {
  const { loss, stats } = run(options(["sigmoid"]), C, R, C, R);
  close(loss, Math.LN2, 1e-7, "loss");
  for (const k of ["chosen", "rejected", "margins", "accuracies"]) {
    assert.equal(stats[`rewards/${k}`], 0, `rewards/${k}`);
  }
});

Deno.test("dpo loss: loss_weights sum the types (RPO = sigmoid + α·sft)", () => {
  const alpha = 0.7;
  const got = run(options(["sigmoid", "sft"], { lossWeights: [1, alpha] }));
  const sigmoid = EXPECTED.sigmoid, sft = EXPECTED.sft;
  close(
    got.loss,
    meanOf(sigmoid.loss) + alpha * meanOf(sft.loss),
    1e-5,
    "loss",
  );
  close(got.stats["term/sft"], 1, 1e-6, "sft term is unweighted");
  pairs.forEach((i) =>
    close(
      got.dChosen[i],
      sigmoid.dc[i] / 2 + alpha * sft.dc[i],
      1e-5,
      `∂/∂chosen[${i}]`,
    )
  );
  assert.throws(
    () => run(options(["sigmoid", "sft"], { lossWeights: [1] })),
    /1 loss weights for 2 loss types/,
  );
});

Deno.test("dpo loss: f-divergences map the log-ratios before sigmoid, not the rewards", () => {
  const a = 0.5;
  const maps: Record<
    FDivergence,
    [(x: number) => number, (x: number) => number]
  > = {
    reverse_kl: [(x) => x, () => 1],
    forward_kl: [(x) => -Math.exp(-x), (x) => Math.exp(-x)],
    js_divergence: [logSig, (x) => 1 - sig(x)],
    alpha_divergence: [
      (x) => Math.exp((a - 1) * x) / (a - 1),
      (x) => Math.exp((a - 1) * x),
    ],
  };
  for (
    const [kind, [f, df]] of Object.entries(maps) as [
      FDivergence,
      typeof maps.js_divergence,
    ][]
  ) {
    const got = run(
      options(["sigmoid"], { fDivergence: kind, fAlphaDivergenceCoef: a }),
    );
    const zs = pairs.map((i) => BETA * (f(DC[i]) - f(DR[i])));
    close(got.loss, meanOf(zs.map((v) => -logSig(v))), 1e-5, `${kind} loss`);
    pairs.forEach((i) => {
      close(
        got.dChosen[i],
        (BETA * (sig(zs[i]) - 1) * df(DC[i])) / 2,
        1e-5,
        `${kind} ∂/∂chosen[${i}]`,
      );
      close(
        got.dRejected[i],
        (-BETA * (sig(zs[i]) - 1) * df(DR[i])) / 2,
        1e-5,
        `${kind} ∂/∂rejected[${i}]`,
      );
    });
    close(
      got.stats["rewards/margins"],
      BETA * (3.5 - 1.5) / 2,
      1e-6,
      `${kind} margins`,
    );
  }
});
