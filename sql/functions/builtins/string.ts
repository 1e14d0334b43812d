/**
 * String (and BYTES) functions. Lengths and positions count UTF-16 code units and are 1-based,
 * as ksqlDB's (Java's) do; most functions return NULL for a NULL argument, the exceptions
 * (CONCAT skipping NULLs, FIELD returning 0) are ksqlDB's.
 */
import { createHash, randomUUID } from 'node:crypto';
import { FunctionCategory, type UdfDefinition } from '../definitions.js';
import { P } from '../param-types.js';
import { decodeHex, encodingOf, fromBytes, toBytes } from './encoding.js';
import { fail, param, sig, strictSig, udf, variadic } from './helpers.js';

const STRING = FunctionCategory.STRING;

/** ksqlDB's SUBSTRING start: 1-based, negative from the end, clamped to the value. */
function startIndex(length: number, pos: number): number {
  return pos >= 0 ? Math.min(Math.max(pos - 1, 0), length) : Math.max(length + pos, 0);
}

function endIndex(length: number, start: number, count: number): number {
  return Math.max(Math.min(start + count, length), start);
}

/** Java's String.trim: strips code units up to and including the space. */
export function javaTrim(s: string, left = true, right = true): string {
  let i = 0;
  let j = s.length;
  if (left) while (i < j && s.charCodeAt(i) <= 0x20) i++;
  if (right) while (j > i && s.charCodeAt(j - 1) <= 0x20) j--;
  return s.slice(i, j);
}

function pad(input: string | Buffer, length: number, padding: string | Buffer, left: boolean): string | Buffer | null {
  if (length < 0 || padding.length === 0) return null;
  if (typeof input === 'string') {
    const p = padding as string;
    if (input.length >= length) return input.slice(0, length);
    const fill = p.repeat(Math.ceil((length - input.length) / p.length)).slice(0, length - input.length);
    return left ? fill + input : input + fill;
  }
  const p = padding as Buffer;
  if (input.length >= length) return Buffer.from(input.subarray(0, length));
  const fill = Buffer.alloc(length - input.length);
  for (let i = 0; i < fill.length; i++) fill[i] = p[i % p.length]!;
  return left ? Buffer.concat([fill, input]) : Buffer.concat([input, fill]);
}

// ---- MASK ------------------------------------------------------------------------------------------

interface MaskChars {
  readonly upper: string | null;
  readonly lower: string | null;
  readonly digit: string | null;
  readonly other: string | null;
}

const DEFAULT_MASK: MaskChars = { upper: 'X', lower: 'x', digit: 'n', other: '-' };

function maskChars(args: readonly unknown[], from: number): MaskChars {
  if (args.length <= from) return DEFAULT_MASK;
  const c = (i: number): string | null => {
    const v = args[from + i];
    return typeof v === 'string' && v.length > 0 ? v[0]! : null;
  };
  return { upper: c(0), lower: c(1), digit: c(2), other: c(3) };
}

function maskChar(ch: string, m: MaskChars): string {
  let replacement: string | null;
  if (/\p{Lu}/u.test(ch)) replacement = m.upper;
  else if (/\p{Ll}/u.test(ch)) replacement = m.lower;
  else if (/\p{Nd}/u.test(ch)) replacement = m.digit;
  else replacement = m.other;
  return replacement ?? ch;
}

function mask(input: string, m: MaskChars, from = 0, to = input.length): string {
  let out = input.slice(0, from);
  for (let i = from; i < to; i++) out += maskChar(input[i]!, m);
  return out + input.slice(to);
}

function maskFunction(name: string, description: string, range: (length: number, n: number) => [number, number]): UdfDefinition {
  const run = (a: unknown[]): string | null => {
    const [input, n] = a as [string | null, number | null];
    if (input === null || n === null) return null;
    if (n < 0) fail(`function ${name} requires a non-negative number of characters, not ${n}`);
    const [from, to] = range(input.length, n);
    return mask(input, maskChars(a, 2), from, to);
  };
  const signatures = [
    sig([param('input', P.STRING), param('numChars', P.INTEGER)], P.STRING, run),
    sig(
      [param('input', P.STRING), param('numChars', P.INTEGER), param('upper', P.STRING), param('lower', P.STRING), param('digit', P.STRING), param('other', P.STRING)],
      P.STRING,
      run,
    ),
  ];
  return udf({ name, category: STRING, description }, signatures);
}

// ---- INSTR -----------------------------------------------------------------------------------------

