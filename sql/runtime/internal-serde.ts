/**
 * The serde of the rows, keys and accumulators a query keeps to itself: repartition topics,
 * changelogs and state stores. Any SQL value (see sql/types/sql-type.ts) round-trips exactly:
 * JSON, with the values JSON has no type for (BIGINT, DECIMAL, BYTES, MAP, non-finite DOUBLE)
 * as one-key objects whose key starts with a NUL character, which no struct field name has.
 * Equal values always give equal bytes, so keys can be compared as bytes.
 */
import type { Serde } from '../../engine/serde/serde.js';
import { Dec } from '../types/decimal.js';

const BIGINT = '\u0000n';
const DECIMAL = '\u0000d';
const BYTES = '\u0000b';
const MAP = '\u0000m';
const NUMBER = '\u0000f';

function encode(v: unknown): unknown {
  switch (typeof v) {
    case 'bigint':
      return { [BIGINT]: v.toString() };
    case 'number':
      return Number.isFinite(v) ? v : { [NUMBER]: String(v) };
    case 'string':
    case 'boolean':
      return v;
    case 'undefined':
      return null;
    case 'object': {
      if (v === null) return null;
      if (Array.isArray(v)) return v.map(encode);
      if (v instanceof Dec) return { [DECIMAL]: v.toFixed() };
      if (Buffer.isBuffer(v)) return { [BYTES]: v.toString('base64') };
      if (v instanceof Map) return { [MAP]: [...v].map(([k, x]) => [encode(k), encode(x)]) };
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = encode(x);
      return out;
    }
    default:
      throw new TypeError(`Cannot serialize a ${typeof v} in a query's internal topic.`);
  }
}

function revive(this: unknown, _key: string, v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length !== 1 || keys[0]!.charCodeAt(0) !== 0) return v;
  const x = o[keys[0]!];
  switch (keys[0]) {
    case BIGINT:
      return BigInt(x as string);
    case DECIMAL:
      return new Dec(x as string);
    case BYTES:
      return Buffer.from(x as string, 'base64');
    case MAP:
      return new Map(x as [unknown, unknown][]);
    case NUMBER:
      return Number(x);
    default:
      return v;
  }
}

export function internalSerialize(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(encode(value)));
}

export function internalDeserialize(bytes: Buffer): unknown {
  return JSON.parse(bytes.toString('utf8'), revive);
}

export function internalSerde<T = unknown>(): Serde<T> {
  return {
    serialize: (_topic, data) => (data === null || data === undefined ? null : internalSerialize(data)),
    deserialize: (_topic, data) => (data === null || data === undefined ? null : (internalDeserialize(data) as T)),
  };
}
