/**
 * The serde of the rows, keys and accumulators a query keeps to itself: repartition topics,
 * changelogs and state stores. Any SQL value (see sql/types/sql-type.ts) round-trips exactly,
 * and equal values always give equal bytes, so keys can be compared as bytes. Binary, tagged:
 * each value is a tag byte and its payload, integers big-endian, lengths and counts uint32.
 *
 *   00 NULL (and undefined)        01 false      02 true
 *   03 number, an int32 (not -0)   int32 (4)
 *   04 any other number            IEEE 754 double (8); NaN always as 7FF8000000000000
 *   05 bigint within 64 bits       int64 (8)
 *   06 any other bigint            length (4) | decimal digits, ASCII
 *   07 string                      length (4) | UTF-8
 *   08 DECIMAL                     length (4) | plain digits (Decimal.toFixed()), ASCII
 *   09 BYTES                       length (4) | the bytes
 *   0A array                       count (4) | values
 *   0B MAP                         count (4) | key, value, … in the Map's order
 *   0C STRUCT (plain object)       count (4) | name (a string, tagged), value, …
 *   0D string not valid UTF-16     length in code units (4) | UTF-16LE (lone surrogates kept)
 *
 *   row [5n, 'ab', null]  ->  0A 00000003 | 05 0000000000000005 | 07 00000002 6162 | 00
 *
 * Stores take a key as the latin1 string of its bytes: `storeKey` writes that string straight
 * from the encoder's scratch buffer, without a Buffer per key.
 *
 * Bytes written by earlier versions (JSON text, which never starts with a byte below 0x20) are
 * still read, so repartition topics and changelog values carry over; keys of stores written
 * that way do not equal the new ones (such a query's state is best reset).
 */
import { Decimal } from 'decimal.js';
import type { Serde } from '../../engine/serde/serde.js';
import type { StoreSerdeShortcuts } from '../../storage/state/store-serde.js';
import { readBigInt64, writeBigInt64 } from '../formats/int64.js';
import { Dec } from '../types/decimal.js';

const NULL = 0x00;
const FALSE = 0x01;
const TRUE = 0x02;
const INT32 = 0x03;
const DOUBLE = 0x04;
const INT64 = 0x05;
const BIG = 0x06;
const STRING = 0x07;
const DECIMAL = 0x08;
const BYTES = 0x09;
const ARRAY = 0x0a;
const MAP = 0x0b;
const STRUCT = 0x0c;
const STRING16 = 0x0d;

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

// ---- writing ---------------------------------------------------------------------------------
// One scratch buffer, grown as needed: encoding is synchronous and never re-entered.

let out = Buffer.allocUnsafe(4096);
let at = 0;

function reserve(n: number): void {
  if (at + n <= out.length) return;
  const grown = Buffer.allocUnsafe(Math.max(out.length * 2, at + n));
  out.copy(grown, 0, 0, at);
  out = grown;
}

function putUint32(n: number): void {
  out[at] = n >>> 24;
  out[at + 1] = n >>> 16;
  out[at + 2] = n >>> 8;
  out[at + 3] = n;
  at += 4;
}

/** A tagged string: UTF-8 after its length (ASCII without leaving JavaScript), or UTF-16 when not well-formed. */
function putString(s: string): void {
  const n = s.length;
  reserve(5 + 3 * n);
  const start = at + 5;
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) break;
    out[start + i] = c;
  }
  if (i < n && !isWellFormed(s, i)) {
    out[at++] = STRING16;
    putUint32(n);
    at += out.write(s, at, 'utf16le');
    return;
  }
  const length = i === n ? n : i + out.write(s.slice(i), start + i, 'utf8');
  out[at++] = STRING;
  putUint32(length);
  at = start + length;
}

/** Whether s (from index i) has no lone surrogate, which UTF-8 cannot carry. */
function isWellFormed(s: string, i: number): boolean {
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c > 0xdbff) return false;
    const d = s.charCodeAt(++i);
    if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
  }
  return true;
}

