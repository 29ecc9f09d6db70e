/**
 * Sampling that always yields valid text. A byte-level tokenizer can stop
 * a sequence inside a multi-byte UTF-8 character, or start one with a stray
 * continuation byte; decoded, either becomes U+FFFD. A {@link TextConstraint}
 * tracks each row's UTF-8 state and, before a token is drawn, rules out the
 * tokens that cannot continue it:
 *
 * - bytes that break UTF-8 (a continuation byte where none is due, an
 *   overlong form, a surrogate, a code point past U+10FFFF);
 * - control characters other than tab, newline and carriage return
 *   (C0, DEL and the C1 range U+0080–U+009F);
 * - a special token (EOS, a turn marker) in the middle of a character;
 * - a token after which the row could not finish its character within its
 *   remaining budget (one byte-token per missing byte), so a row cut by
 *   `maxNewTokens` ends on a character boundary too.
 *
 * The model's logits are not changed; the constraint removes tokens from
 * the draw. That share is not small everywhere: the default model, after
 * haiku SFT, puts about 40 % of its probability at the end of a haiku on
 * byte tokens. So GRPO and PPO score a constrained completion under the
 * same support ({@link TextConstraint.drawMasks},
 * lib/model/token_support.ts), the distribution it was drawn from.
 *
 * ```ts
 * const text = textConstraint(tokenizer); // null when the tokenizer's bytes are unknown
 * generate(model, prompts, { maxNewTokens: 64, text });
 * ```
 *
 * @module
 */
import { type TokenBytes, tokenBytes } from "../tokenizer/token_bytes.ts";
import type { Tokenizer } from "../tokenizer/mod.ts";

/**
 * UTF-8 states: what the next byte may be. Index = state; `need` bytes
 * still missing, the first of them in [lo, hi].
 */
const STATES = [
  { need: 0, lo: 0, hi: 0 }, // 0: on a character boundary
  { need: 1, lo: 0x80, hi: 0xbf }, // 1
  { need: 1, lo: 0xa0, hi: 0xbf }, // 2: after C2 (U+0080–U+009F are C1 controls)
  { need: 2, lo: 0x80, hi: 0xbf }, // 3
  { need: 2, lo: 0xa0, hi: 0xbf }, // 4: after E0 (no overlongs)
  { need: 2, lo: 0x80, hi: 0x9f }, // 5: after ED (no surrogates)
  { need: 3, lo: 0x80, hi: 0xbf }, // 6
  { need: 3, lo: 0x90, hi: 0xbf }, // 7: after F0 (no overlongs)
  { need: 3, lo: 0x80, hi: 0x8f }, // 8: after F4 (≤ U+10FFFF)
] as const;

/** The state after `byte` in `state`, or -1 when the byte is not allowed there. */
export function nextState(state: number, byte: number): number {
  const s = STATES[state];
  if (s.need > 0) {
    if (byte < s.lo || byte > s.hi) return -1;
    return s.need === 1 ? 0 : s.need === 2 ? 1 : 3;
  }
  if (byte < 0x80) {
    const control = (byte < 0x20 && byte !== 0x09 && byte !== 0x0a &&
      byte !== 0x0d) || byte === 0x7f;
    return control ? -1 : 0;
  }
  if (byte === 0xc2) return 2;
  if (byte >= 0xc3 && byte <= 0xdf) return 1;
  if (byte === 0xe0) return 4;
  if (byte === 0xed) return 5;
  if (byte >= 0xe1 && byte <= 0xef) return 3;
  if (byte === 0xf0) return 7;
  if (byte >= 0xf1 && byte <= 0xf3) return 6;
  if (byte === 0xf4) return 8;
  return -1; // continuation byte, C0/C1 overlong lead, F5–FF
}

/**
 * Whether decoded text shows what {@link TextConstraint} prevents: U+FFFD
 * (what a decoder writes for invalid bytes) or a control character other
 * than tab, newline and carriage return (C0, DEL, C1).
 */
export function hasBrokenText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0xfffd || (c >= 0x7f && c <= 0x9f)) return true;
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return true;
  }
  return false;
}

/** Whether `bytes` are complete, valid UTF-8 without disallowed controls. */
export function isValidText(bytes: Uint8Array): boolean {
  let state = 0;
  for (const b of bytes) {
    state = nextState(state, b);
    if (state < 0) return false;
  }
  return state === 0;
}

