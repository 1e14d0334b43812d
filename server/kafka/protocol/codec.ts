/**
 * The table compiler: a struct of the message table (a body, an array element, a tagged
 * struct) at one version becomes a pair of closures, a reader and a writer, with every version
 * decision (present? tagged? compact? nullable?) taken once at compile time. `bodies.ts` caches
 * one per API, version and direction, so the hot paths (Produce, Fetch) look at the table only
 * for the first message of each version.
 *
 * A struct on the wire is its fields in table order, each in line unless the version lacks it
 * or carries it tagged; in flexible versions a tagged-fields section follows:
 *
 *   field_1 | field_2 | ... | field_n [| tagged fields: uvarint count, (uvarint tag, uvarint size, bytes)*]
 *
 * Decoding fills fields the version lacks (and tagged fields not sent) with their defaults, so a
 * decoded body has every field of every version. Encoding writes what the version has; a field
 * it lacks must hold its default unless the spec marks it ignorable (Kafka's rule: silently
 * dropping, say, `validateOnly` would change what the request means). Records and bytes decode
 * to views of the input buffer and encode by reference (see `Writer.raw`).
 */
import { KafkaError } from '../../../storage/errors.js';
import type { Reader } from './primitives.js';
import { EMPTY_BUFFER, Writer, ZERO_UUID } from './primitives.js';
import type { FieldSpec } from './schema.js';
import { inVersions, parseVersions } from './schema.js';

/** A decoded body or struct; the generated interfaces give precise types per API. */
export type Message = Record<string, unknown>;

export interface StructCodec {
  read(r: Reader): Message;
  write(w: Writer, value: Message): void;
}

interface ValueCodec {
  read(r: Reader): unknown;
  write(w: Writer, value: unknown): void;
}

export function malformed(message: string): KafkaError {
  return new KafkaError('INVALID_REQUEST', message);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `string '${v.length > 40 ? v.slice(0, 40) + '…' : v}'`;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  if (Array.isArray(v)) return `array(${v.length})`;
  return typeof v;
}

function badValue(path: string, expected: string, v: unknown): KafkaError {
  return new KafkaError('INVALID_REQUEST', `${path}: expected ${expected}, got ${describe(v)}`);
}

// ---- field types ----

const INT_RANGES: Record<string, readonly [number, number]> = {
  int8: [-0x80, 0x7f],
  int16: [-0x8000, 0x7fff],
  uint16: [0, 0xffff],
  int32: [-0x80000000, 0x7fffffff],
  uint32: [0, 0xffffffff],
};

const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;
/** 22 base64url characters whose last one carries no bits beyond the 128 (canonical form). */
const UUID_PATTERN = /^[A-Za-z0-9_-]{21}[AQgw]$/;

function isStructType(f: FieldSpec): boolean {
  return f.fields !== undefined;
}

function elementType(f: FieldSpec): string {
  return f.type.startsWith('[]') ? f.type.slice(2) : f.type;
}

/** A fresh default for the field: the spec's `default`, else Kafka's per-type default. */
function defaultFactory(f: FieldSpec): () => unknown {
  if (f.type.startsWith('[]')) return () => [];
  if (isStructType(f)) {
    const children = f.fields!.map((c) => [c.name, defaultFactory(c)] as const);
    return () => {
      const m: Message = {};
      for (const [name, make] of children) m[name] = make();
      return m;
    };
  }
  const fixed = f.default !== undefined ? f.default : typeDefault(f.type);
  return () => fixed;
}

function typeDefault(type: string): unknown {
  switch (type) {
    case 'bool':
      return false;
    case 'int64':
      return 0n;
    case 'string':
      return '';
    case 'uuid':
      return ZERO_UUID;
    case 'bytes':
      return EMPTY_BUFFER;
    case 'records':
      return null;
    default:
      return 0;
  }
}

/** Kafka's "is this field at its default" test, which decides whether a tagged field is sent. */
function defaultTest(f: FieldSpec): (v: unknown) => boolean {
  if (f.type.startsWith('[]')) return (v) => v === undefined || (Array.isArray(v) && v.length === 0);
  if (isStructType(f)) {
    const children = f.fields!.map((c) => [c.name, defaultTest(c)] as const);
    return (v) => {
      if (v === undefined) return true;
      if (v === null || typeof v !== 'object') return false;
      const m = v as Message;
      return children.every(([name, test]) => test(m[name]));
    };
  }
  if (f.type === 'bytes') return (v) => v === undefined || (v instanceof Uint8Array && v.length === 0);
  const def = f.default !== undefined ? f.default : typeDefault(f.type);
  if (f.type === 'int64') {
    return (v) => v === undefined || v === def || (typeof v === 'number' && Number.isSafeInteger(v) && BigInt(v) === def);
  }
  return (v) => v === undefined || v === def;
}

