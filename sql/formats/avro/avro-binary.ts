/**
 * Avro's binary encoding of a datum, driven by its (writer's) schema:
 *
 *   null                nothing
 *   boolean             1 byte, 00 or 01
 *   int, long           zigzag varint                     -1 -> 01, 150 -> AC 02
 *   float, double       4 / 8 bytes IEEE 754 little-endian
 *   bytes, string       long length, then the bytes (strings as UTF-8)
 *   fixed               exactly `size` bytes
 *   enum                int: the symbol's position
 *   union               long: the branch's position, then the value as that branch
 *   record              each field in schema order, nothing between
 *   array, map          blocks: long count, then items (map: string key, value); a 0 count
 *                       ends it. A negative count -n means n items preceded by a long byte size.
 *                       Written here as one block then 0, as Avro's Java encoder does.
 *
 * Datums in memory: null, boolean, number (int, float, double), bigint (long), Buffer (bytes,
 * fixed), string (string, enum symbol), unknown[] (array), Map<string, unknown> (map, and
 * record by field name), and AvroUnionValue for a union's branch.
 */
import type { AvroSchema } from '../../schema-registry/avro-schema.js';
import type { ByteReader, ByteWriter } from '../byte-io.js';

export class AvroUnionValue {
  constructor(
    readonly index: number,
    readonly value: unknown,
  ) {}
}

export function encodeAvro(schema: AvroSchema, datum: unknown, out: ByteWriter): void {
  switch (schema.type) {
    case 'null':
      if (datum !== null) throw new Error('A null schema encodes only null');
      return;
    case 'boolean':
      out.byte(datum ? 1 : 0);
      return;
    case 'int':
      if (typeof datum !== 'number' || !Number.isInteger(datum) || datum < -2147483648 || datum > 2147483647) throw new Error(`${String(datum)} is not an Avro int`);
      out.zigzag(datum);
      return;
    case 'long':
      if (typeof datum !== 'bigint' && !(typeof datum === 'number' && Number.isInteger(datum))) throw new Error(`${String(datum)} is not an Avro long`);
      if (BigInt.asIntN(64, BigInt(datum)) !== BigInt(datum)) throw new Error(`${String(datum)} does not fit an Avro long`);
      out.zigzag(datum);
      return;
    case 'float':
      out.floatLE(datum as number);
      return;
    case 'double':
      out.doubleLE(datum as number);
      return;
    case 'bytes': {
      const b = datum as Buffer;
      out.zigzag(b.length).bytes(b);
      return;
    }
    case 'string': {
      const b = Buffer.from(datum as string, 'utf8');
      out.zigzag(b.length).bytes(b);
      return;
    }
    case 'fixed': {
      const b = datum as Buffer;
      if (b.length !== schema.size) throw new Error(`A fixed ${schema.name} holds ${schema.size} bytes, got ${b.length}`);
      out.bytes(b);
      return;
    }
    case 'enum': {
      const index = schema.symbols.indexOf(datum as string);
      if (index < 0) throw new Error(`'${String(datum)}' is not a symbol of enum ${schema.name}`);
      out.zigzag(index);
      return;
    }
    case 'union': {
      const u = datum as AvroUnionValue;
      const branch = schema.branches[u.index];
      if (!branch) throw new Error(`No union branch ${u.index}`);
      out.zigzag(u.index);
      encodeAvro(branch, u.value, out);
      return;
    }
    case 'array': {
      const items = datum as unknown[];
      if (items.length > 0) {
        out.zigzag(items.length);
        for (const item of items) encodeAvro(schema.items, item, out);
      }
      out.byte(0);
      return;
    }
    case 'map': {
      const entries = datum as Map<string, unknown>;
      if (entries.size > 0) {
        out.zigzag(entries.size);
        for (const [k, v] of entries) {
          encodeAvro({ type: 'string', props: {} }, k, out);
          encodeAvro(schema.values, v, out);
        }
      }
      out.byte(0);
      return;
    }
    case 'record':
    case 'error': {
      const fields = datum as Map<string, unknown>;
      for (const field of schema.fields) encodeAvro(field.type, fields.get(field.name) ?? null, out);
      return;
    }
  }
}

export function decodeAvro(schema: AvroSchema, input: ByteReader): unknown {
  switch (schema.type) {
    case 'null':
      return null;
    case 'boolean': {
      const b = input.byte();
      if (b > 1) throw new Error(`Invalid boolean byte ${b}`);
      return b === 1;
    }
    case 'int':
      return input.zigzag32();
    case 'long':
      return BigInt.asIntN(64, input.zigzag());
    case 'float':
      return input.floatLE();
    case 'double':
      return input.doubleLE();
    case 'bytes':
      return Buffer.from(input.bytes(length(input)));
    case 'string':
      return input.bytes(length(input)).toString('utf8');
    case 'fixed':
      return Buffer.from(input.bytes(schema.size));
    case 'enum': {
      const i = Number(input.zigzag());
      const symbol = schema.symbols[i];
      if (symbol === undefined) throw new Error(`Enum index ${i} out of range for ${schema.name}`);
      return symbol;
    }
    case 'union': {
      const i = Number(input.zigzag());
      const branch = schema.branches[i];
      if (!branch) throw new Error(`Union index ${i} out of range`);
      return new AvroUnionValue(i, decodeAvro(branch, input));
    }
    case 'array': {
      const items: unknown[] = [];
      readBlocks(input, () => items.push(decodeAvro(schema.items, input)));
      return items;
    }
    case 'map': {
      const entries = new Map<string, unknown>();
      readBlocks(input, () => {
        const key = input.bytes(length(input)).toString('utf8');
        entries.set(key, decodeAvro(schema.values, input));
      });
      return entries;
    }
    case 'record':
    case 'error': {
      const fields = new Map<string, unknown>();
      for (const field of schema.fields) fields.set(field.name, decodeAvro(field.type, input));
      return fields;
    }
  }
}

function length(input: ByteReader): number {
  const n = input.zigzag();
  if (n < 0n || n > BigInt(input.remaining)) throw new Error(`Invalid length ${n} at offset ${input.pos}`);
  return Number(n);
}

function readBlocks(input: ByteReader, readItem: () => void): void {
  for (;;) {
    let count = input.zigzag();
    if (count === 0n) return;
    if (count < 0n) {
      count = -count;
      input.zigzag(); // the block's size in bytes, for skipping; not needed when reading every item
    }
    // Items may take no bytes (nulls), so the count is bounded loosely, against corrupt input.
    if (count > BigInt(input.remaining) + 1_000_000n) throw new Error(`Invalid block count ${count}`);
    for (let i = 0n; i < count; i++) readItem();
  }
}
