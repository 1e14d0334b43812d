import { describe, expect, it } from 'vitest';
import { parseAvroSchema, printAvroSchema } from '../../../sql/schema-registry/avro-schema.js';
import { SchemaRegistry } from '../../../sql/schema-registry/schema-registry.js';
import { InMemorySchemaStore } from '../../../sql/schema-registry/store.js';

const canonical = (schema: unknown) => printAvroSchema(parseAvroSchema(typeof schema === 'string' ? schema : JSON.stringify(schema)));

describe('Avro schemas', () => {
  it('print canonically: fixed key order, namespaces only where they change, named types defined once', () => {
    expect(
      canonical({
        fields: [
          { type: { type: 'record', name: 'Inner', fields: [{ name: 'x', type: { type: 'int' } }] }, name: 'a' },
          { name: 'b', type: 'Inner', default: { x: 1 } },
          { name: 'c', type: { type: 'record', name: 'other.Elsewhere', fields: [] } },
          { name: 'd', type: { type: 'long', logicalType: 'timestamp-millis' } },
        ],
        name: 'Outer',
        namespace: 'ns',
        type: 'record',
        'connect.name': 'ns.Outer',
      }),
    ).toBe(
      '{"type":"record","name":"Outer","namespace":"ns","fields":[' +
        '{"name":"a","type":{"type":"record","name":"Inner","fields":[{"name":"x","type":"int"}]}},' +
        '{"name":"b","type":"Inner","default":{"x":1}},' +
        '{"name":"c","type":{"type":"record","name":"Elsewhere","namespace":"other","fields":[]}},' +
        '{"name":"d","type":{"type":"long","logicalType":"timestamp-millis"}}' +
        '],"connect.name":"ns.Outer"}',
    );
    expect(canonical('"string"')).toBe('"string"');
    expect(canonical(['null', { type: 'map', values: 'bytes' }])).toBe('["null",{"type":"map","values":"bytes"}]');
  });

  it.each([
    [{ type: 'record', name: 'R', fields: [{ name: 'a-b', type: 'int' }] }, 'Illegal character in: a-b'],
    [{ type: 'record', name: '1R', fields: [] }, 'Illegal initial character: 1R'],
    [{ type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }, { name: 'a', type: 'int' }] }, 'Duplicate field a'],
    [{ type: 'record', name: 'R', fields: [{ name: 'a', type: 'Missing' }] }, 'Undefined name: "Missing"'],
    [{ type: 'record', name: 'R', fields: [{ name: 'a', type: { type: 'record', name: 'R', fields: [] } }] }, "Can't redefine: R"],
    [['null', ['int']], 'Nested union'],
    [['int', 'int'], 'Duplicate in union:int'],
    [{ type: 'record', name: 'R', fields: [{ name: 'a', type: 'int', default: 'x' }] }, 'Invalid default for field a'],
    [{ type: 'record', name: 'R', fields: [{ name: 'a', type: ['null', 'int'], default: 1 }] }, 'Invalid default for field a'],
    [{ type: 'enum', name: 'E', symbols: ['A', 'A'] }, 'Duplicate enum symbol'],
  ])('rejects %j', (schema, message) => {
    expect(() => parseAvroSchema(JSON.stringify(schema))).toThrow(message);
  });

  it('resolves named types from schema references', async () => {
    const registry = await SchemaRegistry.open(new InMemorySchemaStore());
    await registry.register('address-value', JSON.stringify({ type: 'record', name: 'Address', namespace: 'com.acme', fields: [{ name: 'city', type: 'string' }] }));
    const id = await registry.register('customer-value', {
      schema: JSON.stringify({ type: 'record', name: 'Customer', namespace: 'com.acme', fields: [{ name: 'address', type: 'Address' }] }),
      references: [{ name: 'com.acme.Address', subject: 'address-value', version: 1 }],
    });
    const resolved = registry.getByIdSync(id);
    // The referenced type stays a reference in the stored text.
    expect(resolved.schema).toBe('{"type":"record","name":"Customer","namespace":"com.acme","fields":[{"name":"address","type":"Address"}]}');
    expect(resolved.referenced.get('com.acme.Address')?.schema).toContain('"city"');
  });
});