/** Per-row UTF-8 tracking and the token mask it implies; see the module doc. */
export class TextConstraint {
  readonly #bytes: TokenBytes;
  /** Per start state: each token's end state, or -1 (computed on first use). */
  readonly #ends: (Int8Array | undefined)[] = [];
  /** Allowed-token masks by state, budget and vocabulary size. */
  readonly #masks = new Map<string, Uint8Array | null>();

  /** `bytes[id]`: what token id stands for; `null` for special tokens. */
  constructor(bytes: TokenBytes) {
    this.#bytes = bytes;
  }

  /** Where a row starts: prompts are text, so on a boundary. */
  get initialState(): number {
    return 0;
  }

  /** Each token's state after it from `state` (-1: not allowed; special tokens only on a boundary). */
  ends(state: number): Int8Array {
    let ends = this.#ends[state];
    if (ends) return ends;
    ends = new Int8Array(this.#bytes.length);
    this.#bytes.forEach((bytes, id) => {
      if (bytes === null) {
        ends![id] = state === 0 ? 0 : -1;
        return;
      }
      let s = state;
      for (let i = 0; i < bytes.length && s >= 0; i++) {
        s = nextState(s, bytes[i]);
      }
      ends![id] = s;
    });
    this.#ends[state] = ends;
    return ends;
  }

  /**
   * Which of `vocab` tokens may be drawn from `state` when `remaining`
   * tokens (this one included) are left to the row: 1 allowed, 0 not; null
   * when none would be (a vocabulary without single-byte tokens), so the
   * draw is unconstrained. Cached: at most 9 states × 4 budgets.
   */
  allowedMask(
    state: number,
    remaining: number,
    vocab: number,
  ): Uint8Array | null {
    // After this token, `remaining - 1` tokens must be able to finish the
    // character: one byte-token per missing byte (at most 3).
    const budget = Math.max(0, Math.min(remaining - 1, 3));
    const key = `${state}:${budget}:${vocab}`;
    if (this.#masks.has(key)) return this.#masks.get(key)!;
    const ends = this.ends(state);
    const n = Math.min(vocab, ends.length);
    const mask = new Uint8Array(vocab);
    let allowed = 0;
    for (let id = 0; id < n; id++) {
      const end = ends[id];
      if (end >= 0 && STATES[end].need <= budget) {
        mask[id] = 1;
        allowed++;
      }
    }
    const result = allowed > 0 ? mask : null;
    this.#masks.set(key, result);
    return result;
  }

  /**
   * Copies `logits` into `out` with every token not allowed from `state`
   * set to −∞, when `remaining` tokens (this one included) are left to the
   * row. Returns false, leaving `out` unused, when no token would be
   * allowed: the caller then samples unconstrained.
   */
  mask(
    logits: Float32Array,
    state: number,
    remaining: number,
    out: Float32Array,
  ): boolean {
    const allowed = this.allowedMask(state, remaining, logits.length);
    if (!allowed) return false;
    for (let id = 0; id < logits.length; id++) {
      out[id] = allowed[id] ? logits[id] : -Infinity;
    }
    return true;
  }

  /**
   * The mask each token of a completion was drawn under (null: drawn
   * unconstrained), replaying the sampler: the row starts on a boundary
   * with `maxNewTokens` tokens of budget. Trainers score a constrained
   * draw's tokens under the same support (lib/model/token_support.ts);
   * tokens past `vocab` (default: the tokenizer's) count as not allowed.
   */
  drawMasks(
    tokens: readonly number[],
    maxNewTokens: number,
    vocab: number = this.#bytes.length,
  ): (Uint8Array | null)[] {
    let state = this.initialState;
    return tokens.map((token, j) => {
      const mask = this.allowedMask(state, maxNewTokens - j, vocab);
      // As the sampler does: a token drawn unconstrained leaves the state
      // unknown, and the row goes on as if on a boundary.
      state = Math.max(0, this.advance(state, token));
      return mask && mask[token] ? mask : null;
    });
  }

  /** The state after `token` from `state` (-1 when it was not allowed). */
  advance(state: number, token: number): number {
    return token < this.#bytes.length ? this.ends(state)[token] : -1;
  }
}

const constraints = new WeakMap<Tokenizer, TextConstraint | null>();

/**
 * The constraint for `tokenizer`'s vocabulary (one per tokenizer), or null
 * when its decoder's byte rules are not known (then generation runs
 * unconstrained).
 */
export function textConstraint(tokenizer: Tokenizer): TextConstraint | null {
  if (!constraints.has(tokenizer)) {
    const bytes = tokenBytes(tokenizer);
    constraints.set(tokenizer, bytes ? new TextConstraint(bytes) : null);
  }
  return constraints.get(tokenizer)!;
}
