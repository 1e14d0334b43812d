/**
 * Run-time SQL values <-> Protobuf message values (protobuf-wire.ts's representation).
 *
 * Writing fills a message's fields from columns or struct fields of the same name; fields with
 * nothing to hold (or a NULL) are left out, which proto3 reads back as the field's default (0,
 * "", false) unless the field has presence (messages, `optional`). Well-known messages carry the
 * temporal and decimal types:
 *
 *   TIMESTAMP ms     google.protobuf.Timestamp { seconds, nanos }
 *   DATE days        google.type.Date { year, month, day }  (proleptic Gregorian, UTC)
 *   TIME ms          google.type.TimeOfDay { hours, minutes, seconds, nanos }
 *   DECIMAL          confluent.type.Decimal { value: unscaled two's complement, precision, scale }
 *
 * Reading maps fields onto columns by exact or upper-cased name with ksqlDB's Connect type
 * checks (connect-types.ts); enums read as their symbol names.
 */
import type { SqlType } from '../../types/sql-type.js';
import type { ProtoField, ProtoMessage, ProtoScalar, ProtoType } from '../../schema-registry/protobuf-schema.js';
import { checkConnectType, type ConnectType } from '../connect-types.js';
import { asDecimal, decimalToUnscaledBytes, Dec, unscaledBytesToDecimal } from '../decimal-codec.js';
import { javaDoubleToString, javaFloatToString } from '../java-text.js';
import { bytesOf, mapEntries } from '../json-codec.js';
import type { ProtoMessageValue } from './protobuf-wire.js';
import { DATE_MESSAGE, DECIMAL_MESSAGE, TIME_MESSAGE, TIMESTAMP_MESSAGE, WRAPPERS } from './protobuf-sql-schema.js';
import { Decimal } from 'decimal.js';

const MS_PER_DAY = 86_400_000;

export type FieldSource = (name: string) => { value: unknown; type: SqlType } | undefined;

// ---- writing ------------------------------------------------------------------------------------

export function messageFromSql(message: ProtoMessage, source: FieldSource, path: string): ProtoMessageValue {
  const out: ProtoMessageValue = new Map();
  const oneofs = new Set<string>();
  for (const field of message.fields) {
    if (field.oneof !== undefined) {
      if (oneofs.has(field.oneof)) continue;
      oneofs.add(field.oneof);
      writeOneof(message, field.oneof, source, out, path);
      continue;
    }
    const s = source(field.name);
    if (s === undefined || s.value === null || s.value === undefined) continue;
    out.set(field.name, toFieldValue(s.value, s.type, field, `${path}.${field.name}`));
  }
  return out;
}

/** A oneof is a STRUCT of its members on the SQL side; the first non-null member is written. */
function writeOneof(message: ProtoMessage, oneof: string, source: FieldSource, out: ProtoMessageValue, path: string): void {
  const members = message.fields.filter((f) => f.oneof === oneof);
  const group = source(oneof);
  if (group && group.value !== null && group.value !== undefined && group.type.kind === 'STRUCT') {
    const struct = group.value as Record<string, unknown>;
    for (const m of members) {
      const f = group.type.fields.find((sf) => sf.name === m.name);
      if (f && struct[f.name] !== null && struct[f.name] !== undefined) {
        out.set(m.name, toFieldValue(struct[f.name], f.type, m, `${path}.${oneof}.${m.name}`));
        return;
      }
    }
    return;
  }
  // Members may also be filled directly by columns of their names.
  for (const m of members) {
    const s = source(m.name);
    if (s && s.value !== null && s.value !== undefined) {
      out.set(m.name, toFieldValue(s.value, s.type, m, `${path}.${m.name}`));
      return;
    }
  }
}

function toFieldValue(value: unknown, type: SqlType, field: ProtoField, path: string): unknown {
  const t = field.type;
  if (t.kind === 'map') {
    const valueType = type.kind === 'MAP' ? type.value : type;
    const keyType = type.kind === 'MAP' ? type.key : type;
    const out = new Map<unknown, unknown>();
    for (const [k, v] of mapEntries(value)) {
      out.set(toScalar(k, keyType, t.key, path), v === null || v === undefined ? null : toValue(v, valueType, t.value, field, `${path}['${String(k)}']`));
    }
    return out;
  }
  if (field.label === 'repeated') {
    const element = type.kind === 'ARRAY' ? type.element : type;
    return (value as unknown[]).map((v, i) => {
      if (v === null || v === undefined) throw new Error(`Protobuf repeated fields cannot hold NULL (${path}[${i}])`);
      return toValue(v, element, t, field, `${path}[${i}]`);
    });
  }
  return toValue(value, type, t, field, path);
}

