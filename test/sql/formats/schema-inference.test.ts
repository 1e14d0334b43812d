import { beforeEach, describe, expect, it } from 'vitest';
import { checkColumnsMatchSchema, inferColumns, type Column } from '../../../sql/formats/index.js';
import { SchemaRegistry } from '../../../sql/schema-registry/schema-registry.js';
import { InMemorySchemaStore } from '../../../sql/schema-registry/store.js';
import { formatSqlType, Types } from '../../../sql/types/sql-type.js';

let registry: SchemaRegistry;

beforeEach(async () => {
  registry = await SchemaRegistry.open(new InMemorySchemaStore());
});

/** Columns as ksqlDB prints a schema: `A` INT, ... */
const show = (columns: Column[]) => columns.map((c) => `${c.name} ${formatSqlType(c.type)}`).join(', ');

describe('schema inference', () => {
  describe('AVRO', () => {
    it('takes upper-cased columns from the latest value schema (QTT avro.json "should support primitives")', async () => {
      await registry.register('input-value', JSON.stringify({
        name: 'blah',
        type: 'record',
        fields: [
          { name: 'c1', type: 'boolean' },
          { name: 'c2', type: 'int' },
          { name: 'c3', type: 'long' },
          { name: 'c4', type: 'double' },
          { name: 'c5', type: 'string' },
          { name: 'c6', type: 'float' },
          { name: 'c7', type: { type: 'enum', name: 'Suit', symbols: ['SPADES'] } },
          { name: 'c8', type: ['null', { type: 'fixed', size: 16, name: 'md5' }] },
          { name: 'c9', type: { type: 'map', values: 'long' } },
          { name: 'c10', type: { type: 'record', name: 'something', fields: [{ name: 'f1', type: 'int' }] } },
          { name: 'c11', type: { type: 'bytes', logicalType: 'decimal', precision: 4, scale: 2 } },
          { name: 'c12', type: { 'connect.name': 'org.apache.kafka.connect.data.Timestamp', 'connect.version': 1, logicalType: 'timestamp-millis', type: 'long' } },
          { name: 'c13', type: { type: 'int', logicalType: 'date' } },
          { name: 'c14', type: { type: 'array', items: ['null', 'string'] } },
        ],
      }));
      const { columns, schemaId } = await inferColumns('AVRO', { registry, isKey: false, topic: 'input' });
      expect(schemaId).toBe(1);
      expect(show(columns)).toBe(
        'C1 BOOLEAN, C2 INTEGER, C3 BIGINT, C4 DOUBLE, C5 STRING, C6 DOUBLE, C7 STRING, C8 BYTES, C9 MAP<STRING, BIGINT>, ' +
          'C10 STRUCT<`F1` INTEGER>, C11 DECIMAL(4, 2), C12 TIMESTAMP, C13 DATE, C14 ARRAY<STRING>',
      );
    });

    it('keeps names as written with a schema id (QTT elements.json)', async () => {
      const id = await registry.register('input-value', JSON.stringify({ name: 'blah', type: 'record', fields: [{ name: 'c1', type: 'int' }] }));
      expect(show((await inferColumns('AVRO', { registry, isKey: false, schemaId: id })).columns)).toBe('c1 INTEGER');
    });

    it('gives unwrapped keys and values one column, ROWKEY or ROWVAL', async () => {
      await registry.register('input_topic-key', JSON.stringify({ name: 'key', type: 'record', fields: [{ name: 'F1', type: ['null', 'string'] }] }));
      await registry.register('input_topic-value', '{"type": "int"}');
      expect(show((await inferColumns('AVRO', { registry, isKey: true, topic: 'input_topic' })).columns)).toBe('ROWKEY STRUCT<`F1` STRING>');
      expect(show((await inferColumns('AVRO', { registry, isKey: false, topic: 'input_topic', wrapSingleValue: false })).columns)).toBe('ROWVAL INTEGER');
      await expect(inferColumns('AVRO', { registry, isKey: false, topic: 'input_topic' })).rejects.toThrow(/not a record/);
    });
  });

  describe('PROTOBUF', () => {
    it('takes a message’s fields, keys included, picking the message by full name (QTT elements.json)', async () => {
      await registry.register('input-value', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3"; message ConnectDefault1 { int32 c1 = 1; uint32 c2 = 2; uint64 c3 = 3; bytes b = 4; }' });
      expect(show((await inferColumns('PROTOBUF', { registry, isKey: false, topic: 'input' })).columns)).toBe('C1 INTEGER, C2 BIGINT, C3 BIGINT, B BYTES');
      const keyId = await registry.register('input-key', {
        schemaType: 'PROTOBUF',
        schema: 'syntax = "proto3"; message KeySchema1 { int32 K0 = 1; } message KeySchema2 { int32 K1 = 1; }',
      });
      expect(show((await inferColumns('PROTOBUF', { registry, isKey: true, schemaId: keyId, schemaFullName: 'KeySchema2' })).columns)).toBe('K1 INTEGER');
      expect(show((await inferColumns('PROTOBUF', { registry, isKey: true, schemaId: keyId })).columns)).toBe('K0 INTEGER');
    });

    it('maps well-known types, maps, repeated fields and oneofs', async () => {
      await registry.register('wk-value', {
        schemaType: 'PROTOBUF',
        schema: `syntax = "proto3";
          import "google/protobuf/timestamp.proto";
          import "google/protobuf/wrappers.proto";
          message M {
            google.protobuf.Timestamp ts = 1;
            map<string, int64> m = 2;
            repeated string tags = 3;
            google.protobuf.Int32Value maybe = 4;
            oneof choice { string s = 5; int32 i = 6; }
          }`,
      });
      expect(show((await inferColumns('PROTOBUF', { registry, isKey: false, topic: 'wk' })).columns)).toBe(
        'TS TIMESTAMP, M MAP<STRING, BIGINT>, TAGS ARRAY<STRING>, MAYBE INTEGER, CHOICE STRUCT<`S` STRING, `I` INTEGER>',
      );
    });
  });

  describe('JSON_SR', () => {
    it('reads integers without connect.type as BIGINT, names upper-cased unless by id (QTT elements.json)', async () => {
      const id = await registry.register('input-value', { schemaType: 'JSON', schema: '{"type": "object","properties": {"c1": {"type": "integer"}}}' });
      expect(show((await inferColumns('JSON_SR', { registry, isKey: false, topic: 'input' })).columns)).toBe('C1 BIGINT');
      expect(show((await inferColumns('JSON_SR', { registry, isKey: false, schemaId: id })).columns)).toBe('c1 BIGINT');
    });

    it('reads Connect-style schemas (QTT json_sr.json)', async () => {
      await registry.register('input_topic-key', { schemaType: 'JSON', schema: '{"oneOf":[{"type":"null"},{"type":"number","title":"org.apache.kafka.connect.data.Decimal","connect.version":1,"connect.type":"bytes","connect.parameters":{"scale":"2","connect.decimal.precision":"4"}}]}' });
      await registry.register('input_topic-value', {
        schemaType: 'JSON',
        schema: '{"type":"object","properties":{"FOO":{"connect.index":1,"oneOf":[{"type":"null"},{"type":"integer","connect.type":"int32"}]},"BAR":{"connect.index":0,"type":"array","items":{"type":"string","connect.type":"bytes"}}}}',
      });
      expect(show((await inferColumns('JSON_SR', { registry, isKey: true, topic: 'input_topic' })).columns)).toBe('ROWKEY DECIMAL(4, 2)');
      expect(show((await inferColumns('JSON_SR', { registry, isKey: false, topic: 'input_topic' })).columns)).toBe('BAR ARRAY<BYTES>, FOO INTEGER');
    });
  });

  it('refuses formats without inference and subjects without schemas, in ksqlDB words', async () => {
    await expect(inferColumns('KAFKA', { registry, isKey: true, schemaId: 1 })).rejects.toThrow(
      'KEY_FORMAT should support schema inference when KEY_SCHEMA_ID is provided. Current format is KAFKA.',
    );
    await expect(inferColumns('AVRO', { registry, isKey: false, topic: 'nothing' })).rejects.toThrow(
      "Schema for message values on topic 'nothing' does not exist in the Schema Registry.Subject: nothing-value",
    );
  });

  it('checks declared columns against a registered schema (QTT elements.json)', () => {
    const registered: Column[] = [
      { name: 'c1', type: Types.STRING },
      { name: 'c2', type: Types.DOUBLE },
    ];
    expect(() => checkColumnsMatchSchema([{ name: 'c1', type: Types.STRING }], registered, false)).not.toThrow();
    expect(() => checkColumnsMatchSchema([{ name: 'c1', type: Types.INTEGER }], registered, false)).toThrow(
      'The following value columns are changed, missing or reordered: [`c1` INTEGER]. Schema from schema registry is [`c1` STRING, `c2` DOUBLE]',
    );
  });
});
