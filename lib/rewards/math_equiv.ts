/**
 * Whether two math answers are the same. In order: numbers (thousands
 * separators, `$`, fractions `a/b`; a percentage `p%` equals `p` or
 * `p/100`), then expressions through latex.ts and mathjs (no variables:
 * evaluated; with variables: equal at six seeded random points, else
 * `simplify(a − b) = 0`), else the normalised texts. Numbers are equal
 * within `|a − b| ≤ max(1e-9, 1e-6·max(|a|, |b|))`.
 *
 * ```ts
 * answersMatch("\\frac{1}{2}", "0.5");      // true
 * answersMatch("50%", "0.5");               // true (and "50%" also matches 50)
 * answersMatch("(x+1)^2", "x^2 + 2x + 1");  // true
 * ```
 *
 * @module
 */
import { all, create, type MathNode } from "mathjs";
import { Rng } from "../util/random.ts";
import { latexToMathjs } from "./latex.ts";

const math = create(all, { number: "number" });

/** A number in prose: thousands separators, `$` and `%` allowed (global). */
export const NUMBER_PATTERN =
  /[-+]?\$?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?|[-+]?\$?\.\d+%?/g;

/** A value read from an answer. */
export type AnswerValue =
  | { kind: "number"; value: number; percent: boolean }
  | { kind: "expr"; node: MathNode; variables: string[] }
  | { kind: "text"; text: string };

const ALLOWED_FUNCTIONS = new Set([
  "sqrt",
  "nthRoot",
  "abs",
  "exp",
  "log",
  "sin",
  "cos",
  "tan",
]);
const CONSTANTS = new Set(["pi", "e", "i"]);

function stripAnswer(text: string): string {
  return text.trim()
    .replace(/^\$+|\$+$/g, "").replace(/^\\[([]|\\[)\]]$/g, "")
    .replace(/\\\$|\$/g, "")
    .replace(/^[A-Za-z]\w*\s*=\s*(?=[^=]+$)/, "") // "x = 5" → "5"
    .replace(/\^\s*\{?\\circ\}?|°/g, "")
    .replace(/\\%/g, "%")
    .replace(/[.。]$/, "")
    .trim();
}