function toValue(value: unknown, type: SqlType, t: ProtoType, field: ProtoField, path: string): unknown {
  switch (t.kind) {
    case 'enum': {
      if (typeof value === 'number') return value;
      const symbol = t.enum.values.find((v) => v.name === String(value));
      if (!symbol) throw new Error(`'${String(value)}' is not a value of enum ${t.enum.fullName} (${path})`);
      return symbol.number;
    }
    case 'scalar':
      return toScalar(value, type, t.scalar, path);
    case 'map':
      throw new Error(`Unexpected map at ${path}`);
    case 'message': {
      const m = t.message;
      switch (m.fullName) {
        case TIMESTAMP_MESSAGE: {
          const ms = BigInt(Math.trunc(Number(value)));
          const seconds = ms >= 0n ? ms / 1000n : -((-ms + 999n) / 1000n);
          return new Map<string, unknown>([['seconds', seconds], ['nanos', Number(ms - seconds * 1000n) * 1_000_000]]);
        }
        case DATE_MESSAGE: {
          const d = new Date(Number(value) * MS_PER_DAY);
          return new Map<string, unknown>([['year', d.getUTCFullYear()], ['month', d.getUTCMonth() + 1], ['day', d.getUTCDate()]]);
        }
        case TIME_MESSAGE: {
          const ms = Number(value);
          return new Map<string, unknown>([
            ['hours', Math.floor(ms / 3_600_000)],
            ['minutes', Math.floor(ms / 60_000) % 60],
            ['seconds', Math.floor(ms / 1000) % 60],
            ['nanos', (ms % 1000) * 1_000_000],
          ]);
        }
        case DECIMAL_MESSAGE: {
          const scale = field.params.scale !== undefined ? Number(field.params.scale) : type.kind === 'DECIMAL' ? type.scale : asDecimal(value).decimalPlaces();
          const d = new Dec(asDecimal(value)).toDecimalPlaces(scale, Decimal.ROUND_HALF_UP);
          const unscaled = d.times(new Dec(10).pow(scale)).abs().toFixed(0);
          // Confluent writes the value's own precision (its digit count), as BigDecimal.precision().
          return new Map<string, unknown>([['value', decimalToUnscaledBytes(d, scale)], ['precision', unscaled.replace(/^0+(?=\d)/, '').length], ['scale', scale]]);
        }
      }
      const wrapped = WRAPPERS[m.fullName];
      if (wrapped) return new Map<string, unknown>([['value', toValue(value, type, m.fields[0]!.type, m.fields[0]!, path)]]);
      if (type.kind !== 'STRUCT') throw new Error(`A ${type.kind} cannot be written as the message ${m.fullName} (${path})`);
      const struct = value as Record<string, unknown>;
      const types = new Map(type.fields.map((f) => [f.name, f.type]));
      return messageFromSql(m, (name) => (types.has(name) ? { value: struct[name], type: types.get(name)! } : undefined), path);
    }
  }
}

