/**
 * The Protobuf binary encoding of a message, driven by the message's model (protobuf-schema.ts):
 *
 *   field = tag (varint: number << 3 | wire type), then the value
 *   wire type 0 varint      int32 int64 uint32 uint64 bool enum; sint32 sint64 zigzag
 *                           (negative int32/int64 take ten bytes: 64-bit two's complement)
 *   wire type 1 8 bytes LE  fixed64 sfixed64 double
 *   wire type 2 length + bytes   string bytes, messages, packed repeated scalars, map entries
 *   wire type 5 4 bytes LE  fixed32 sfixed32 float
 *
 *   message { int64 ID = 1; string NAME = 2; }  with ID 150, NAME "a"  ->  08 96 01 12 01 61
 *
 * Written as protobuf-java writes: fields in number order; proto3 singular fields without
 * presence are left out when they hold the default (0, false, "", empty bytes, enum 0);
 * repeated scalars packed in proto3; map entries as messages { key = 1; value = 2 } with both
 * written. Reading accepts packed and unpacked repeated scalars, skips unknown fields, and fills
 * absent fields with their defaults (null for fields with presence, [] and empty maps for
 * repeated ones).
 *
 * Values in memory: a message is a Map of field name to value; 32-bit integers, floats and
 * doubles are numbers, 64-bit integers bigints, bool boolean, string string, bytes Buffer,
 * enums their number, repeated fields arrays, map fields Maps.
 */
import type { ProtoField, ProtoMessage, ProtoScalar, ProtoType } from '../../schema-registry/protobuf-schema.js';
import { ByteReader, ByteWriter } from '../byte-io.js';

export type ProtoMessageValue = Map<string, unknown>;

const WIRE_VARINT = 0;
const WIRE_64 = 1;
const WIRE_LEN = 2;
const WIRE_32 = 5;

function wireType(t: ProtoType): number {
  if (t.kind === 'enum') return WIRE_VARINT;
  if (t.kind !== 'scalar') return WIRE_LEN;
  switch (t.scalar) {
    case 'fixed64':
    case 'sfixed64':
    case 'double':
      return WIRE_64;
    case 'fixed32':
    case 'sfixed32':
    case 'float':
      return WIRE_32;
    case 'string':
    case 'bytes':
      return WIRE_LEN;
    default:
      return WIRE_VARINT;
  }
}

export function encodeMessage(message: ProtoMessage, value: ProtoMessageValue, out: ByteWriter): void {
  const fields = [...message.fields].sort((a, b) => a.number - b.number);
  for (const field of fields) {
    const v = value.get(field.name);
    if (v === null || v === undefined) continue;
    encodeField(field, v, out);
  }
}

function encodeField(field: ProtoField, value: unknown, out: ByteWriter): void {
  const t = field.type;
  if (t.kind === 'map') {
    const entryKey: ProtoType = { kind: 'scalar', scalar: t.key };
    for (const [k, v] of value as Map<unknown, unknown>) {
      const entry = new ByteWriter();
      writeTagged(1, entryKey, k, entry);
      if (v !== null && v !== undefined) writeTagged(2, t.value, v, entry);
      out.varint((field.number << 3) | WIRE_LEN).varint(entry.length).bytes(entry.toBuffer());
    }
    return;
  }
  if (field.label === 'repeated') {
    const items = value as unknown[];
    if (items.length === 0) return;
    if (field.packed) {
      const packed = new ByteWriter();
      for (const item of items) writeValue(t, item, packed);
      out.varint((field.number << 3) | WIRE_LEN).varint(packed.length).bytes(packed.toBuffer());
    } else {
      for (const item of items) if (item !== null && item !== undefined) writeTagged(field.number, t, item, out);
    }
    return;
  }
  if (!field.hasPresence && isDefault(t, value)) return;
  writeTagged(field.number, t, value, out);
}

function writeTagged(number: number, t: ProtoType, value: unknown, out: ByteWriter): void {
  out.varint((number << 3) | wireType(t));
  writeValue(t, value, out);
}

function writeValue(t: ProtoType, value: unknown, out: ByteWriter): void {
  if (t.kind === 'enum') {
    out.varint(BigInt.asUintN(64, BigInt(value as number)));
    return;
  }
  if (t.kind === 'message') {
    const nested = new ByteWriter();
    encodeMessage(t.message, value as ProtoMessageValue, nested);
    out.varint(nested.length).bytes(nested.toBuffer());
    return;
  }
  if (t.kind === 'map') throw new Error('A map is not a value');
  writeScalar(t.scalar, value, out);
}

function writeScalar(scalar: ProtoScalar, value: unknown, out: ByteWriter): void {
  switch (scalar) {
    case 'int32':
    case 'int64':
    case 'uint32':
    case 'uint64':
      out.varint(BigInt.asUintN(64, BigInt(value as number | bigint)));
      return;
    case 'sint32':
    case 'sint64':
      out.zigzag(value as number | bigint);
      return;
    case 'bool':
      out.byte(value ? 1 : 0);
      return;
    case 'fixed32':
    case 'sfixed32':
      out.uint32LE(Number(value));
      return;
    case 'fixed64':
    case 'sfixed64':
      out.uint64LE(BigInt(value as number | bigint));
      return;
    case 'float':
      out.floatLE(value as number);
      return;
    case 'double':
      out.doubleLE(value as number);
      return;
    case 'string': {
      const b = Buffer.from(value as string, 'utf8');
      out.varint(b.length).bytes(b);
      return;
    }
    case 'bytes': {
      const b = value as Buffer;
      out.varint(b.length).bytes(b);
      return;
    }
  }
}

