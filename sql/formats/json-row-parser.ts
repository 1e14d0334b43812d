/**
 * A wrapped JSON row in one pass over the record's UTF-8 bytes, straight into the row: no text
 * of the whole record and no document object first, and each value handed to its column's
 * reader (json-codec.ts) as the node the general path would give it, so the result is the same
 * by construction. It covers the documents records usually are: an object of scalar fields
 * named exactly as the columns (or not at all), each field once. It declines (returns
 * undefined) everything else, and the caller takes the general path (the text, json-parse.ts,
 * then the row reader), which also words every error:
 *
 *   - a field whose value is an object or array, a key with an escape, a repeated key;
 *   - a key that is no column but upper-cases to one (the general path matches it);
 *   - a byte above 0x7F outside a string (only whitespace may be there);
 *   - anything the JSON grammar rejects, and any value its column's reader rejects.
 *
 * Numbers go to readers as a JS number when they are integers of at most 15 digits (not -0),
 * exactly what that text reads as, and otherwise as lossless-json's LosslessNumber (the text).
 * A string's bytes decode as the whole record's would (quotes are ASCII, so a string's bytes
 * are whole characters, invalid sequences included); one with an escape decodes through
 * JSON.parse.
 */
import { LosslessNumber } from 'lossless-json';
import type { StructField } from '../types/sql-type.js';
import { jsonReader, type JsonReader } from './json-codec.js';

/** The row, null for a JSON null, or undefined when the record is not one this parser takes. */
export type JsonRowParser = (bytes: Buffer, start?: number) => unknown[] | null | undefined;

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const UPPER_E = 0x45;
const BACKSLASH = 0x5c;
const LOWER_E = 0x65;
const LOWER_F = 0x66;
const LOWER_N = 0x6e;
const LOWER_T = 0x74;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const ASCII_END = 0x80;

const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const NULL = Buffer.from('null');

const isSpace = (c: number): boolean => c === SPACE || c === LF || c === CR || c === TAB;

/** Whether `word` is at b[i…] (within `end`). */
function startsWith(b: Buffer, i: number, end: number, word: Uint8Array): boolean {
  if (i + word.length > end) return false;
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word[k]) return false;
  return true;
}

/**
 * The parser for rows of these fields, or undefined when no document could take the one-pass
 * route: when one column's name is another's upper-cased, the general path's case-insensitive
 * matching could fill a column from the other's field. Rows are `width` slots (at least the
 * fields'), nulls after the fields.
 */
export function jsonRowParser(fields: readonly StructField[], width = fields.length): JsonRowParser | undefined {
  const names = fields.map((f) => f.name);
  const upperNames = new Set(names);
  if (names.some((n) => n.toUpperCase() !== n && upperNames.has(n.toUpperCase()))) return undefined;
  const plan = new RowPlan(fields, Math.max(width, fields.length), upperNames);
  return (bytes, start = 0) => parseRow(plan, bytes, start);
}

/**
 * What parsing rows of some fields needs, in one object of one shape: the parser is a plain
 * function of it, so every query's parser runs the same optimized code (closures over their own
 * state would each want theirs, and all but the first get slower, generic code).
 */
class RowPlan {
  /** Per field, its name's UTF-8 bytes and the closing quote; null for a name JSON writes with an escape. */
  readonly keys: (Buffer | null)[];
  readonly readers: JsonReader[];
  readonly count: number;
  readonly seen: Uint8Array;

  constructor(
    fields: readonly StructField[],
    readonly slots: number,
    readonly upperNames: ReadonlySet<string>,
  ) {
    // A name JSON writes with an escape (a quote, a backslash, a control character, a lone
    // surrogate) never matches raw bytes; a record naming it declines (its key has an escape).
    this.keys = fields.map((f) => (JSON.stringify(f.name) === `"${f.name}"` ? Buffer.from(`${f.name}"`, 'utf8') : null));
    this.readers = fields.map((f) => jsonReader(f.type));
    this.count = fields.length;
    this.seen = new Uint8Array(fields.length);
  }

  /** The field whose name (then the closing quote) is at b[i…], the expected one tried first; -1 for none. */
  column(b: Buffer, i: number, end: number, expected: number): number {
    const keys = this.keys;
    if (expected < this.count) {
      const key = keys[expected]!;
      if (key !== null && startsWith(b, i, end, key)) return expected;
    }
    for (let k = 0; k < this.count; k++) {
      const key = keys[k]!;
      if (key !== null && startsWith(b, i, end, key)) return k;
    }
    return -1;
  }
}