/** The index of the nth occurrence (commons-lang's ordinalIndexOf), or -1. */
function ordinalIndexOf(str: string, sub: string, n: number): number {
  if (n <= 0) return -1;
  if (sub === '') return 0;
  let index = -1;
  for (let found = 0; found < n; found++) {
    index = str.indexOf(sub, index + 1);
    if (index < 0) return -1;
  }
  return index;
}

/**
 * Oracle's INSTR as ksqlDB computes it: the nth occurrence from a 1-based position; with a
 * negative position, searching backwards from that far from the end (the match must end there
 * or before). 0 when there is none.
 */
function instr(str: string | null, sub: string | null, position = 1, occurrence = 1): number {
  if (str === null || sub === null || position === 0 || Math.abs(position) > str.length) return 0;
  if (position > 0) {
    const i = ordinalIndexOf(str.slice(position - 1), sub, occurrence);
    return i < 0 ? 0 : i + position;
  }
  const reversed = [...str].reverse().join('');
  const i = ordinalIndexOf(reversed.slice(-position - 1), [...sub].reverse().join(''), occurrence);
  return i < 0 ? 0 : str.length + position - i - sub.length + 2;
}

// ---- CHR -------------------------------------------------------------------------------------------

function chrFromCode(code: number): string | null {
  if (!Number.isInteger(code) || code < 0 || code > 0x10ffff) return null;
  return String.fromCodePoint(code);
}

/** A `\uXXXX` escape (or a surrogate pair of them) naming one code point. */
function chrFromText(text: string): string | null {
  if (!/^(\\u[0-9a-fA-F]{4}){1,2}$/.test(text)) return null;
  const units = text.split('\\u').slice(1).map((h) => parseInt(h, 16));
  const s = String.fromCharCode(...units);
  return [...s].length === 1 ? s : null;
}

/** Java's \\s: space, tab, newline, vertical tab, form feed, carriage return. */
function isJavaSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

/** Each whitespace-separated word capitalized, the rest lower-cased; leading whitespace is dropped, as ksqlDB's does. */
function initcap(s: string): string {
  const lower = s.toLowerCase();
  let out = '';
  let wordStart = true;
  for (let i = 0; i < lower.length; i++) {
    const space = isJavaSpace(lower.charCodeAt(i));
    if (space && out === '') continue;
    out += !space && wordStart ? lower[i]!.toUpperCase() : lower[i]!;
    wordStart = space;
  }
  return out;
}

function splitString(s: string, delimiter: string): string[] {
  return delimiter === '' ? s.split('') : s.split(delimiter);
}

function splitBytes(b: Buffer, delimiter: Buffer): Buffer[] {
  if (delimiter.length === 0) return [...b].map((x) => Buffer.from([x]));
  const out: Buffer[] = [];
  let start = 0;
  for (let i = b.indexOf(delimiter); i >= 0; i = b.indexOf(delimiter, start)) {
    out.push(Buffer.from(b.subarray(start, i)));
    start = i + delimiter.length;
  }
  out.push(Buffer.from(b.subarray(start)));
  return out;
}

function splitToMap(input: string | null, entryDelimiter: string | null, kvDelimiter: string | null): Map<string, string> | null {
  if (input === null || !entryDelimiter || !kvDelimiter) return null;
  const out = new Map<string, string>();
  for (const entry of input.split(entryDelimiter)) {
    // Like Guava's splitter: the value stops at a second key-value delimiter, if any.
    const parts = entry.split(kvDelimiter);
    if (entry === '' || parts.length < 2) continue;
    out.set(parts[0]!, parts[1]!);
  }
  return out;
}

