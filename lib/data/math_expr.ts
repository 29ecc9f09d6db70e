/**
 * Exact evaluation of the small arithmetic expressions in generated
 * solutions (`3*4+2`, `(120-30)/15`): whole numbers, `+ - * /` and
 * parentheses. A division that does not come out whole is an error, so a
 * generated problem can never carry a rounded answer.
 *
 * The calculator annotations of GSM8K (`<<3*4=12>>12`) are built from the
 * same expression text, so what the solution shows is what was computed.
 *
 * @module
 */

/** Evaluates `expr`; throws on syntax errors or inexact division. */
export function evaluate(expr: string): number {
  const tokens = expr.match(/\d+|[-+*/()]|\S/g) ?? [];
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`cannot evaluate "${expr}": ${what}`);
  };
  const primary = (): number => {
    const token = tokens[i++];
    if (token === "(") {
      const value = sum();
      if (tokens[i++] !== ")") fail("missing )");
      return value;
    }
    if (token === "-") return -primary();
    if (token !== undefined && /^\d+$/.test(token)) return Number(token);
    return fail(`unexpected ${token ?? "end"}`);
  };
  const product = (): number => {
    let value = primary();
    while (tokens[i] === "*" || tokens[i] === "/") {
      const op = tokens[i++];
      const right = primary();
      if (op === "*") {
        value *= right;
      } else {
        if (right === 0 || value % right !== 0) {
          fail(`${value} / ${right} is not a whole number`);
        }
        value /= right;
      }
    }
    return value;
  };
  const sum = (): number => {
    let value = product();
    while (tokens[i] === "+" || tokens[i] === "-") {
      const op = tokens[i++];
      const right = product();
      value = op === "+" ? value + right : value - right;
    }
    return value;
  };
  const value = sum();
  if (i !== tokens.length) fail(`unexpected ${tokens[i]}`);
  if (!Number.isSafeInteger(value)) fail("the result is too large");
  return value;
}

/** `3*4+2` → `3 * 4 + 2` for the prose of a solution. */
export function spaced(expr: string): string {
  return expr.replace(/\s+/g, "").replace(/(?<=[\d)])([-+*/])/g, " $1 ");
}

/** A computed step: its value and its GSM8K-style text. */
export interface Calculation {
  value: number;
  /** `3 * 4 = <<3*4=12>>12`, with `unit` ("$") before the result. */
  text: string;
}

/** Evaluates `expr` and writes it the way GSM8K solutions do. */
export function calculate(expr: string, unit = ""): Calculation {
  const compact = expr.replace(/\s+/g, "");
  const value = evaluate(compact);
  return {
    value,
    text: `${spaced(compact)} = ${unit}<<${compact}=${value}>>${value}`,
  };
}
