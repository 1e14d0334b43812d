/**
 * Seeded random bodies for any API and version, driven by the message table: every field the
 * version has gets a random value of its type (null sometimes where nullable, tagged fields
 * sometimes left at their defaults); fields it lacks hold the defaults a decoder must fill in.
 */
import type { FieldSpec } from '../../../../server/kafka/protocol/index.js';
import { parseVersions } from '../../../../server/kafka/protocol/index.js';

export type Rand = () => number;

/** mulberry32: small, fast, good enough to spread test inputs. */
export function seeded(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomInt(rand: Rand, min: number, max: number): number {
  return min + Math.floor(rand() * (max - min + 1));
}

export function randomBytes(rand: Rand, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

function has(range: string | undefined, version: number): boolean {
  if (range === undefined) return false;
  const r = parseVersions(range);
  return version >= r.min && version <= r.max;
}

const TYPE_DEFAULTS: Record<string, unknown> = {
  bool: false,
  int8: 0,
  int16: 0,
  uint16: 0,
  int32: 0,
  uint32: 0,
  int64: 0n,
  float64: 0,
  string: '',
  uuid: 'AAAAAAAAAAAAAAAAAAAAAA',
  records: null,
};

export function defaultOf(f: FieldSpec): unknown {
  if (f.type.startsWith('[]')) return [];
  if (f.fields) return Object.fromEntries(f.fields.map((c) => [c.name, defaultOf(c)]));
  if (f.default !== undefined) return f.default;
  if (f.type === 'bytes') return Buffer.alloc(0);
  return TYPE_DEFAULTS[f.type];
}

const TEXT = ['', 'a', 'foo', 'topic-1', 'é', '😀', 'x'.repeat(40), '\u0000'];

function randomPrimitive(type: string, rand: Rand): unknown {
  switch (type) {
    case 'bool':
      return rand() < 0.5;
    case 'int8':
      return randomInt(rand, -0x80, 0x7f);
    case 'int16':
      return randomInt(rand, -0x8000, 0x7fff);
    case 'uint16':
      return randomInt(rand, 0, 0xffff);
    case 'int32':
      return rand() < 0.2 ? -1 : randomInt(rand, -0x80000000, 0x7fffffff);
    case 'uint32':
      return randomInt(rand, 0, 0xffffffff);
    case 'int64':
      return rand() < 0.2 ? -1n : randomBytes(rand, 8).readBigInt64BE(0);
    case 'float64':
      return randomBytes(rand, 8).readDoubleBE(0) || 0.5;
    case 'string':
      return TEXT[Math.floor(rand() * TEXT.length)]! + (rand() < 0.5 ? String(randomInt(rand, 0, 999)) : '');
    case 'uuid':
      return randomBytes(rand, 16).toString('base64url');
    case 'bytes':
      return randomBytes(rand, randomInt(rand, 0, 12));
    case 'records':
      // Now and then big enough to travel as its own zero-copy chunk.
      return randomBytes(rand, rand() < 0.05 ? 5000 : randomInt(rand, 0, 40));
    default:
      throw new Error(`no generator for ${type}`);
  }
}

function randomValue(f: FieldSpec, version: number, flexible: boolean, rand: Rand, depth: number): unknown {
  if (has(f.nullableVersions, version) && rand() < 0.2) return null;
  if (f.type.startsWith('[]')) {
    const n = depth > 3 ? 0 : randomInt(rand, 0, 3);
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) {
      out.push(f.fields ? randomStruct(f.fields, version, flexible, rand, depth + 1) : randomPrimitive(f.type.slice(2), rand));
    }
    return out;
  }
  if (f.fields) return randomStruct(f.fields, version, flexible, rand, depth + 1);
  return randomPrimitive(f.type, rand);
}

export function randomStruct(fields: readonly FieldSpec[], version: number, flexible: boolean, rand: Rand, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const present = has(f.versions, version);
    const tagged = present && flexible && has(f.taggedVersions, version);
    out[f.name] = !present || (tagged && rand() < 0.3) ? defaultOf(f) : randomValue(f, version, flexible, rand, depth);
  }
  return out;
}

export interface Target {
  apiKey: number;
  name: string;
  version: number;
  flexible: boolean;
  direction: 'request' | 'response';
  fields: readonly FieldSpec[];
}

/** Every (api, version, direction) the table defines. */
export function allTargets(specs: readonly { apiKey: number; name: string; validVersions: string; flexibleVersions: string; request: readonly FieldSpec[]; response: readonly FieldSpec[] }[]): Target[] {
  const out: Target[] = [];
  for (const spec of specs) {
    const valid = parseVersions(spec.validVersions);
    for (let version = valid.min; version <= valid.max; version++) {
      const flexible = has(spec.flexibleVersions, version);
      for (const direction of ['request', 'response'] as const) {
        out.push({ apiKey: spec.apiKey, name: spec.name, version, flexible, direction, fields: spec[direction] });
      }
    }
  }
  return out;
}