function toScalar(value: unknown, type: SqlType, scalar: ProtoScalar, path: string): unknown {
  switch (scalar) {
    case 'int32':
    case 'sint32':
    case 'sfixed32':
    case 'uint32':
    case 'fixed32': {
      const n = Number(value);
      const [min, max] = scalar === 'uint32' || scalar === 'fixed32' ? [0, 4294967295] : [-2147483648, 2147483647];
      if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${String(value)} does not fit a ${scalar} (${path})`);
      return n;
    }
    case 'int64':
    case 'sint64':
    case 'sfixed64':
    case 'uint64':
    case 'fixed64':
      return typeof value === 'bigint' ? value : BigInt(Math.trunc(Number(value)));
    case 'float':
    case 'double':
      return type.kind === 'DECIMAL' ? asDecimal(value).toNumber() : Number(value);
    case 'bool':
      return Boolean(value);
    case 'string':
      return String(value);
    case 'bytes':
      return bytesOf(value);
  }
}

// ---- reading ------------------------------------------------------------------------------------

/** Message fields into struct fields: exact name, else upper-cased; oneofs as structs. */
export function structFromMessage(value: ProtoMessageValue, message: ProtoMessage, fields: readonly { name: string; type: SqlType }[], path: string): Record<string, unknown> {
  const byName = new Map(fields.map((f) => [f.name, f]));
  const target = (name: string) => byName.get(name) ?? byName.get(name.toUpperCase());
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f.name] = null;
  const oneofs = new Set<string>();
  for (const field of message.fields) {
    if (field.oneof !== undefined) {
      if (oneofs.has(field.oneof)) continue;
      oneofs.add(field.oneof);
      const group = target(field.oneof);
      if (!group) continue;
      checkConnectType('struct', group.type, `${path}->${group.name}`);
      if (group.type.kind !== 'STRUCT') continue;
      const members = message.fields.filter((m) => m.oneof === field.oneof);
      const memberFields = group.type.fields;
      const struct: Record<string, unknown> = {};
      for (const mf of memberFields) struct[mf.name] = null;
      for (const m of members) {
        const mf = memberFields.find((x) => x.name === m.name) ?? memberFields.find((x) => x.name === m.name.toUpperCase());
        if (mf) struct[mf.name] = fromField(value.get(m.name), m, mf.type, `${path}->${group.name}->${mf.name}`);
      }
      out[group.name] = struct;
      continue;
    }
    const t = target(field.name);
    if (!t) continue;
    out[t.name] = fromField(value.get(field.name), field, t.type, `${path}->${t.name}`);
  }
  return out;
}

function fromField(value: unknown, field: ProtoField, type: SqlType, path: string): unknown {
  if (value === null || value === undefined) return null;
  const t = field.type;
  if (t.kind === 'map') {
    checkConnectType('map', type, path);
    if (type.kind !== 'MAP') return null;
    const out = new Map<unknown, unknown>();
    for (const [k, v] of value as Map<unknown, unknown>) {
      out.set(fromValue(k, { kind: 'scalar', scalar: t.key }, field, type.key, `${path}->MAP_KEY`), fromValue(v, t.value, field, type.value, `${path}->MAP_VAL`));
    }
    return out;
  }
  if (field.label === 'repeated') {
    checkConnectType('array', type, path);
    if (type.kind !== 'ARRAY') return null;
    return (value as unknown[]).map((v) => fromValue(v, t, field, type.element, `${path}->ARRAY`));
  }
  return fromValue(value, t, field, type, path);
}

function connectType(t: ProtoType): ConnectType {
  switch (t.kind) {
    case 'enum':
      return 'string';
    case 'map':
      return 'map';
    case 'message': {
      switch (t.message.fullName) {
        case TIMESTAMP_MESSAGE:
          return 'int64';
        case DATE_MESSAGE:
        case TIME_MESSAGE:
          return 'int32';
        case DECIMAL_MESSAGE:
          return 'bytes';
      }
      const inner = t.message.fields[0];
      return WRAPPERS[t.message.fullName] && inner ? connectType(inner.type) : 'struct';
    }
    case 'scalar':
      switch (t.scalar) {
        case 'int32':
        case 'sint32':
        case 'sfixed32':
          return 'int32';
        case 'float':
          return 'float32';
        case 'double':
          return 'float64';
        case 'bool':
          return 'boolean';
        case 'string':
          return 'string';
        case 'bytes':
          return 'bytes';
        default:
          return 'int64';
      }
  }
}

function fromValue(value: unknown, t: ProtoType, field: ProtoField, type: SqlType, path: string): unknown {
  if (value === null || value === undefined) return null;
  checkConnectType(connectType(t), type, path);
  if (t.kind === 'enum') {
    const symbol = t.enum.values.find((v) => v.number === value);
    return symbol ? symbol.name : String(value);
  }
  if (t.kind === 'message') {
    const m = value as ProtoMessageValue;
    switch (t.message.fullName) {
      case TIMESTAMP_MESSAGE:
        return fromNumber(Number(BigInt(m.get('seconds') as bigint) * 1000n) + Math.floor(Number(m.get('nanos') ?? 0) / 1_000_000), type);
      case DATE_MESSAGE: {
        // setUTCFullYear, since Date.UTC reads years 0-99 as 1900-1999.
        const date = new Date(0);
        date.setUTCFullYear(Number(m.get('year')), Number(m.get('month')) - 1, Number(m.get('day')));
        return fromNumber(Math.floor(date.getTime() / MS_PER_DAY), type);
      }
      case TIME_MESSAGE:
        return fromNumber(
          Number(m.get('hours') ?? 0) * 3_600_000 + Number(m.get('minutes') ?? 0) * 60_000 + Number(m.get('seconds') ?? 0) * 1000 + Math.floor(Number(m.get('nanos') ?? 0) / 1_000_000),
          type,
        );
      case DECIMAL_MESSAGE: {
        const scale = Number(m.get('scale') ?? field.params.scale ?? 0);
        const d = unscaledBytesToDecimal((m.get('value') as Buffer | undefined) ?? Buffer.alloc(0), scale);
        if (type.kind !== 'DECIMAL') return d;
        const rounded = new Dec(d).toDecimalPlaces(type.scale, Decimal.ROUND_HALF_UP);
        if (rounded.abs().gte(new Dec(10).pow(type.precision - type.scale))) throw new Error(`Cannot fit decimal '${d.toFixed()}' into DECIMAL(${type.precision}, ${type.scale}) for path: ${path}`);
        return rounded;
      }
    }
    const inner = t.message.fields[0];
    if (WRAPPERS[t.message.fullName] && inner) return fromValue(m.get(inner.name), inner.type, inner, type, path);
    if (type.kind !== 'STRUCT') return null;
    return structFromMessage(m, t.message, type.fields, path);
  }
  if (t.kind === 'map') return null;
  if (type.kind === 'STRING') {
    if (t.scalar === 'float') return javaFloatToString(value as number);
    if (t.scalar === 'double') return javaDoubleToString(value as number);
    return String(value);
  }
  return fromNumber(value, type);
}

function fromNumber(value: unknown, type: SqlType): unknown {
  switch (type.kind) {
    case 'BIGINT':
      return BigInt(value as number | bigint);
    case 'INTEGER':
    case 'DOUBLE':
    case 'DATE':
    case 'TIME':
    case 'TIMESTAMP':
      return typeof value === 'bigint' ? Number(value) : value;
    default:
      return value;
  }
}