function compileValue(f: FieldSpec, version: number, flexible: boolean, path: string): ValueCodec {
  const compact = flexible && (f.flexibleVersions === undefined || inVersions(parseVersions(f.flexibleVersions), version));
  const nullable = f.nullableVersions !== undefined && inVersions(parseVersions(f.nullableVersions), version);
  if (f.type.startsWith('[]')) {
    const element: ValueCodec = isStructType(f)
      ? compileStruct(f.fields!, version, flexible, `${path}[]`)
      : compilePrimitive(elementType(f), compact, false, `${path}[]`);
    return {
      read(r) {
        const n = r.arrayLength(compact);
        if (n < 0) {
          if (nullable) return null;
          throw malformed(`${path} is null but not nullable at this version`);
        }
        const out = new Array<unknown>(n);
        for (let i = 0; i < n; i++) out[i] = element.read(r);
        return out;
      },
      write(w, v) {
        if (v === null && nullable) return w.arrayLength(null, compact);
        if (!Array.isArray(v)) throw badValue(path, nullable ? 'an array or null' : 'an array', v);
        w.arrayLength(v.length, compact);
        for (let i = 0; i < v.length; i++) element.write(w, v[i]);
      },
    };
  }
  if (isStructType(f)) {
    const struct = compileStruct(f.fields!, version, flexible, path);
    return {
      read: (r) => struct.read(r),
      write(w, v) {
        if (v === null || typeof v !== 'object') throw badValue(path, 'an object', v);
        struct.write(w, v as Message);
      },
    };
  }
  return compilePrimitive(f.type, compact, nullable, path);
}

function compilePrimitive(type: string, compact: boolean, nullable: boolean, path: string): ValueCodec {
  const range = INT_RANGES[type];
  if (range) {
    const [min, max] = range;
    const read = {
      int8: (r: Reader) => r.int8(),
      int16: (r: Reader) => r.int16(),
      uint16: (r: Reader) => r.uint16(),
      int32: (r: Reader) => r.int32(),
      uint32: (r: Reader) => r.uint32(),
    }[type as 'int8']!;
    const put = {
      int8: (w: Writer, v: number) => w.int8(v),
      int16: (w: Writer, v: number) => w.int16(v),
      uint16: (w: Writer, v: number) => w.uint16(v),
      int32: (w: Writer, v: number) => w.int32(v),
      uint32: (w: Writer, v: number) => w.uint32(v),
    }[type as 'int8']!;
    return {
      read,
      write(w, v) {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw badValue(path, type, v);
        put(w, v);
      },
    };
  }
  switch (type) {
    case 'bool':
      return {
        read: (r) => r.bool(),
        write(w, v) {
          if (typeof v !== 'boolean') throw badValue(path, 'a boolean', v);
          w.bool(v);
        },
      };
    case 'int64':
      return {
        read: (r) => r.int64(),
        write(w, v) {
          if (typeof v === 'bigint' && v >= MIN_INT64 && v <= MAX_INT64) return w.int64(v);
          if (typeof v === 'number' && Number.isSafeInteger(v)) return w.int64(BigInt(v));
          throw badValue(path, 'an int64 (bigint, or a safe integer number)', v);
        },
      };
    case 'float64':
      return {
        read: (r) => r.float64(),
        write(w, v) {
          if (typeof v !== 'number') throw badValue(path, 'a number', v);
          w.float64(v);
        },
      };
    case 'uuid':
      return {
        read: (r) => r.uuid(),
        write(w, v) {
          if (typeof v !== 'string' || !UUID_PATTERN.test(v)) throw badValue(path, 'a uuid (22 characters of base64url)', v);
          w.uuid(v);
        },
      };
    case 'string':
      return {
        read(r) {
          const s = compact ? r.compactString() : r.string();
          if (s === null && !nullable) throw malformed(`${path} is null but not nullable at this version`);
          return s;
        },
        write(w, v) {
          if (typeof v !== 'string' && !(v === null && nullable)) throw badValue(path, nullable ? 'a string or null' : 'a string', v);
          if (compact) w.compactString(v);
          else w.string(v);
        },
      };
    case 'bytes':
    case 'records':
      return {
        read(r) {
          const b = compact ? r.compactBytes() : r.bytes();
          if (b === null && !nullable) throw malformed(`${path} is null but not nullable at this version`);
          return b;
        },
        write(w, v) {
          if (!(v instanceof Uint8Array) && !(v === null && nullable)) throw badValue(path, nullable ? 'a Buffer or null' : 'a Buffer', v);
          if (compact) w.compactBytes(v);
          else w.bytes(v);
        },
      };
    default:
      throw new Error(`${path}: unknown field type ${type}`);
  }
}

