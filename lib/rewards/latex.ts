/**
 * Just enough LaTeX for math answers: find `\boxed{…}` (nested braces) and
 * turn answer-sized LaTeX into a mathjs expression string.
 *
 * ```ts
 * lastBoxed("so x = \\boxed{\\frac{1}{2}}.");   // "\\frac{1}{2}"
 * latexToMathjs("\\dfrac{\\sqrt{3}}{2}\\pi");  // "((sqrt(3))/(2)) pi "
 * ```
 *
 * Supported: `\frac` `\dfrac` `\tfrac` (also `\frac12`), `\sqrt{x}`,
 * `\sqrt[n]{x}`, `^{…}`, `_{…}` (as part of a name), `\cdot` `\times` `\div`,
 * `\left(` `\right)` and the other delimiters, `\pi`, `\text{…}` and friends
 * (their content is kept), spacing commands, degrees. Any other command makes
 * the conversion fail (null), so an answer is compared as text rather than
 * misread.
 *
 * @module
 */

/**
 * The content of the last `\boxed{…}` (or `\fbox{…}`) in `text`, braces
 * balanced, or null when there is none or its braces never close.
 */
export function lastBoxed(text: string): string | null {
  let result: string | null = null;
  const re = /\\(?:boxed|fbox)\s*\{/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const start = m.index + m[0].length;
    const end = closingBrace(text, start);
    if (end >= 0) result = text.slice(start, end);
  }
  return result;
}

/** Index of the `}` closing the group that starts at `start`, or −1. */
function closingBrace(text: string, start: number): number {
  let depth = 1;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") {
      i++; // an escaped brace does not count
    } else if (c === "{") {
      depth++;
    } else if (c === "}" && --depth === 0) {
      return i;
    }
  }
  return -1;
}

const DROP = new Set([
  "left",
  "right",
  "big",
  "Big",
  "bigg",
  "Bigg",
  "displaystyle",
  "textstyle",
  "limits",
  "circ",
  "degree",
  "!",
  ",",
  ";",
  ":",
  " ",
  "quad",
  "qquad",
  "$",
]);
const TEXT = new Set([
  "text",
  "mathrm",
  "textbf",
  "mathbf",
  "textit",
  "mbox",
  "operatorname",
]);
const SYMBOLS: Record<string, string> = {
  cdot: "*",
  times: "*",
  div: "/",
  pi: " pi ",
  "%": "%",
  "{": "(",
  "}": ")",
  lbrace: "(",
  rbrace: ")",
  lparen: "(",
  rparen: ")",
};

class Unsupported extends Error {}

/**
 * A mathjs expression for a LaTeX answer, or null when it uses something
 * this converter does not know (see the module notes).
 */
export function latexToMathjs(latex: string): string | null {
  try {
    const p = new LatexReader(latex);
    const out = p.sequence(false);
    return out.replace(/\s+/g, " ").trim();
  } catch (error) {
    if (error instanceof Unsupported) return null;
    throw error;
  }
}

class LatexReader {
  #s: string;
  #i = 0;
  constructor(s: string) {
    this.#s = s.replace(/[−–]/g, "-").replace(/×/g, "*").replace(/[·⋅]/g, "*")
      .replace(/÷/g, "/").replace(/°/g, "").replace(/π/g, " pi ");
  }

  /** Converts until the end, or until the `}` closing a group. */
  sequence(inGroup: boolean): string {
    let out = "";
    while (this.#i < this.#s.length) {
      const c = this.#s[this.#i];
      if (c === "}") {
        if (!inGroup) throw new Unsupported();
        this.#i++;
        return out;
      }
      if (c === "{") {
        this.#i++;
        out += `(${this.sequence(true)})`;
      } else if (c === "\\") {
        out += this.#command();
      } else if (c === "^") {
        this.#i++;
        out += `^(${this.#argument()})`;
      } else if (c === "_") {
        this.#i++;
        out += `_${this.#argument().replace(/[^A-Za-z0-9]/g, "")}`;
      } else {
        out += c;
        this.#i++;
      }
    }
    if (inGroup) throw new Unsupported();
    return out;
  }

  /** One argument: a `{group}`, a command, or a single character. */
  #argument(): string {
    while (this.#s[this.#i] === " ") this.#i++;
    const c = this.#s[this.#i];
    if (c === undefined) throw new Unsupported();
    if (c === "{") {
      this.#i++;
      return this.sequence(true);
    }
    if (c === "\\") return this.#command();
    this.#i++;
    return c;
  }

  #command(): string {
    this.#i++; // the backslash
    const m = /^[A-Za-z]+/.exec(this.#s.slice(this.#i));
    const name = m ? m[0] : this.#s[this.#i] ?? "";
    this.#i += name.length;
    if (DROP.has(name)) return " ";
    if (name in SYMBOLS) return SYMBOLS[name];
    if (TEXT.has(name)) {
      const inner = this.#argument();
      return ` ${inner} `;
    }
    if (name === "frac" || name === "dfrac" || name === "tfrac") {
      const num = this.#argument();
      const den = this.#argument();
      return `((${num})/(${den}))`;
    }
    if (name === "sqrt") {
      while (this.#s[this.#i] === " ") this.#i++;
      if (this.#s[this.#i] === "[") {
        const close = this.#s.indexOf("]", this.#i);
        if (close < 0) throw new Unsupported();
        const degree = new LatexReader(this.#s.slice(this.#i + 1, close))
          .sequence(false);
        this.#i = close + 1;
        return `nthRoot(${this.#argument()}, ${degree})`;
      }
      return `sqrt(${this.#argument()})`;
    }
    throw new Unsupported();
  }
}
