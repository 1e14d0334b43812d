import { Decimal } from 'decimal.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { avroKeySchemaFullName, createRowSerde, FormatError, SerializationError, type Column } from '../../../sql/formats/index.js';
import { SchemaRegistry } from '../../../sql/schema-registry/schema-registry.js';
import { InMemorySchemaStore } from '../../../sql/schema-registry/store.js';
import { Types } from '../../../sql/types/sql-type.js';
import { fromHex, hex, plain } from './helpers.js';

let registry: SchemaRegistry;

beforeEach(async () => {
  registry = await SchemaRegistry.open(new InMemorySchemaStore());
});

const avro = (columns: Column[], options: { isKey?: boolean; wrapSingleValue?: boolean; schemaId?: number; schemaFullName?: string; topic?: string } = {}) =>
  createRowSerde('AVRO', columns, { isKey: false, topic: 't', registry, ...options });

describe('AVRO format', () => {
  it('writes magic byte, schema id and the Avro binary of the row', async () => {
    const serde = await avro([
      { name: 'ID', type: Types.BIGINT },
      { name: 'NAME', type: Types.STRING },
    ]);
    // 00 | id 1 | ID: branch 1 (long), zigzag(1) | NAME: branch 1 (string), length 1, "a"
    expect(hex(serde.serialize('t', [1n, 'a']))).toBe(hex(fromHex('00 00000001  02 02  02 02 61')));
    // Null columns take the null branch of their unions.
    expect(hex(serde.serialize('t', [null, null]))).toBe(hex(fromHex('00 00000001  00  00')));
    expect(serde.deserialize('t', fromHex('00 00000001 02 02 02 02 61'))).toEqual([1n, 'a']);
    expect(serde.serialize('t', null)).toBeNull();
  });

  it('encodes logical types as Avro does', async () => {
    const serde = await avro([
      { name: 'DEC', type: Types.decimal(4, 2) },
      { name: 'DT', type: Types.DATE },
      { name: 'TS', type: Types.TIMESTAMP },
    ]);
    // DEC 12.34: unscaled 1234 = 04 D2 as bytes of length 2 | DT 19000 days: zigzag 38000 = F0 A8 02 |
    // TS 1000 ms: zigzag 2000 = D0 0F
    expect(hex(serde.serialize('t', [new Decimal('12.34'), 19000, 1000]))).toBe(hex(fromHex('00 00000001  02 04 04D2  02 F0A802  02 D00F')));
  });

  it('registers the schema ksqlDB generates, named as ksqlDB names it', async () => {
    await avro(
      [
        { name: 'FOO', type: Types.INTEGER },
        { name: 'S', type: Types.struct([{ name: 'F1', type: Types.INTEGER }]) },
        { name: 'M', type: Types.map(Types.STRING, Types.DOUBLE) },
        { name: 'A', type: Types.array(Types.STRING) },
      ],
      { topic: 'orders' },
    );
    expect(JSON.parse((await registry.getLatest('orders-value'))!.schema)).toEqual({
      type: 'record',
      name: 'KsqlDataSourceSchema',
      namespace: 'io.confluent.ksql.avro_schemas',
      fields: [
        { name: 'FOO', type: ['null', 'int'], default: null },
        {
          name: 'S',
          type: ['null', { type: 'record', name: 'KsqlDataSourceSchema_S', fields: [{ name: 'F1', type: ['null', 'int'], default: null }], 'connect.name': 'io.confluent.ksql.avro_schemas.KsqlDataSourceSchema_S' }],
          default: null,
        },
        { name: 'M', type: ['null', { type: 'map', values: ['null', 'double'], 'connect.name': 'io.confluent.ksql.avro_schemas.KsqlDataSourceSchema_M' }], default: null },
        { name: 'A', type: ['null', { type: 'array', items: ['null', 'string'] }], default: null },
      ],
      'connect.name': 'io.confluent.ksql.avro_schemas.KsqlDataSourceSchema',
    });
  });

  it('names key schemas by KEY_SCHEMA_FULL_NAME, an unwrapped struct key being the record (QTT partition-by.json)', async () => {
    await avro([{ name: 'K', type: Types.struct([{ name: 'F1', type: Types.struct([{ name: 'F1', type: Types.INTEGER }, { name: 'F2', type: Types.INTEGER }]) }]) }], {
      isKey: true,
      topic: 'OUTPUT',
      schemaFullName: avroKeySchemaFullName('OUTPUT'),
    });
    expect(avroKeySchemaFullName('MY_STREAM')).toBe('io.confluent.ksql.avro_schemas.MyStreamKey');
    expect((await registry.getLatest('OUTPUT-key'))!.schema).toBe(
      JSON.stringify({
        type: 'record',
        name: 'OutputKey',
        namespace: 'io.confluent.ksql.avro_schemas',
        fields: [
          {
            name: 'F1',
            type: [
              'null',
              {
                type: 'record',
                name: 'OutputKey_F1',
                fields: [
                  { name: 'F1', type: ['null', 'int'], default: null },
                  { name: 'F2', type: ['null', 'int'], default: null },
                ],
                'connect.name': 'io.confluent.ksql.avro_schemas.OutputKey_F1',
              },
            ],
            default: null,
          },
        ],
        'connect.name': 'io.confluent.ksql.avro_schemas.OutputKey',
      }),
    );
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
      false,
      -2147483648,
      -9223372036854775808n,
      -0.5,
      new Decimal('-1234567.891'),
      'ünïcödé',
      Buffer.from([0, 255]),
      -1,
      86399999,
      -1,
      [new Decimal('1.5'), null],
      new Map([['k', { X: 1n }], ['n', null]]),
      { N: ['a', null] },
    ];
    const serde = await avro(columns);
    expect(plain(serde.deserialize('t', serde.serialize('t', row)))).toEqual(plain(row));
    expect(serde.deserialize('t', serde.serialize('t', columns.map(() => null)))).toEqual(columns.map(() => null));
  });

  it('unwraps single keys by default and single values on request (QTT avro.json)', async () => {
    const key = await avro([{ name: 'K', type: Types.INTEGER }], { isKey: true, topic: 'input' });
    expect(hex(key.serialize('t', [7]))).toBe(hex(fromHex('00 00000001 0E')));
    expect((await registry.getLatest('input-key'))!.schema).toBe('"int"');
    const value = await avro([{ name: 'FOO', type: Types.BOOLEAN }], { wrapSingleValue: false, topic: 'OUTPUT' });
    expect(hex(value.serialize('t', [true]))).toBe(hex(fromHex('00 00000002 01')));
    expect(value.serialize('t', [null])).toBeNull();
    expect((await registry.getLatest('OUTPUT-value'))!.schema).toBe('"boolean"');
  });

  describe('reading what other writers wrote', () => {
    async function written(schema: unknown, payloadHex: string): Promise<Buffer> {
      const id = await registry.register('other-value', JSON.stringify(schema));
      return Buffer.concat([fromHex('00'), Buffer.from([0, 0, 0, id]), fromHex(payloadHex)]);
    }

    it('maps fields to columns by name, upper-casing, skipping extra fields and nulling missing ones', async () => {
      const bytes = await written(
        { name: 'blah', type: 'record', fields: [{ name: 'c1', type: 'int' }, { name: 'extra', type: 'string' }] },
        '08 02 78', // c1 = 4, extra = "x"
      );
      const serde = await avro([{ name: 'C1', type: Types.INTEGER }, { name: 'UNKNOWN', type: Types.INTEGER }]);
      expect(serde.deserialize('t', bytes)).toEqual([4, null]);
    });

    it('coerces as ksqlDB: int to STRING, float to DOUBLE, enum to STRING, fixed to BYTES, int to BIGINT', async () => {
      const bytes = await written(
        {
          name: 'r',
          type: 'record',
          fields: [
            { name: 'S', type: 'int' },
            { name: 'D', type: 'float' },
            { name: 'E', type: { type: 'enum', name: 'Suit', symbols: ['SPADES', 'HEARTS'] } },
            { name: 'F', type: { type: 'fixed', name: 'md5', size: 2 } },
            { name: 'L', type: 'int' },
            { name: 'FS', type: 'float' },
          ],
        },
        '14  0000803F  02  ABCD  04  CDCC8C3F', // 10, 1.0f, HEARTS, AB CD, 2, 1.1f
      );
      const serde = await avro([
        { name: 'S', type: Types.STRING },
        { name: 'D', type: Types.DOUBLE },
        { name: 'E', type: Types.STRING },
        { name: 'F', type: Types.BYTES },
        { name: 'L', type: Types.BIGINT },
        { name: 'FS', type: Types.STRING },
      ]);
      expect(serde.deserialize('t', bytes)).toEqual(['10', 1, 'HEARTS', fromHex('ABCD'), 2n, '1.1']);
    });

    it('reads Connect map entries (arrays of key/value records) as maps', async () => {
      const entry = { type: 'record', name: 'MapEntry', namespace: 'io.confluent.connect.avro', fields: [{ name: 'key', type: ['null', 'string'] }, { name: 'value', type: ['null', 'int'] }] };
      // one block of 1 entry: key branch 1 "k", value branch 1 zigzag(5), then the 0 terminator
      const bytes = await written({ type: 'record', name: 'r', fields: [{ name: 'M', type: { type: 'array', items: entry } }] }, '02 02 02 6B 02 0A 00');
      const serde = await avro([{ name: 'M', type: Types.map(Types.STRING, Types.INTEGER) }]);
      expect(serde.deserialize('t', bytes)).toEqual([new Map([['k', 5]])]);
    });

    it('refuses types ksqlDB refuses, saying where', async () => {
      const bytes = await written({ name: 'r', type: 'record', fields: [{ name: 'C1', type: 'long' }] }, '02');
      const serde = await avro([{ name: 'C1', type: Types.INTEGER }]);
      expect(() => serde.deserialize('t', bytes)).toThrow('Cannot deserialize type int64 as type int32 for path: ->C1');
    });

    it('reads an anonymous array written with non-nullable items (QTT avro.json)', async () => {
      const bytes = await written({ type: 'array', items: 'string' }, '04 02 61 02 62 00');
      const serde = await avro([{ name: 'FOO', type: Types.array(Types.STRING) }], { wrapSingleValue: false });
      expect(serde.deserialize('t', bytes)).toEqual([['a', 'b']]);
    });
  });

  describe('writing with a registered schema (VALUE_SCHEMA_ID)', () => {
    it('fills schema fields the columns lack with defaults or null (QTT elements.json)', async () => {
      const id = await registry.register('OUTPUT-value', JSON.stringify({
        name: 'blah',
        type: 'record',
        fields: [
          { name: 'c1', type: 'int' },
          { name: 'c2', type: ['null', 'int'], default: null },
          { name: 'c3', type: 'int', default: 100 },
        ],
      }));
      const serde = await avro([{ name: 'c1', type: Types.INTEGER }], { schemaId: id });
      // c1 = 4 | c2: branch 0 (null) | c3 = 100 (zigzag 200 = C8 01)
      expect(hex(serde.serialize('t', [4]))).toBe(hex(fromHex(`00 0000000${id} 08 00 C801`)));
      // A null in a required field with a default writes the default (QTT "VALUE_SCHEMA_ID ... default value").
      const defaults = await avro([{ name: 'c3', type: Types.INTEGER }, { name: 'c1', type: Types.INTEGER }], { schemaId: id });
      expect(hex(defaults.serialize('t', [null, 4]))).toBe(hex(fromHex(`00 0000000${id} 08 00 C801`)));
    });

    it('fails each write when a required field has no column and no default', async () => {
      const id = await registry.register('OUTPUT-value', JSON.stringify({ name: 'blah', type: 'record', fields: [{ name: 'c1', type: 'int' }, { name: 'c2', type: 'double' }] }));
      const serde = await avro([{ name: 'c1', type: Types.INTEGER }], { schemaId: id });
      expect(() => serde.serialize('t', [4])).toThrow(SerializationError);
      expect(() => serde.serialize('t', [4])).toThrow('Missing default value for required Avro field: [c2]');
    });

    it('refuses columns the schema has no field for', async () => {
      const id = await registry.register('OUTPUT-value', JSON.stringify({ name: 'blah', type: 'record', fields: [{ name: 'c1', type: 'int' }] }));
      await expect(avro([{ name: 'C1', type: Types.INTEGER }], { schemaId: id })).rejects.toThrow('Schema from Schema Registry misses field with name: C1');
      await expect(avro([{ name: 'c1', type: Types.INTEGER }], { schemaId: 99 })).rejects.toThrow(FormatError);
    });
  });

  it('fails bad records with typed errors', async () => {
    const serde = await avro([{ name: 'ID', type: Types.BIGINT }]);
    expect(() => serde.deserialize('t', Buffer.from('{"ID":1}'))).toThrow(SerializationError);
    expect(() => serde.deserialize('t', fromHex('00 00000063 02 02'))).toThrow(/Schema id 99 is not known/);
    expect(() => serde.deserialize('t', fromHex('00 00000001 02'))).toThrow(/Truncated/);
    expect(() => serde.deserialize('t', fromHex('00 00000001 7F'))).toThrow(SerializationError);
  });

  it('refuses columns Avro cannot hold, in ksqlDB words', async () => {
    await expect(avro([{ name: 'FOO', type: Types.map(Types.INTEGER, Types.DOUBLE) }])).rejects.toThrow('Avro only supports MAPs with STRING keys');
    await expect(avro([{ name: '1AvroDoesNotLikeFieldsThatStartWithNumbers', type: Types.DOUBLE }])).rejects.toThrow(
      'Schema is not compatible with Avro: Illegal initial character: 1AvroDoesNotLikeFieldsThatStartWithNumbers',
    );
  });

  it('refuses to register a schema the subject cannot take, and can work from registered schemas only', async () => {
    await registry.setCompatibility('BACKWARD', 'strict-value');
    await avro([{ name: 'A', type: Types.INTEGER }], { topic: 'strict' });
    await expect(avro([{ name: 'A', type: Types.STRING }], { topic: 'strict' })).rejects.toThrow(/incompatible with an earlier schema/);

    const reader = await createRowSerde('AVRO', [{ name: 'B', type: Types.INTEGER }], { isKey: false, topic: 'unregistered', registry, autoRegister: false });
    expect(() => reader.serialize('unregistered', [1])).toThrow(/not registered under subject 'unregistered-value'/);
    const writer = await createRowSerde('AVRO', [{ name: 'A', type: Types.INTEGER }], { isKey: false, topic: 'strict', registry, autoRegister: false });
    expect(hex(writer.serialize('strict', [1]))).toBe(hex(fromHex('00 00000001 02 02')));
  });
});