// ---- structs ----

interface TaggedField {
  tag: number;
  name: string;
  codec: ValueCodec;
  isDefault: (v: unknown) => boolean;
}

/** Compiles the fields of one struct at one version into a reader and a writer. */
export function compileStruct(fields: readonly FieldSpec[], version: number, flexible: boolean, path: string): StructCodec {
  const n = fields.length;
  const names: string[] = [];
  const readers: ((r: Reader) => unknown)[] = [];
  const writers: ((w: Writer, m: Message) => void)[] = [];
  const tagged: TaggedField[] = [];

  for (const f of fields) {
    const fieldPath = path ? `${path}.${f.name}` : f.name;
    const name = f.name;
    const makeDefault = defaultFactory(f);
    const isDefault = defaultTest(f);
    names.push(name);
    const present = inVersions(parseVersions(f.versions), version);
    const isTagged = present && f.taggedVersions !== undefined && flexible && inVersions(parseVersions(f.taggedVersions), version);
    if (present && !isTagged) {
      const codec = compileValue(f, version, flexible, fieldPath);
      readers.push((r) => codec.read(r));
      writers.push((w, m) => {
        const v = m[name];
        codec.write(w, v === undefined ? makeDefault() : v);
      });
      continue;
    }
    readers.push(makeDefault);
    if (isTagged) {
      tagged.push({ tag: f.tag!, name, codec: compileValue(f, version, flexible, fieldPath), isDefault });
    } else if (!f.ignorable) {
      writers.push((_w, m) => {
        if (!isDefault(m[name])) {
          throw new KafkaError(
            'UNSUPPORTED_VERSION',
            `${fieldPath} is not part of version ${version} and is not ignorable, so its non-default value ${describe(m[name])} cannot be sent; use a version that has it or leave it at its default.`,
          );
        }
      });
    }
  }
  tagged.sort((a, b) => a.tag - b.tag);
  const byTag = new Map(tagged.map((t) => [t.tag, t]));

  const readTagged = (r: Reader, m: Message): void => {
    const count = r.unsignedVarint();
    for (let i = 0; i < count; i++) {
      const tag = r.unsignedVarint();
      const size = r.unsignedVarint();
      if (size > r.remaining) throw malformed(`${path || 'message'}: tagged field ${tag} of ${size} byte(s) runs past the end`);
      const end = r.pos + size;
      const t = byTag.get(tag);
      if (!t) {
        // A tag from a newer version of the schema: skip it, as Kafka does.
        r.pos = end;
        continue;
      }
      const outer = r.end;
      r.end = end;
      m[t.name] = t.codec.read(r);
      if (r.pos !== end) throw malformed(`${path || 'message'}: tagged field ${tag} declares ${size} byte(s) but its value used ${size - (end - r.pos)}`);
      r.end = outer;
    }
  };

  const writeTagged = (w: Writer, m: Message): void => {
    let count = 0;
    for (const t of tagged) if (!t.isDefault(m[t.name])) count++;
    w.unsignedVarint(count);
    if (count === 0) return;
    for (const t of tagged) {
      const v = m[t.name];
      if (t.isDefault(v)) continue;
      const body = new Writer(64);
      t.codec.write(body, v);
      w.unsignedVarint(t.tag);
      w.unsignedVarint(body.length);
      for (const chunk of body.chunks()) w.raw(chunk);
    }
  };

  return {
    read(r) {
      const m: Message = {};
      for (let i = 0; i < n; i++) m[names[i]!] = readers[i]!(r);
      if (flexible) readTagged(r, m);
      return m;
    },
    write(w, m) {
      for (let i = 0; i < writers.length; i++) writers[i]!(w, m);
      if (flexible) writeTagged(w, m);
    },
  };
}