/** Plain numbers: `-1,234.5`, `.5`, `50%`, `3/4`, `-1 1/2` is not one. */
function plainNumber(s: string): AnswerValue | null {
  const compact = s.replace(/\s+/g, "");
  let m = /^([-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+)(%?)$/.exec(
    compact,
  );
  if (m) {
    return {
      kind: "number",
      value: Number(m[1].replaceAll(",", "")),
      percent: m[2] === "%",
    };
  }
  m = /^([-+]?\d+)\/(\d+)$/.exec(compact);
  if (m && Number(m[2]) !== 0) {
    return {
      kind: "number",
      value: Number(m[1]) / Number(m[2]),
      percent: false,
    };
  }
  return null;
}

function checkedExpression(source: string): AnswerValue | null {
  let node: MathNode;
  try {
    node = math.parse(source);
  } catch {
    return null;
  }
  const variables = new Set<string>();
  let ok = true;
  node.traverse((n: MathNode, path: string, parent: MathNode | null) => {
    if (n.type === "FunctionNode") {
      const name = (n as unknown as { fn: { name: string } }).fn.name;
      if (!ALLOWED_FUNCTIONS.has(name)) ok = false;
    } else if (n.type === "SymbolNode") {
      if (parent?.type === "FunctionNode" && path === "fn") return;
      const name = (n as unknown as { name: string }).name;
      if (CONSTANTS.has(name)) return;
      // Single letters, optionally subscripted (x, y_1); longer words are
      // units or prose ("cm", "dollars"), which mathjs would misread.
      if (/^[A-Za-z](?:_[A-Za-z0-9]+)?$/.test(name)) variables.add(name);
      else ok = false;
    } else if (
      !["ConstantNode", "OperatorNode", "ParenthesisNode"].includes(n.type)
    ) {
      ok = false;
    }
  });
  if (!ok) return null;
  const value = variables.size === 0 ? evaluate(node, {}) : null;
  if (value !== null && value.im === 0) {
    return { kind: "number", value: value.re, percent: false };
  }
  if (variables.size === 0 && value === null) return null;
  // Variables, or a complex constant such as 2i: compared by evaluation.
  return { kind: "expr", node, variables: [...variables].sort() };
}

/** A finite real or complex value of `node`, or null. */
function evaluate(
  node: MathNode,
  scope: Record<string, number>,
): { re: number; im: number } | null {
  let v: unknown;
  try {
    v = node.evaluate(scope);
  } catch {
    return null;
  }
  if (typeof v === "number") {
    return Number.isFinite(v) ? { re: v, im: 0 } : null;
  }
  if (math.isComplex(v)) {
    const { re, im } = v as { re: number; im: number };
    return Number.isFinite(re) && Number.isFinite(im) ? { re, im } : null;
  }
  return null;
}

/**
 * Reads an answer string: a number, an expression (LaTeX or plain), or
 * failing both the normalised text. Answers over 200 characters are
 * compared as text only (bounded work on degenerate model output).
 */
export function readAnswer(text: string): AnswerValue {
  const s = stripAnswer(text);
  const asText: AnswerValue = {
    kind: "text",
    text: s.toLowerCase().replace(/\\left|\\right|\s+/g, ""),
  };
  if (s.length === 0 || s.length > 200) return asText;
  const number = plainNumber(s);
  if (number) return number;
  const expression = latexToMathjs(s);
  if (expression !== null && !expression.includes("%")) {
    const value = checkedExpression(expression);
    if (value) return value;
  }
  // Prose around a number ("18 eggs", "$18 per day"): its leading number,
  // or the last one when it does not start with one. Not for LaTeX that
  // failed to evaluate ("\\frac{1}{0}"), whose digits mean something else.
  const numbers = s.includes("\\") ? null : s.match(NUMBER_PATTERN);
  if (numbers) {
    const pick = /^[-+]?\$?[\d.]/.test(s) ? numbers[0] : numbers.at(-1)!;
    const parsed = plainNumber(pick.replace("$", ""));
    if (parsed) return parsed;
  }
  return asText;
}

/** Tolerances of {@link answersMatch}. */
export interface Tolerance {
  /** Default 1e-6. */
  relative?: number;
  /** Default 1e-9. */
  absolute?: number;
}

/** |a − b| ≤ max(absolute, relative·max(|a|, |b|)). */
export function close(a: number, b: number, tol: Tolerance = {}): boolean {
  const scale = Math.max(Math.abs(a), Math.abs(b));
  return Math.abs(a - b) <=
    Math.max(tol.absolute ?? 1e-9, (tol.relative ?? 1e-6) * scale);
}

function numbersMatch(
  p: { value: number; percent: boolean },
  g: { value: number; percent: boolean },
  tol: Tolerance,
): boolean {
  const ps = p.percent ? [p.value, p.value / 100] : [p.value];
  const gs = g.percent ? [g.value, g.value / 100] : [g.value];
  return ps.some((a) => gs.some((b) => close(a, b, tol)));
}

function expressionsMatch(
  a: { node: MathNode; variables: string[] },
  b: { node: MathNode; variables: string[] },
  tol: Tolerance,
): boolean {
  const names = [...new Set([...a.variables, ...b.variables])];
  const rng = new Rng(1234);
  let agreed = 0;
  for (let trial = 0; trial < 12 && agreed < 6; trial++) {
    const scope = Object.fromEntries(
      names.map((
        n,
      ) => [n, 0.5 + 2.5 * rng.uniform() * (rng.uniform() < 0.5 ? -1 : 1)]),
    );
    const va = evaluate(a.node, scope);
    const vb = evaluate(b.node, scope);
    if (va === null || vb === null) continue; // outside a domain (log of a negative)
    if (!close(va.re, vb.re, tol) || !close(va.im, vb.im, tol)) return false;
    agreed++;
  }
  if (agreed >= 3) return true;
  try {
    const diff = math.simplify(
      new math.OperatorNode("-", "subtract", [a.node, b.node]),
    );
    return diff.type === "ConstantNode" &&
      (diff as unknown as { value: number }).value === 0;
  } catch {
    return false;
  }
}

/** True when `predicted` and `gold` are the same answer (see the module notes). */
export function answersMatch(
  predicted: string | AnswerValue,
  gold: string | AnswerValue,
  tol: Tolerance = {},
): boolean {
  const p = typeof predicted === "string" ? readAnswer(predicted) : predicted;
  const g = typeof gold === "string" ? readAnswer(gold) : gold;
  if (p.kind === "number" && g.kind === "number") {
    return numbersMatch(p, g, tol);
  }
  if (p.kind === "expr" && g.kind === "expr") {
    return expressionsMatch(p, g, tol);
  }
  if (p.kind === "text" && g.kind === "text") {
    return p.text === g.text && p.text !== "";
  }
  return false;
}
