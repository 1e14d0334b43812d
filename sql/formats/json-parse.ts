/**
 * Parsing record text for the JSON formats, fast where that is exact. JSON.parse is native and
 * several times faster than lossless-json, but it makes every number a double: digits beyond
 * 2^53 are lost, and so is a number's text (1.50 and 1.5, 1e3 and 1000 come out the same),
 * which a STRING or DECIMAL column keeps. It is exact for integers that print as their text,
 * so a document whose numbers are all such integers is parsed with it:
 *
 *   -?(0|[1-9][0-9]*), at most 2^53 - 1 in magnitude, not -0
 *
 * Anything else (a fraction, an exponent, a longer integer, -0) goes to lossless-json, as does
 * text JSON.parse rejects, so errors read the same either way. The two accept the same
 * documents and build the same structure (last of repeated keys, `__proto__` as an own key).
 */
import { parseJson } from './json-codec.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const DOT = 0x2e;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const MAX_SAFE_TEXT = String(Number.MAX_SAFE_INTEGER);

/** Parses JSON text; numbers are plain JS numbers where they are exact, else lossless-json's. */
export function parseJsonText(text: string): unknown {
  if (hasOnlyExactIntegers(text)) {
    try {
      return JSON.parse(text);
    } catch {
      // lossless-json words the error.
    }
  }
  return parseJson(text);
}

/**
 * Whether every number outside strings is an integer JSON.parse reads exactly (see above).
 * Only meaningful for valid JSON, which is all it is trusted with: JSON.parse checks that.
 */
export function hasOnlyExactIntegers(text: string): boolean {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // To the closing quote: one not escaped, i.e. after an even run of backslashes.
      let end = text.indexOf('"', i + 1);
      for (;;) {
        if (end < 0) return true;
        let k = end - 1;
        while (text.charCodeAt(k) === BACKSLASH) k--;
        if ((end - 1 - k) % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      i = end + 1;
    } else if ((c >= ZERO && c <= NINE) || c === MINUS) {
      const digits = c === MINUS ? i + 1 : i;
      let j = digits;
      let d = text.charCodeAt(j);
      while (d >= ZERO && d <= NINE) d = text.charCodeAt(++j);
      if (d === DOT || d === LOWER_E || d === UPPER_E) return false;
      const length = j - digits;
      if (length > 16 || (length === 16 && text.slice(digits, j) > MAX_SAFE_TEXT)) return false;
      if (c === MINUS && length === 1 && text.charCodeAt(digits) === ZERO) return false;
      i = j;
    } else {
      i++;
    }
  }
  return true;
}