/** ASCII text (digits) after its length, untagged. */
function putAscii(s: string): void {
  reserve(4 + s.length);
  putUint32(s.length);
  at += out.write(s, at, 'latin1');
}

function putInt64(v: bigint): void {
  reserve(9);
  out[at] = INT64;
  writeBigInt64(out, at + 1, v);
  at += 9;
}

function put(v: unknown): void {
  switch (typeof v) {
    case 'bigint':
      if (v >= INT64_MIN && v <= INT64_MAX) return putInt64(v);
      reserve(1);
      out[at++] = BIG;
      return putAscii(v.toString());
    case 'number':
      reserve(9);
      if ((v | 0) === v && !Object.is(v, -0)) {
        out[at] = INT32;
        out.writeInt32BE(v, at + 1);
        at += 5;
      } else {
        out[at] = DOUBLE;
        out.writeDoubleBE(Number.isNaN(v) ? NaN : v, at + 1);
        at += 9;
      }
      return;
    case 'string':
      return putString(v);
    case 'boolean':
      reserve(1);
      out[at++] = v ? TRUE : FALSE;
      return;
    case 'undefined':
      reserve(1);
      out[at++] = NULL;
      return;
    case 'object': {
      if (v === null) {
        reserve(1);
        out[at++] = NULL;
        return;
      }
      if (Array.isArray(v)) {
        reserve(5);
        out[at++] = ARRAY;
        putUint32(v.length);
        for (let i = 0; i < v.length; i++) put(v[i]);
        return;
      }
      if (Decimal.isDecimal(v)) {
        reserve(1);
        out[at++] = DECIMAL;
        return putAscii((v as Decimal).toFixed());
      }
      if (v instanceof Uint8Array) {
        reserve(5 + v.length);
        out[at++] = BYTES;
        putUint32(v.length);
        out.set(v, at);
        at += v.length;
        return;
      }
      if (v instanceof Map) {
        reserve(5);
        out[at++] = MAP;
        putUint32(v.size);
        for (const [k, x] of v) {
          put(k);
          put(x);
        }
        return;
      }
      const keys = Object.keys(v);
      reserve(5);
      out[at++] = STRUCT;
      putUint32(keys.length);
      for (const k of keys) {
        putString(k);
        put((v as Record<string, unknown>)[k]);
      }
      return;
    }
    default:
      throw new TypeError(`Cannot serialize a ${typeof v} in a query's internal topic.`);
  }
}

function encode(value: unknown): void {
  at = 0;
  put(value);
}

export function internalSerialize(value: unknown): Buffer {
  encode(value);
  const bytes = Buffer.allocUnsafe(at);
  // Small records (keys, accumulators) copy faster in JavaScript than through a native call.
  if (at <= 64) for (let i = 0; i < at; i++) bytes[i] = out[i]!;
  else out.copy(bytes, 0, 0, at);
  return bytes;
}

/** The latin1 string of a value's bytes: what stores key by. */
export function internalStoreKey(value: unknown): string {
  encode(value);
  return out.toString('latin1', 0, at);
}

// ---- reading ---------------------------------------------------------------------------------

let src: Buffer = out;
let pos = 0;
let end = 0;

function need(n: number): void {
  if (pos + n > end) throw new RangeError(`An internal record ends after ${end} bytes, in the middle of a value.`);
}

function getUint32(): number {
  need(4);
  const n = src.readUInt32BE(pos);
  pos += 4;
  return n;
}

function getText(encoding: 'utf8' | 'latin1'): string {
  const n = getUint32();
  need(n);
  const s = src.toString(encoding, pos, pos + n);
  pos += n;
  return s;
}

function getUtf16(): string {
  const n = getUint32();
  need(2 * n);
  const s = src.toString('utf16le', pos, pos + 2 * n);
  pos += 2 * n;
  return s;
}

