import { Decimal } from 'decimal.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { createRowSerde, type Column } from '../../../sql/formats/index.js';
import { SchemaRegistry } from '../../../sql/schema-registry/schema-registry.js';
import { InMemorySchemaStore } from '../../../sql/schema-registry/store.js';
import { Types } from '../../../sql/types/sql-type.js';
import { fromHex, plain } from './helpers.js';

let registry: SchemaRegistry;

beforeEach(async () => {
  registry = await SchemaRegistry.open(new InMemorySchemaStore());
});

const jsonSr = (columns: Column[], options: { isKey?: boolean; schemaId?: number; wrapSingleValue?: boolean; topic?: string } = {}) =>
  createRowSerde('JSON_SR', columns, { isKey: false, topic: 't', registry, ...options });

describe('JSON_SR format', () => {
  it('writes magic byte, schema id and JSON text', async () => {
    const serde = await jsonSr([{ name: 'ID', type: Types.BIGINT }]);
    const bytes = serde.serialize('t', [7n])!;
    expect(bytes.subarray(0, 5)).toEqual(fromHex('00 00000001'));
    expect(bytes.subarray(5).toString()).toBe('{"ID":7}');
    expect(serde.deserialize('t', Buffer.concat([fromHex('00 00000009'), Buffer.from('{"id":8}')]))).toEqual([8n]);
  });

  it('registers the JSON schema ksqlDB generates (QTT json_sr.json)', async () => {
    await jsonSr([{ name: 'FOO', type: Types.INTEGER }], { topic: 'input_topic' });
    await jsonSr([{ name: 'ROWKEY', type: Types.struct([{ name: 'F1', type: Types.STRING }]) }], { isKey: true, topic: 'input_topic' });
    await jsonSr([{ name: 'K', type: Types.decimal(4, 2) }], { isKey: true, topic: 'decimal_topic' });
    expect(JSON.parse((await registry.getLatest('input_topic-value'))!.schema)).toEqual({
      type: 'object',
      properties: { FOO: { 'connect.index': 0, oneOf: [{ type: 'null' }, { type: 'integer', 'connect.type': 'int32' }] } },
    });
    expect(JSON.parse((await registry.getLatest('input_topic-key'))!.schema)).toEqual({
      oneOf: [{ type: 'null' }, { type: 'object', properties: { F1: { 'connect.index': 0, oneOf: [{ type: 'null' }, { type: 'string' }] } } }],
    });
    expect(JSON.parse((await registry.getLatest('decimal_topic-key'))!.schema)).toEqual({
      oneOf: [
        { type: 'null' },
        {
          type: 'number',
          title: 'org.apache.kafka.connect.data.Decimal',
          'connect.version': 1,
          'connect.type': 'bytes',
          'connect.parameters': { scale: '2', 'connect.decimal.precision': '4' },
        },
      ],
    });
  });

  it('round trips every SQL type as JSON does', async () => {
    const columns: Column[] = [
      { name: 'B', type: Types.BOOLEAN },
      { name: 'L', type: Types.BIGINT },
      { name: 'DEC', type: Types.decimal(4, 2) },
      { name: 'BY', type: Types.BYTES },
      { name: 'TS', type: Types.TIMESTAMP },
      { name: 'M', type: Types.map(Types.STRING, Types.array(Types.DATE)) },
    ];
    const row = [true, 1n << 62n, new Decimal('-0.50'), Buffer.from('x'), 5, new Map([['a', [1, null]]])];
    const serde = await jsonSr(columns);
    expect(plain(serde.deserialize('t', serde.serialize('t', row)))).toEqual(plain(row));
  });

  it('writes a registered schema’s properties in its order, null where no column fills one (QTT elements.json)', async () => {
    const id = await registry.register('OUTPUT-value', {
      schemaType: 'JSON',
      schema: JSON.stringify({ type: 'object', properties: { c1: { type: 'integer' }, c2: { type: 'string' }, c3: { type: 'integer', default: 3 } } }),
    });
    const serde = await jsonSr([{ name: 'c1', type: Types.BIGINT }], { schemaId: id });
    expect(serde.serialize('t', [4n])!.subarray(5).toString()).toBe('{"c1":4,"c2":null,"c3":3}');
    await expect(jsonSr([{ name: 'C1', type: Types.BIGINT }], { schemaId: id })).rejects.toThrow('Schema from Schema Registry misses field with name: C1');
  });

  it('unwraps single keys and refuses records without the wire prefix', async () => {
    const key = await jsonSr([{ name: 'K', type: Types.INTEGER }], { isKey: true });
    expect(key.serialize('t', [42])!.subarray(5).toString()).toBe('42');
    expect(key.serialize('t', [null])).toBeNull();
    expect(() => key.deserialize('t', Buffer.from('42'))).toThrow(/magic byte/);
  });

  it('refuses MAP keys other than STRING', async () => {
    await expect(jsonSr([{ name: 'FOO', type: Types.map(Types.INTEGER, Types.DOUBLE) }])).rejects.toThrow('JSON only supports MAP types with STRING keys');
  });
});