function parseRow(plan: RowPlan, b: Buffer, start: number): unknown[] | null | undefined {
  const end = b.length;
  let i = start;
  let c = b[i]!;
  while (i < end && isSpace(c)) c = b[++i]!;
  if (i >= end) return undefined;
  if (c === LOWER_N) {
    if (!startsWith(b, i, end, NULL)) return undefined;
    i += 4;
    while (i < end && isSpace(b[i]!)) i++;
    return i === end ? null : undefined;
  }
  if (c !== OPEN_BRACE) return undefined;
  const slots = plan.slots;
  const row = new Array<unknown>(slots);
  for (let k = 0; k < slots; k++) row[k] = null;
  const seen = plan.seen;
  seen.fill(0);
  let expected = 0;
  c = b[++i]!;
  while (i < end && isSpace(c)) c = b[++i]!;
  if (i < end && c === CLOSE_BRACE) {
    i++;
  } else {
    for (;;) {
      if (i >= end || c !== QUOTE) return undefined;
      i++;
      // The key: the column expected next (fields usually come in column order), or any.
      const column = plan.column(b, i, end, expected);
      if (column >= 0) {
        if (seen[column] === 1) return undefined;
        seen[column] = 1;
        expected = column + 1;
        i += plan.keys[column]!.length;
      } else {
        // Not a column: ignored, unless it has an escape or upper-cases to a column (the general path would match it).
        let j = i;
        for (; j < end; j++) {
          const d = b[j]!;
          if (d === QUOTE) break;
          if (d < SPACE || d === BACKSLASH) return undefined;
        }
        if (j >= end || plan.upperNames.has(b.toString('utf8', i, j).toUpperCase())) return undefined;
        i = j + 1;
      }
      while (i < end && isSpace(b[i]!)) i++;
      if (i >= end || b[i] !== COLON) return undefined;
      i++;
      while (i < end && isSpace(b[i]!)) i++;
      if (i >= end) return undefined;
      c = b[i]!;

      // The value, as the node the general path would have.
      let node: unknown;
      if (c === QUOTE) {
        const from = i + 1;
        let j = from;
        let escaped = false;
        let ascii = true;
        for (;;) {
          if (j >= end) return undefined;
          const d = b[j]!;
          if (d === QUOTE) break;
          if (d < SPACE) return undefined;
          if (d === BACKSLASH) {
            escaped = true;
            j += 2;
          } else {
            if (d >= ASCII_END) ascii = false;
            j++;
          }
        }
        i = j + 1;
        if (escaped) {
          try {
            node = JSON.parse(b.toString('utf8', from - 1, j + 1));
          } catch {
            return undefined;
          }
        } else {
          node = ascii ? b.toString('latin1', from, j) : b.toString('utf8', from, j);
        }
      } else if (c === MINUS || (c >= ZERO && c <= NINE)) {
        const from = i;
        const negative = c === MINUS;
        if (negative) c = b[++i]!;
        const digits = i;
        let n = 0;
        if (i < end && c === ZERO) {
          c = b[++i]!;
        } else if (i < end && c > ZERO && c <= NINE) {
          do {
            n = n * 10 + (c - ZERO);
            c = b[++i]!;
          } while (i < end && c >= ZERO && c <= NINE);
        } else {
          return undefined;
        }
        const integerDigits = i - digits;
        let plain = true;
        if (i < end && c === DOT) {
          plain = false;
          c = b[++i]!;
          if (!(i < end && c >= ZERO && c <= NINE)) return undefined;
          while (i < end && c >= ZERO && c <= NINE) c = b[++i]!;
        }
        if (i < end && (c === LOWER_E || c === UPPER_E)) {
          plain = false;
          c = b[++i]!;
          if (i < end && (c === PLUS || c === MINUS)) c = b[++i]!;
          if (!(i < end && c >= ZERO && c <= NINE)) return undefined;
          while (i < end && c >= ZERO && c <= NINE) c = b[++i]!;
        }
        node = plain && integerDigits <= 15 && !(negative && n === 0) ? (negative ? -n : n) : new LosslessNumber(b.toString('latin1', from, i));
      } else if (c === LOWER_T && startsWith(b, i, end, TRUE)) {
        node = true;
        i += 4;
      } else if (c === LOWER_F && startsWith(b, i, end, FALSE)) {
        node = false;
        i += 5;
      } else if (c === LOWER_N && startsWith(b, i, end, NULL)) {
        node = null;
        i += 4;
      } else {
        // An object or array (the general path reads those), or not JSON.
        return undefined;
      }
      if (column >= 0) {
        try {
          row[column] = plan.readers[column]!(node);
        } catch {
          return undefined;
        }
      }

      while (i < end && isSpace(b[i]!)) i++;
      if (i >= end) return undefined;
      c = b[i]!;
      if (c === COMMA) {
        i++;
        while (i < end && isSpace(b[i]!)) i++;
        c = b[i]!;
        continue;
      }
      if (c !== CLOSE_BRACE) return undefined;
      i++;
      break;
    }
  }
  while (i < end && isSpace(b[i]!)) i++;
  return i === end ? row : undefined;
}