function get(): unknown {
  need(1);
  const tag = src[pos++];
  switch (tag) {
    case NULL:
      return null;
    case FALSE:
      return false;
    case TRUE:
      return true;
    case INT32: {
      need(4);
      const n = src.readInt32BE(pos);
      pos += 4;
      return n;
    }
    case DOUBLE: {
      need(8);
      const d = src.readDoubleBE(pos);
      pos += 8;
      return d;
    }
    case INT64: {
      need(8);
      const v = readBigInt64(src, pos);
      pos += 8;
      return v;
    }
    case BIG:
      return BigInt(getText('latin1'));
    case STRING:
      return getText('utf8');
    case STRING16:
      return getUtf16();
    case DECIMAL:
      return new Dec(getText('latin1'));
    case BYTES: {
      const n = getUint32();
      need(n);
      const b = Buffer.from(src.subarray(pos, pos + n));
      pos += n;
      return b;
    }
    case ARRAY: {
      const n = getUint32();
      const items = new Array<unknown>(n);
      for (let i = 0; i < n; i++) items[i] = get();
      return items;
    }
    case MAP: {
      const n = getUint32();
      const map = new Map<unknown, unknown>();
      for (let i = 0; i < n; i++) {
        const k = get();
        map.set(k, get());
      }
      return map;
    }
    case STRUCT: {
      const n = getUint32();
      const struct: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const k = get();
        if (typeof k !== 'string') throw new RangeError('A struct field name in an internal record is not a string.');
        // As JSON.parse would: a field named __proto__ is an own field, not the prototype.
        if (k === '__proto__') Object.defineProperty(struct, k, { value: get(), writable: true, enumerable: true, configurable: true });
        else struct[k] = get();
      }
      return struct;
    }
    default:
      throw new RangeError(`Unknown value tag 0x${(tag ?? 0).toString(16)} in an internal record.`);
  }
}

export function internalDeserialize(bytes: Buffer): unknown {
  if (bytes.length > 0 && bytes[0]! >= 0x20) return legacyDeserialize(bytes);
  src = bytes;
  pos = 0;
  end = bytes.length;
  const value = get();
  if (pos !== end) throw new RangeError(`An internal record has ${end - pos} bytes after its value.`);
  return value;
}

/**
 * The serde; its store key remembers the last key it encoded. A windowed aggregation looks one
 * key up and writes it back for every window a record falls in, and the SQL runtime never
 * changes a row or key once built (every step makes new arrays), so the same array object
 * stands for the same bytes.
 */
export function internalSerde<T = unknown>(): Serde<T> & StoreSerdeShortcuts<T> {
  let lastKey: unknown = undefined;
  let lastKeyString = '';
  return {
    serialize: (_topic, data) => (data === null || data === undefined ? null : internalSerialize(data)),
    deserialize: (_topic, data) => (data === null || data === undefined ? null : (internalDeserialize(data) as T)),
    storeKey: (data) => {
      if (data === lastKey) return lastKeyString;
      const s = internalStoreKey(data);
      lastKey = data;
      lastKeyString = s;
      return s;
    },
  };
}

// ---- the earlier JSON encoding, read only ------------------------------------------------------
// Values JSON has no type for were one-key objects whose key starts with a NUL character.

function revive(this: unknown, _key: string, v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length !== 1 || keys[0]!.charCodeAt(0) !== 0) return v;
  const x = o[keys[0]!];
  switch (keys[0]) {
    case '\u0000n':
      return BigInt(x as string);
    case '\u0000d':
      return new Dec(x as string);
    case '\u0000b':
      return Buffer.from(x as string, 'base64');
    case '\u0000m':
      return new Map(x as [unknown, unknown][]);
    case '\u0000f':
      return Number(x);
    default:
      return v;
  }
}

function legacyDeserialize(bytes: Buffer): unknown {
  return JSON.parse(bytes.toString('utf8'), revive);
}
