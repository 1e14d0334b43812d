import { Decimal } from 'decimal.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { createRowSerde, protobufSchemaForColumns, type Column } from '../../../sql/formats/index.js';
import { SchemaRegistry } from '../../../sql/schema-registry/schema-registry.js';
import { InMemorySchemaStore } from '../../../sql/schema-registry/store.js';
import { Types } from '../../../sql/types/sql-type.js';
import { fromHex, hex, plain } from './helpers.js';

let registry: SchemaRegistry;

beforeEach(async () => {
  registry = await SchemaRegistry.open(new InMemorySchemaStore());
});

const protobuf = (columns: Column[], options: { isKey?: boolean; schemaId?: number; schemaFullName?: string; topic?: string } = {}) =>
  createRowSerde('PROTOBUF', columns, { isKey: false, topic: 't', registry, ...options });

const ID_NAME: Column[] = [
  { name: 'ID', type: Types.BIGINT },
  { name: 'NAME', type: Types.STRING },
];

describe('PROTOBUF format', () => {
  it('writes magic byte, schema id, message indexes and the message', async () => {
    const serde = await protobuf(ID_NAME);
    // 00 | id 1 | [0] as one 00 byte | field 1 varint 150 = 96 01 | field 2 length 1 "a"
    expect(hex(serde.serialize('t', [150n, 'a']))).toBe(hex(fromHex('00 00000001 00  08 9601  12 01 61')));
    expect(serde.deserialize('t', fromHex('00 00000001 00 08 9601 12 01 61'))).toEqual([150n, 'a']);
  });

  it('leaves out default and NULL scalars, which read back as defaults (proto3)', async () => {
    const serde = await protobuf(ID_NAME);
    expect(hex(serde.serialize('t', [0n, null]))).toBe(hex(fromHex('00 00000001 00')));
    expect(serde.deserialize('t', fromHex('00 00000001 00'))).toEqual([0n, '']);
  });

  it('generates the schema ksqlDB generates (QTT pull-queries-protobuf.json)', () => {
    expect(protobufSchemaForColumns([{ name: 'ID', type: Types.BIGINT }, { name: 'FILTERED_TRANSFORMED', type: Types.map(Types.STRING, Types.INTEGER) }])).toBe(
      'syntax = "proto3";\n\nmessage ConnectDefault1 {\n  int64 ID = 1;\n  repeated ConnectDefault2Entry FILTERED_TRANSFORMED = 2;\n\n' +
        '  message ConnectDefault2Entry {\n    string key = 1;\n    int32 value = 2;\n  }\n}\n',
    );
    expect(
      protobufSchemaForColumns([
        { name: 'MYKEY', type: Types.INTEGER },
        { name: 'MYVALUE', type: Types.INTEGER },
        { name: 'MYHEADERS', type: Types.array(Types.struct([{ name: 'KEY', type: Types.STRING }, { name: 'VALUE', type: Types.BYTES }])) },
      ]),
    ).toBe(
      'syntax = "proto3";\n\nmessage ConnectDefault1 {\n  int32 MYKEY = 1;\n  int32 MYVALUE = 2;\n  repeated ConnectDefault2 MYHEADERS = 3;\n\n' +
        '  message ConnectDefault2 {\n    string KEY = 1;\n    bytes VALUE = 2;\n  }\n}\n',
    );
    expect(protobufSchemaForColumns([{ name: 'A', type: Types.TIMESTAMP }], 'my.pkg.Value')).toBe(
      'syntax = "proto3";\npackage my.pkg;\n\nimport "google/protobuf/timestamp.proto";\n\nmessage Value {\n  google.protobuf.Timestamp A = 1;\n}\n',
    );
  });

  it('writes map entries with key and value, and structs as nested messages', async () => {
    const serde = await protobuf([
      { name: 'M', type: Types.map(Types.STRING, Types.INTEGER) },
      { name: 'S', type: Types.struct([{ name: 'A', type: Types.INTEGER }]) },
      { name: 'R', type: Types.array(Types.INTEGER) },
    ]);
    // M: entry {key "x", value 1} | S: {A = 5} | R packed [1, 2]
    expect(hex(serde.serialize('t', [new Map([['x', 1]]), { A: 5 }, [1, 2]]))).toBe(hex(fromHex('00 00000001 00  0A 05 0A0178 1001  12 02 0805  1A 02 0102')));
  });

  it('round trips every SQL type', async () => {
    const columns: Column[] = [
      { name: 'B', type: Types.BOOLEAN },
      { name: 'I', type: Types.INTEGER },
      { name: 'L', type: Types.BIGINT },
      { name: 'D', type: Types.DOUBLE },
      { name: 'DEC', type: Types.decimal(10, 3) },
      { name: 'S', type: Types.STRING },
      { name: 'BY', type: Types.BYTES },
      { name: 'DT', type: Types.DATE },
      { name: 'TM', type: Types.TIME },
      { name: 'TS', type: Types.TIMESTAMP },
      { name: 'A', type: Types.array(Types.decimal(3, 1)) },
      { name: 'M', type: Types.map(Types.STRING, Types.struct([{ name: 'X', type: Types.BIGINT }])) },
      { name: 'ST', type: Types.struct([{ name: 'N', type: Types.array(Types.STRING) }]) },
    ];
    const row = [
      true,
      -2147483648,
      -9223372036854775808n,
      -0.5,
      new Decimal('-1234567.891'),
      'ünïcödé',
      Buffer.from([0, 255]),
      -719162,
      86399999,
      -1,
      [new Decimal('1.5'), new Decimal('-2.0')],
      new Map([['k', { X: 1n }]]),
      { N: ['a', 'b'] },
    ];
    const serde = await protobuf(columns);
    expect(plain(serde.deserialize('t', serde.serialize('t', row)))).toEqual(plain(row));
  });

  it('writes and reads a message chosen by full name in a registered schema (QTT table.json)', async () => {
    const id = await registry.register('test_topic-value', {
      schemaType: 'PROTOBUF',
      schema: 'syntax = "proto3"; message ProtobufValue1 {float c1 = 1; uint32 c2 = 2;} message ProtobufValue2 {uint64 ID = 1; string NAME = 2; uint32 VALUE = 3;}',
    });
    const serde = await protobuf([{ name: 'NAME', type: Types.STRING }, { name: 'VALUE', type: Types.BIGINT }], { schemaId: id, schemaFullName: 'ProtobufValue2' });
    // message indexes [1]: count 1, index 1, both zigzag = 02 02
    expect(hex(serde.serialize('t', ['one', 100n]))).toBe(hex(fromHex('00 00000001 02 02  12 03 6F6E65  18 64')));
    expect(serde.deserialize('t', fromHex('00 00000001 02 02  08 01  12 03 6F6E65  18 64'))).toEqual(['one', 100n]);
    await expect(protobuf([{ name: 'OTHER', type: Types.STRING }], { schemaId: id, schemaFullName: 'ProtobufValue2' })).rejects.toThrow(
      'Schema from Schema Registry misses field with name: OTHER',
    );
  });

  it('reads fields of other writers case-insensitively, enums as names', async () => {
    const id = await registry.register('x-value', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3"; message M { int32 c1 = 1; Color color = 2; enum Color { RED = 0; GREEN = 1; } }' });
    const serde = await protobuf([{ name: 'C1', type: Types.INTEGER }, { name: 'COLOR', type: Types.STRING }]);
    expect(serde.deserialize('t', Buffer.concat([fromHex('00'), Buffer.from([0, 0, 0, id]), fromHex('00 0804 1001')]))).toEqual([4, 'GREEN']);
  });

  it('reads unpacked repeated fields, skips unknown fields, and keeps proto2 presence', async () => {
    const id = await registry.register('p2-value', { schemaType: 'PROTOBUF', schema: 'syntax = "proto2"; message M { repeated int32 r = 1; optional int32 o = 2; optional string s = 3; }' });
    const serde = await protobuf([{ name: 'R', type: Types.array(Types.INTEGER) }, { name: 'O', type: Types.INTEGER }, { name: 'S', type: Types.STRING }]);
    const prefix = Buffer.concat([fromHex('00'), Buffer.from([0, 0, 0, id]), fromHex('00')]);
    // r = 1 and r = 2 unpacked | unknown field 9 (varint 7) | o absent | s absent
    expect(serde.deserialize('t', Buffer.concat([prefix, fromHex('0801 0802 4807')]))).toEqual([[1, 2], null, null]);
    // o = 0 present, which proto2 tells apart from absent
    expect(serde.deserialize('t', Buffer.concat([prefix, fromHex('1000')]))).toEqual([[], 0, null]);
  });

  it('keys are messages too (PROTOBUF cannot unwrap)', async () => {
    const key = await protobuf([{ name: 'K', type: Types.STRING }], { isKey: true, topic: 'keys' });
    expect(hex(key.serialize('t', ['a']))).toBe(hex(fromHex('00 00000001 00 0A 01 61')));
    await expect(createRowSerde('PROTOBUF', [{ name: 'V', type: Types.INTEGER }], { isKey: false, registry, wrapSingleValue: false })).rejects.toThrow(
      "Format 'PROTOBUF' does not support 'WRAP_SINGLE_VALUE' set to 'false'.",
    );
  });

  it('fails bad records with typed errors', async () => {
    const serde = await protobuf(ID_NAME);
    expect(() => serde.deserialize('t', fromHex('00 00000001 00 12 05 61'))).toThrow(/Truncated/);
    expect(() => serde.deserialize('t', fromHex('00 00000001 04 00 02 08 01'))).toThrow(/no message at index/);
    expect(() => serde.deserialize('t', fromHex('01 00000001 00'))).toThrow(/magic byte/);
  });
});

describe('PROTOBUF_NOSR format', () => {
  it('writes the bare message of the generated schema', async () => {
    const serde = await createRowSerde('PROTOBUF_NOSR', ID_NAME, { isKey: false });
    expect(hex(serde.serialize('t', [150n, 'a']))).toBe(hex(fromHex('08 9601 12 01 61')));
    expect(serde.deserialize('t', fromHex('08 9601 12 01 61'))).toEqual([150n, 'a']);
    const bytesSerde = await createRowSerde('PROTOBUF_NOSR', [{ name: 'B', type: Types.BYTES }], { isKey: false });
    expect(bytesSerde.deserialize('t', bytesSerde.serialize('t', [Buffer.from('variations')]))).toEqual([Buffer.from('variations')]);
  });
});