function uuidFromBytes(b: Buffer): string | null {
  if (b.length !== 16) return null;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function numberFromBytes(size: number, read: (b: Buffer, littleEndian: boolean) => unknown) {
  return (a: unknown[]): unknown => {
    const [bytes, order] = a as [Buffer | null, string | null | undefined];
    if (bytes === null) return null;
    const o = order === undefined ? 'BIG_ENDIAN' : order;
    if (o !== 'BIG_ENDIAN' && o !== 'LITTLE_ENDIAN') return null;
    if (bytes.length !== size) return null;
    return read(bytes, o === 'LITTLE_ENDIAN');
  };
}

export const stringFunctions: readonly UdfDefinition[] = [
  udf({ name: 'chr', category: STRING, description: 'The character of a Unicode code point, given as a number or as a \\uXXXX escape; NULL if not a valid code point.' }, [
    strictSig([param('decimalCode', P.INTEGER)], P.STRING, (a) => chrFromCode(a[0] as number)),
    strictSig([param('utf16Code', P.STRING)], P.STRING, (a) => chrFromText(a[0] as string)),
  ]),
  udf({ name: 'concat', category: STRING, description: 'Concatenates strings, or bytes; NULL inputs count as empty.' }, [
    sig([variadic('inputs', P.STRING)], P.STRING, (a) => a.filter((x) => x !== null && x !== undefined).join('')),
    sig([variadic('inputs', P.BYTES)], P.BYTES, (a) => Buffer.concat(a.filter((x): x is Buffer => Buffer.isBuffer(x)))),
  ]),
  udf({ name: 'concat_ws', category: STRING, description: 'Concatenates strings, or bytes, with a separator between them, skipping NULLs; NULL if the separator is NULL.' }, [
    sig([param('separator', P.STRING), variadic('inputs', P.STRING)], P.STRING, (a) =>
      a[0] === null ? null : a.slice(1).filter((x) => x !== null && x !== undefined).join(a[0] as string),
    ),
    sig([param('separator', P.BYTES), variadic('inputs', P.BYTES)], P.BYTES, (a) => {
      if (a[0] === null) return null;
      const parts = a.slice(1).filter((x): x is Buffer => Buffer.isBuffer(x));
      const out: Buffer[] = [];
      parts.forEach((p, i) => {
        if (i > 0) out.push(a[0] as Buffer);
        out.push(p);
      });
      return Buffer.concat(out);
    }),
  ]),
  udf({ name: 'elt', category: STRING, description: 'The nth of its string arguments (1-based); NULL when n is out of range.' }, [
    sig([param('n', P.INTEGER), variadic('args', P.STRING)], P.STRING, (a) => {
      const n = a[0] as number | null;
      if (n === null || n < 1 || n >= a.length) return null;
      return a[n] ?? null;
    }),
  ]),
  udf({ name: 'encode', category: STRING, description: 'Re-encodes a string from one encoding (hex, utf8, ascii, base64) to another.' }, [
    strictSig([param('input', P.STRING), param('inputEncoding', P.STRING), param('outputEncoding', P.STRING)], P.STRING, (a) => {
      const bytes = toBytes(a[0] as string, encodingOf(a[1] as string), true);
      return fromBytes(bytes, encodingOf(a[2] as string));
    }),
  ]),
  udf({ name: 'field', category: STRING, description: 'The 1-based position of a string among the other arguments; 0 if absent or NULL.' }, [
    sig([param('str', P.STRING), variadic('args', P.STRING)], P.INTEGER, (a) => {
      if (a[0] === null) return 0;
      const i = a.indexOf(a[0], 1);
      return i < 0 ? 0 : i;
    }),
  ]),
  udf({ name: 'from_bytes', category: FunctionCategory.CONVERSIONS, description: 'Converts bytes to a string in an encoding: hex, utf8, ascii or base64.' }, [
    strictSig([param('bytes', P.BYTES), param('encoding', P.STRING)], P.STRING, (a) => fromBytes(a[0] as Buffer, encodingOf(a[1] as string), true)),
  ]),
  udf({ name: 'initcap', category: STRING, description: 'Capitalizes the first letter of each whitespace-separated word and lower-cases the rest.' }, [
    strictSig([param('input', P.STRING)], P.STRING, (a) => initcap(a[0] as string)),
  ]),
  udf({ name: 'instr', category: STRING, description: 'The 1-based position of a substring, from a position (backwards when negative) and for an occurrence; 0 if not found.' }, [
    sig([param('str', P.STRING), param('substring', P.STRING)], P.INTEGER, (a) => instr(a[0] as string | null, a[1] as string | null)),
    sig([param('str', P.STRING), param('substring', P.STRING), param('position', P.INTEGER)], P.INTEGER, (a) =>
      instr(a[0] as string | null, a[1] as string | null, (a[2] as number | null) ?? 1),
    ),
    sig([param('str', P.STRING), param('substring', P.STRING), param('position', P.INTEGER), param('occurrence', P.INTEGER)], P.INTEGER, (a) =>
      instr(a[0] as string | null, a[1] as string | null, (a[2] as number | null) ?? 1, (a[3] as number | null) ?? 1),
    ),
  ]),
  udf({ name: 'lcase', category: STRING, description: 'Lower-cases a string.' }, [strictSig([param('input', P.STRING)], P.STRING, (a) => (a[0] as string).toLowerCase())]),
  udf({ name: 'len', category: STRING, description: 'The length of a string, or the number of bytes.' }, [
    strictSig([param('input', P.STRING)], P.INTEGER, (a) => (a[0] as string).length),
    strictSig([param('input', P.BYTES)], P.INTEGER, (a) => (a[0] as Buffer).length),
  ]),
  udf({ name: 'lpad', category: STRING, description: 'Pads a string or bytes on the left to a length with repeated padding, truncating if longer; NULL for empty padding or a negative length.' }, [
    strictSig([param('input', P.STRING), param('length', P.INTEGER), param('padding', P.STRING)], P.STRING, (a) => pad(a[0] as string, a[1] as number, a[2] as string, true)),
    strictSig([param('input', P.BYTES), param('length', P.INTEGER), param('padding', P.BYTES)], P.BYTES, (a) => pad(a[0] as Buffer, a[1] as number, a[2] as Buffer, true)),
  ]),
  udf({ name: 'ltrim', category: STRING, description: 'Removes leading whitespace and control characters.' }, [strictSig([param('input', P.STRING)], P.STRING, (a) => javaTrim(a[0] as string, true, false))]),
  udf({ name: 'mask', category: STRING, description: 'Masks upper-case letters, lower-case letters, digits and other characters with the given characters (X, x, n, - by default; NULL keeps that class).' }, [
    sig([param('input', P.STRING)], P.STRING, (a) => (a[0] === null ? null : mask(a[0] as string, DEFAULT_MASK))),
    sig([param('input', P.STRING), param('upper', P.STRING), param('lower', P.STRING), param('digit', P.STRING), param('other', P.STRING)], P.STRING, (a) =>
      a[0] === null ? null : mask(a[0] as string, maskChars(a, 1)),
    ),
  ]),
  maskFunction('mask_keep_left', 'Masks a string as MASK does except its first n characters.', (len, n) => [Math.min(n, len), len]),
  maskFunction('mask_keep_right', 'Masks a string as MASK does except its last n characters.', (len, n) => [0, Math.max(len - n, 0)]),
  maskFunction('mask_left', 'Masks only the first n characters of a string, as MASK does.', (len, n) => [0, Math.min(n, len)]),
  maskFunction('mask_right', 'Masks only the last n characters of a string, as MASK does.', (len, n) => [Math.max(len - n, 0), len]),
  udf({ name: 'md5', category: STRING, description: 'The MD5 hash of a string\'s UTF-8 bytes, as 32 lower-case hex digits.' }, [
    strictSig([param('input', P.STRING)], P.STRING, (a) => createHash('md5').update(a[0] as string, 'utf8').digest('hex')),
  ]),
  udf({ name: 'replace', category: STRING, description: 'Replaces every occurrence of a substring with another string.' }, [
    strictSig([param('input', P.STRING), param('target', P.STRING), param('replacement', P.STRING)], P.STRING, (a) => {
      const [s, target, replacement] = a as [string, string, string];
      // Java's replace("", x) inserts x around every character, as split('') + join does.
      return target === '' ? `${replacement}${s.split('').join(replacement)}${replacement}` : s.split(target).join(replacement);
    }),
  ]),
  udf({ name: 'rpad', category: STRING, description: 'Pads a string or bytes on the right to a length with repeated padding, truncating if longer; NULL for empty padding or a negative length.' }, [
    strictSig([param('input', P.STRING), param('length', P.INTEGER), param('padding', P.STRING)], P.STRING, (a) => pad(a[0] as string, a[1] as number, a[2] as string, false)),
    strictSig([param('input', P.BYTES), param('length', P.INTEGER), param('padding', P.BYTES)], P.BYTES, (a) => pad(a[0] as Buffer, a[1] as number, a[2] as Buffer, false)),
  ]),
  udf({ name: 'rtrim', category: STRING, description: 'Removes trailing whitespace and control characters.' }, [strictSig([param('input', P.STRING)], P.STRING, (a) => javaTrim(a[0] as string, false, true))]),
  udf({ name: 'split', category: STRING, description: 'Splits a string or bytes on a delimiter (into characters or bytes when it is empty), keeping empty parts.' }, [
    strictSig([param('input', P.STRING), param('delimiter', P.STRING)], P.array(P.STRING), (a) => splitString(a[0] as string, a[1] as string)),
    strictSig([param('input', P.BYTES), param('delimiter', P.BYTES)], P.array(P.BYTES), (a) => splitBytes(a[0] as Buffer, a[1] as Buffer)),
  ]),
  udf({ name: 'split_to_map', category: STRING, description: 'Splits a string into entries, and each entry into a key and value, making a map; later keys win.' }, [
    sig([param('input', P.STRING), param('entryDelimiter', P.STRING), param('kvDelimiter', P.STRING)], P.map(P.STRING, P.STRING), (a) =>
      splitToMap(a[0] as string | null, a[1] as string | null, a[2] as string | null),
    ),
  ]),
  udf({ name: 'substring', category: STRING, description: 'The part of a string or bytes from a 1-based position (from the end when negative), of a length or to the end.' }, [
    strictSig([param('str', P.STRING), param('pos', P.INTEGER)], P.STRING, (a) => {
      const s = a[0] as string;
      return s.slice(startIndex(s.length, a[1] as number));
    }),
    strictSig([param('str', P.STRING), param('pos', P.INTEGER), param('length', P.INTEGER)], P.STRING, (a) => {
      const s = a[0] as string;
      const start = startIndex(s.length, a[1] as number);
      return s.slice(start, endIndex(s.length, start, a[2] as number));
    }),
    strictSig([param('bytes', P.BYTES), param('pos', P.INTEGER)], P.BYTES, (a) => {
      const b = a[0] as Buffer;
      return Buffer.from(b.subarray(startIndex(b.length, a[1] as number)));
    }),
    strictSig([param('bytes', P.BYTES), param('pos', P.INTEGER), param('length', P.INTEGER)], P.BYTES, (a) => {
      const b = a[0] as Buffer;
      const start = startIndex(b.length, a[1] as number);
      return Buffer.from(b.subarray(start, endIndex(b.length, start, a[2] as number)));
    }),
  ]),
  udf({ name: 'to_bytes', category: FunctionCategory.CONVERSIONS, description: 'Converts a string in an encoding (hex, utf8, ascii, base64) to bytes.' }, [
    strictSig([param('input', P.STRING), param('encoding', P.STRING)], P.BYTES, (a) => {
      const encoding = encodingOf(a[1] as string);
      return encoding === 'hex' ? decodeHex(a[0] as string, false) : toBytes(a[0] as string, encoding);
    }),
  ]),
  udf({ name: 'trim', category: STRING, description: 'Removes leading and trailing whitespace and control characters.' }, [strictSig([param('input', P.STRING)], P.STRING, (a) => javaTrim(a[0] as string))]),
  udf({ name: 'ucase', category: STRING, description: 'Upper-cases a string.' }, [strictSig([param('input', P.STRING)], P.STRING, (a) => (a[0] as string).toUpperCase())]),
  udf({ name: 'uuid', category: STRING, description: 'A random (version 4) UUID, or the UUID that 16 bytes hold.' }, [
    sig([], P.STRING, () => randomUUID()),
    strictSig([param('bytes', P.BYTES)], P.STRING, (a) => uuidFromBytes(a[0] as Buffer)),
  ]),
  udf({ name: 'int_from_bytes', category: FunctionCategory.CONVERSIONS, description: 'Reads an INTEGER from 4 bytes, big-endian unless LITTLE_ENDIAN is given; NULL otherwise.' }, [
    sig([param('bytes', P.BYTES)], P.INTEGER, numberFromBytes(4, (b, le) => (le ? b.readInt32LE(0) : b.readInt32BE(0)))),
    sig([param('bytes', P.BYTES), param('byteOrder', P.STRING)], P.INTEGER, numberFromBytes(4, (b, le) => (le ? b.readInt32LE(0) : b.readInt32BE(0)))),
  ]),
  udf({ name: 'bigint_from_bytes', category: FunctionCategory.CONVERSIONS, description: 'Reads a BIGINT from 8 bytes, big-endian unless LITTLE_ENDIAN is given; NULL otherwise.' }, [
    sig([param('bytes', P.BYTES)], P.BIGINT, numberFromBytes(8, (b, le) => (le ? b.readBigInt64LE(0) : b.readBigInt64BE(0)))),
    sig([param('bytes', P.BYTES), param('byteOrder', P.STRING)], P.BIGINT, numberFromBytes(8, (b, le) => (le ? b.readBigInt64LE(0) : b.readBigInt64BE(0)))),
  ]),
  udf({ name: 'double_from_bytes', category: FunctionCategory.CONVERSIONS, description: 'Reads a DOUBLE from 8 bytes, big-endian unless LITTLE_ENDIAN is given; NULL otherwise.' }, [
    sig([param('bytes', P.BYTES)], P.DOUBLE, numberFromBytes(8, (b, le) => (le ? b.readDoubleLE(0) : b.readDoubleBE(0)))),
    sig([param('bytes', P.BYTES), param('byteOrder', P.STRING)], P.DOUBLE, numberFromBytes(8, (b, le) => (le ? b.readDoubleLE(0) : b.readDoubleBE(0)))),
  ]),
];