function isDefault(t: ProtoType, value: unknown): boolean {
  if (t.kind === 'enum') return value === 0;
  if (t.kind !== 'scalar') return false;
  switch (t.scalar) {
    case 'string':
      return value === '';
    case 'bytes':
      return (value as Buffer).length === 0;
    case 'bool':
      return value === false;
    default:
      return value === 0 || value === 0n || (typeof value === 'number' && Object.is(value, 0));
  }
}

export function decodeMessage(message: ProtoMessage, input: ByteReader): ProtoMessageValue {
  const byNumber = new Map(message.fields.map((f) => [f.number, f]));
  const value: ProtoMessageValue = new Map();
  while (input.remaining > 0) {
    const tag = input.varint();
    const number = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (number === 0) throw new Error('Invalid field number 0');
    const field = byNumber.get(number);
    if (!field) {
      skip(wire, input);
      continue;
    }
    const t = field.type;
    if (t.kind === 'map') {
      expectWire(wire, WIRE_LEN, field);
      const entry = subReader(input);
      const [k, v] = decodeEntry(t.key, t.value, entry);
      const map = (value.get(field.name) as Map<unknown, unknown> | undefined) ?? new Map();
      map.set(k, v);
      value.set(field.name, map);
    } else if (field.label === 'repeated') {
      const list = (value.get(field.name) as unknown[] | undefined) ?? [];
      if (wire === WIRE_LEN && wireType(t) !== WIRE_LEN) {
        const packed = subReader(input);
        while (packed.remaining > 0) list.push(readValue(t, packed));
      } else {
        expectWire(wire, wireType(t), field);
        list.push(readValue(t, input));
      }
      value.set(field.name, list);
    } else {
      expectWire(wire, wireType(t), field);
      value.set(field.name, readValue(t, input));
    }
  }
  for (const field of message.fields) {
    if (value.has(field.name)) continue;
    if (field.type.kind === 'map') value.set(field.name, new Map());
    else if (field.label === 'repeated') value.set(field.name, []);
    else value.set(field.name, field.hasPresence ? null : defaultValue(field.type));
  }
  return value;
}

function decodeEntry(keyType: ProtoScalar, valueType: ProtoType, input: ByteReader): [unknown, unknown] {
  let key: unknown = defaultValue({ kind: 'scalar', scalar: keyType });
  let value: unknown = valueType.kind === 'message' ? null : defaultValue(valueType);
  while (input.remaining > 0) {
    const tag = input.varint();
    const number = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (number === 1) key = readValue({ kind: 'scalar', scalar: keyType }, input);
    else if (number === 2) value = readValue(valueType, input);
    else skip(wire, input);
  }
  return [key, value];
}

function readValue(t: ProtoType, input: ByteReader): unknown {
  if (t.kind === 'enum') return Number(BigInt.asIntN(32, input.varint()));
  if (t.kind === 'message') {
    return decodeMessage(t.message, subReader(input));
  }
  if (t.kind === 'map') throw new Error('A map is not a value');
  switch (t.scalar) {
    case 'int32':
      return Number(BigInt.asIntN(32, input.varint()));
    case 'uint32':
      return Number(BigInt.asUintN(32, input.varint()));
    case 'int64':
      return BigInt.asIntN(64, input.varint());
    case 'uint64':
      return input.varint();
    case 'sint32':
      return Number(BigInt.asIntN(32, input.zigzag()));
    case 'sint64':
      return BigInt.asIntN(64, input.zigzag());
    case 'bool':
      return input.varint() !== 0n;
    case 'fixed32':
      return input.uint32LE();
    case 'sfixed32':
      return input.uint32LE() | 0;
    case 'fixed64':
      return input.uint64LE();
    case 'sfixed64':
      return BigInt.asIntN(64, input.uint64LE());
    case 'float':
      return input.floatLE();
    case 'double':
      return input.doubleLE();
    case 'string':
      return input.bytes(input.smallVarint()).toString('utf8');
    case 'bytes':
      return Buffer.from(input.bytes(input.smallVarint()));
  }
}

export function defaultValue(t: ProtoType): unknown {
  if (t.kind === 'enum') return 0;
  if (t.kind === 'message') return null;
  if (t.kind === 'map') return new Map();
  switch (t.scalar) {
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return 0n;
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
      return Buffer.alloc(0);
    default:
      return 0;
  }
}

/** A reader over the length-delimited bytes that follow, which the outer reader then skips. */
function subReader(input: ByteReader): ByteReader {
  const length = input.smallVarint();
  if (length > input.remaining) throw new Error(`Truncated data: a field of ${length} bytes at offset ${input.pos}, ${input.remaining} left`);
  const sub = new ByteReader(input.buf, input.pos, input.pos + length);
  input.pos += length;
  return sub;
}

function expectWire(actual: number, expected: number, field: ProtoField): void {
  if (actual !== expected) throw new Error(`Field ${field.name} (${field.number}) arrived with wire type ${actual}, its type needs ${expected}`);
}

function skip(wire: number, input: ByteReader): void {
  switch (wire) {
    case WIRE_VARINT:
      input.varint();
      return;
    case WIRE_64:
      input.bytes(8);
      return;
    case WIRE_LEN:
      input.bytes(input.smallVarint());
      return;
    case WIRE_32:
      input.bytes(4);
      return;
    default:
      throw new Error(`Unsupported wire type ${wire}`);
  }
}
