/**
 * JSON text for the JSON functions, as ksqlDB's Jackson mapper reads and writes it: numbers
 * keep the digits they were written with (`1.23450` stays so), object keys keep their order,
 * output is compact (`{"a":1,"b":[2,3]}`), and text after the first value is ignored.
 */
import type { Decimal } from 'decimal.js';
import { decimalToPlainString } from '../../types/decimal.js';
import { formatDouble } from '../../types/format-value.js';
import type { SqlStruct, SqlType } from '../../types/sql-type.js';
import { formatDate, formatTime, formatTimestamp } from '../../types/temporal.js';

/** A JSON number, held as written. */
export class JsonNumber {
  constructor(readonly text: string) {}

  isIntegral(): boolean {
    return /^-?\d+$/.test(this.text);
  }
}

export type Json = null | boolean | string | JsonNumber | Json[] | Map<string, Json>;

class JsonSyntaxError extends Error {}

/** The first JSON value in `text`; undefined when there is none (invalid JSON). */
export function parseJson(text: string): Json | undefined {
  const p = { pos: 0 };
  try {
    skipWs(text, p);
    if (p.pos >= text.length) return undefined;
    return readValue(text, p, 0);
  } catch (e) {
    if (e instanceof JsonSyntaxError) return undefined;
    throw e;
  }
}

function skipWs(t: string, p: { pos: number }): void {
  while (p.pos < t.length && (t[p.pos] === ' ' || t[p.pos] === '\t' || t[p.pos] === '\n' || t[p.pos] === '\r')) p.pos++;
}

function readValue(t: string, p: { pos: number }, depth: number): Json {
  if (depth > 1000) throw new JsonSyntaxError();
  skipWs(t, p);
  const c = t[p.pos];
  if (c === '{') {
    p.pos++;
    const out = new Map<string, Json>();
    skipWs(t, p);
    if (t[p.pos] === '}') {
      p.pos++;
      return out;
    }
    for (;;) {
      skipWs(t, p);
      if (t[p.pos] !== '"') throw new JsonSyntaxError();
      const key = readString(t, p);
      skipWs(t, p);
      if (t[p.pos++] !== ':') throw new JsonSyntaxError();
      out.set(key, readValue(t, p, depth + 1));
      skipWs(t, p);
      const sep = t[p.pos++];
      if (sep === '}') return out;
      if (sep !== ',') throw new JsonSyntaxError();
    }
  }
  if (c === '[') {
    p.pos++;
    const out: Json[] = [];
    skipWs(t, p);
    if (t[p.pos] === ']') {
      p.pos++;
      return out;
    }
    for (;;) {
      out.push(readValue(t, p, depth + 1));
      skipWs(t, p);
      const sep = t[p.pos++];
      if (sep === ']') return out;
      if (sep !== ',') throw new JsonSyntaxError();
    }
  }
  if (c === '"') return readString(t, p);
  for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
    if (t.startsWith(word, p.pos)) {
      p.pos += word.length;
      if (/[A-Za-z0-9_]/.test(t[p.pos] ?? '')) throw new JsonSyntaxError();
      return value;
    }
  }
  const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(t.slice(p.pos, p.pos + 400));
  if (!m || /[A-Za-z0-9_.]/.test(t[p.pos + m[0].length] ?? '')) throw new JsonSyntaxError();
  p.pos += m[0].length;
  return new JsonNumber(m[0]);
}

function readString(t: string, p: { pos: number }): string {
  p.pos++;
  let out = '';
  for (;;) {
    const c = t[p.pos++];
    if (c === undefined) throw new JsonSyntaxError();
    if (c === '"') return out;
    if (c === '\\') {
      const e = t[p.pos++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const hex = t.slice(p.pos, p.pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new JsonSyntaxError();
          out += String.fromCharCode(parseInt(hex, 16));
          p.pos += 4;
          break;
        }
        default:
          throw new JsonSyntaxError();
      }
    } else if (c < ' ') {
      throw new JsonSyntaxError();
    } else out += c;
  }
}

/** Compact JSON text of a parsed value. */
export function stringifyJson(v: Json): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof JsonNumber) return v.text;
  if (Array.isArray(v)) return `[${v.map(stringifyJson).join(',')}]`;
  const parts: string[] = [];
  for (const [k, x] of v) parts.push(`${JSON.stringify(k)}:${stringifyJson(x)}`);
  return `{${parts.join(',')}}`;
}

/** A JSON value as text: a string's own text, anything else as JSON. */
export function jsonAsText(v: Json): string {
  return typeof v === 'string' ? v : stringifyJson(v);
}

/** Compact JSON of a SQL value (TO_JSON_STRING). */
export function sqlValueToJson(type: SqlType, value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (type.kind) {
    case 'BOOLEAN':
    case 'INTEGER':
    case 'BIGINT':
      return String(value);
    case 'DOUBLE': {
      const d = value as number;
      return Number.isFinite(d) ? formatDouble(d) : JSON.stringify(formatDouble(d));
    }
    case 'DECIMAL':
      return decimalToPlainString(value as Decimal, type.scale);
    case 'STRING':
      return JSON.stringify(value);
    case 'BYTES':
      return JSON.stringify((value as Buffer).toString('base64'));
    case 'DATE':
      return JSON.stringify(formatDate(value as number));
    case 'TIME':
      return JSON.stringify(formatTime(value as number));
    case 'TIMESTAMP':
      return JSON.stringify(formatTimestamp(value as number));
    case 'ARRAY':
      return `[${(value as unknown[]).map((e) => sqlValueToJson(type.element, e)).join(',')}]`;
    case 'MAP': {
      const parts: string[] = [];
      for (const [k, v] of value as Map<unknown, unknown>) {
        const key = type.key.kind === 'STRING' ? (k as string) : stripQuotes(sqlValueToJson(type.key, k));
        parts.push(`${JSON.stringify(key)}:${sqlValueToJson(type.value, v)}`);
      }
      return `{${parts.join(',')}}`;
    }
    case 'STRUCT': {
      const struct = value as SqlStruct;
      return `{${type.fields.map((f) => `${JSON.stringify(f.name)}:${sqlValueToJson(f.type, struct[f.name] ?? null)}`).join(',')}}`;
    }
    default:
      return JSON.stringify(String(value));
  }
}

function stripQuotes(s: string): string {
  return s.startsWith('"') ? (JSON.parse(s) as string) : s;
}
