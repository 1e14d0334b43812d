import { describe, expect, it } from 'vitest';
import type { CompatibilityLevel } from '../../../sql/schema-registry/compatibility.js';
import type { SchemaType } from '../../../sql/schema-registry/client.js';
import { SchemaRegistry } from '../../../sql/schema-registry/schema-registry.js';
import { InMemorySchemaStore } from '../../../sql/schema-registry/store.js';

/** Whether `next` may follow `previous` (oldest first) in a subject at `level`. */
async function accepts(schemaType: SchemaType, level: CompatibilityLevel, previous: string[], next: string): Promise<boolean> {
  const registry = await SchemaRegistry.open(new InMemorySchemaStore());
  await registry.setCompatibility('NONE', 's');
  for (const schema of previous) await registry.register('s', { schema, schemaType });
  await registry.setCompatibility(level, 's');
  return (await registry.testCompatibility('s', { schema: next, schemaType })).isCompatible;
}

/** [backward, forward, full] verdicts for one change. */
async function matrix(schemaType: SchemaType, before: string, after: string): Promise<[boolean, boolean, boolean]> {
  return [await accepts(schemaType, 'BACKWARD', [before], after), await accepts(schemaType, 'FORWARD', [before], after), await accepts(schemaType, 'FULL', [before], after)];
}

const avroRecord = (fields: unknown[], extra: Record<string, unknown> = {}) => JSON.stringify({ type: 'record', name: 'R', namespace: 'n', fields, ...extra });
const field = (name: string, type: unknown, more: Record<string, unknown> = {}) => ({ name, type, ...more });

describe('Avro compatibility (schema resolution)', () => {
  const base = avroRecord([field('a', 'int')]);
  it.each<[string, string, string, [boolean, boolean, boolean]]>([
    ['adding a field with a default', base, avroRecord([field('a', 'int'), field('b', 'string', { default: 'x' })]), [true, true, true]],
    ['adding a field without a default', base, avroRecord([field('a', 'int'), field('b', 'string')]), [false, true, false]],
    ['removing a field with a default', avroRecord([field('a', 'int'), field('b', ['null', 'string'], { default: null })]), base, [true, true, true]],
    ['removing a field without a default', avroRecord([field('a', 'int'), field('b', 'string')]), base, [true, false, false]],
    ['promoting int to long', base, avroRecord([field('a', 'long')]), [true, false, false]],
    ['narrowing long to int', avroRecord([field('a', 'long')]), base, [false, true, false]],
    ['promoting float to double', avroRecord([field('a', 'float')]), avroRecord([field('a', 'double')]), [true, false, false]],
    ['swapping string and bytes', avroRecord([field('a', 'string')]), avroRecord([field('a', 'bytes')]), [true, true, true]],
    ['changing int to string', base, avroRecord([field('a', 'string')]), [false, false, false]],
    ['making a field nullable', base, avroRecord([field('a', ['null', 'int'], { default: null })]), [true, false, false]],
    ['widening a union', avroRecord([field('a', ['null', 'int'])]), avroRecord([field('a', ['null', 'int', 'string'])]), [true, false, false]],
    ['renaming the record', base, JSON.stringify({ type: 'record', name: 'Other', fields: [field('a', 'int')] }), [false, false, false]],
    ['renaming the record with an alias', base, JSON.stringify({ type: 'record', name: 'Other', aliases: ['n.R'], fields: [field('a', 'int')] }), [true, false, false]],
    ['renaming a field with an alias', base, avroRecord([field('b', 'int', { aliases: ['a'] })]), [true, false, false]],
    ['changing the namespace only', base, JSON.stringify({ type: 'record', name: 'R', namespace: 'other', fields: [field('a', 'int')] }), [true, true, true]],
    [
      'adding an enum symbol',
      avroRecord([field('e', { type: 'enum', name: 'E', symbols: ['A'] })]),
      avroRecord([field('e', { type: 'enum', name: 'E', symbols: ['A', 'B'] })]),
      [true, false, false],
    ],
    [
      'adding an enum symbol to an enum with a default',
      avroRecord([field('e', { type: 'enum', name: 'E', symbols: ['A'], default: 'A' })]),
      avroRecord([field('e', { type: 'enum', name: 'E', symbols: ['A', 'B'], default: 'A' })]),
      [true, true, true],
    ],
    [
      'changing a fixed size',
      avroRecord([field('f', { type: 'fixed', name: 'F', size: 4 })]),
      avroRecord([field('f', { type: 'fixed', name: 'F', size: 8 })]),
      [false, false, false],
    ],
    ['promoting array items', avroRecord([field('l', { type: 'array', items: 'int' })]), avroRecord([field('l', { type: 'array', items: 'long' })]), [true, false, false]],
    ['changing map values', avroRecord([field('m', { type: 'map', values: 'int' })]), avroRecord([field('m', { type: 'map', values: 'boolean' })]), [false, false, false]],
    [
      'adding a nested field without a default',
      avroRecord([field('s', { type: 'record', name: 'S', fields: [field('x', 'int')] })]),
      avroRecord([field('s', { type: 'record', name: 'S', fields: [field('x', 'int'), field('y', 'int')] })]),
      [false, true, false],
    ],
  ])('%s', async (_name, before, after, expected) => {
    expect(await matrix('AVRO', before, after)).toEqual(expected);
  });

  it('accepts recursive schemas', async () => {
    const list = JSON.stringify({ type: 'record', name: 'Node', fields: [field('v', 'int'), field('next', ['null', 'Node'], { default: null })] });
    const list2 = JSON.stringify({ type: 'record', name: 'Node', fields: [field('v', 'long'), field('next', ['null', 'Node'], { default: null })] });
    expect(await matrix('AVRO', list, list2)).toEqual([true, false, false]);
  });

  it('checks transitive levels against every version, the others against the latest', async () => {
    const v1 = avroRecord([field('a', 'int')]);
    const v2 = avroRecord([]);
    const v3 = avroRecord([field('a', 'string', { default: 'x' })]);
    expect(await accepts('AVRO', 'BACKWARD', [v1, v2], v3)).toBe(true);
    expect(await accepts('AVRO', 'BACKWARD_TRANSITIVE', [v1, v2], v3)).toBe(false);
    expect(await accepts('AVRO', 'FULL_TRANSITIVE', [v1, v2], v3)).toBe(false);
    expect(await accepts('AVRO', 'NONE', [v1, v2], JSON.stringify('boolean'))).toBe(true);
    expect(await accepts('AVRO', 'BACKWARD', [v1], JSON.stringify('boolean'))).toBe(false);
  });
});

describe('Protobuf compatibility', () => {
  const proto = (body: string, extra = '') => `syntax = "proto3";\n${extra}message M {\n${body}\n}\n`;
  const base = proto('int32 a = 1;');
  it.each<[string, string, string, [boolean, boolean, boolean]]>([
    ['adding a field', base, proto('int32 a = 1;\nstring b = 2;'), [true, true, true]],
    ['removing a field', proto('int32 a = 1;\nstring b = 2;'), base, [true, true, true]],
    ['renaming a field', base, proto('int32 renamed = 1;'), [true, true, true]],
    ['int32 to int64 (same wire group)', base, proto('int64 a = 1;'), [true, true, true]],
    ['int32 to sint32', base, proto('sint32 a = 1;'), [false, false, false]],
    ['string to bytes', proto('string a = 1;'), proto('bytes a = 1;'), [true, true, true]],
    ['int32 to string', base, proto('string a = 1;'), [false, false, false]],
    ['a scalar to a message', base, proto('N a = 1;\nmessage N { int32 x = 1; }'), [false, false, false]],
    ['removing a message', `${base}message Other { int32 x = 1; }\n`, base, [false, true, false]],
    ['adding a message', base, `${base}message Other { int32 x = 1; }\n`, [true, false, false]],
    // Taking fields out of a oneof is fine, so only the backward direction fails.
    ['moving two fields into a oneof', proto('int32 a = 1;\nstring b = 2;'), proto('oneof o { int32 a = 1; string b = 2; }'), [false, true, false]],
    ['moving one field into a new oneof', base, proto('oneof o { int32 a = 1; string b = 2; }'), [true, true, true]],
    ['changing a nested message incompatibly', proto('N n = 1;\nmessage N { int32 x = 1; }'), proto('N n = 1;\nmessage N { double x = 1; }'), [false, false, false]],
    ['adding an enum value', proto('E e = 1;\nenum E { A = 0; }'), proto('E e = 1;\nenum E { A = 0; B = 1; }'), [true, true, true]],
    ['an enum to int32', proto('E e = 1;\nenum E { A = 0; }'), base.replace('int32 a', 'int32 e'), [true, true, true]],
  ])('%s', async (_name, before, after, expected) => {
    expect(await matrix('PROTOBUF', before, after)).toEqual(expected);
  });

  it('refuses adding or removing proto2 required fields', async () => {
    const before = 'syntax = "proto2";\nmessage M { optional int32 a = 1; }';
    const after = 'syntax = "proto2";\nmessage M { optional int32 a = 1; required int32 b = 2; }';
    expect(await matrix('PROTOBUF', before, after)).toEqual([false, false, false]);
  });
});

describe('JSON Schema compatibility', () => {
  const object = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => JSON.stringify({ type: 'object', properties, ...extra });
  it.each<[string, string, string, [boolean, boolean, boolean]]>([
    ['adding a property to an open content model', object({ a: { type: 'string' } }), object({ a: { type: 'string' }, b: { type: 'string' } }), [false, true, false]],
    [
      'adding a property to a closed content model',
      object({ a: { type: 'string' } }, { additionalProperties: false }),
      object({ a: { type: 'string' }, b: { type: 'string' } }, { additionalProperties: false }),
      [true, false, false],
    ],
    [
      'adding a required property to a closed content model',
      object({ a: { type: 'string' } }, { additionalProperties: false }),
      object({ a: { type: 'string' }, b: { type: 'string' } }, { additionalProperties: false, required: ['b'] }),
      [false, false, false],
    ],
    ['removing a property from an open content model', object({ a: { type: 'string' }, b: { type: 'string' } }), object({ a: { type: 'string' } }), [true, false, false]],
    ['integer to number', object({ a: { type: 'integer' } }), object({ a: { type: 'number' } }), [true, false, false]],
    ['string to integer', object({ a: { type: 'string' } }), object({ a: { type: 'integer' } }), [false, false, false]],
    ['making a property required', object({ a: { type: 'string' } }), object({ a: { type: 'string' } }, { required: ['a'] }), [false, true, false]],
    ['extending an enum', object({ a: { enum: ['x'] } }), object({ a: { enum: ['x', 'y'] } }), [true, false, false]],
    ['lowering maxLength', object({ a: { type: 'string', maxLength: 10 } }), object({ a: { type: 'string', maxLength: 5 } }), [false, true, false]],
    ['widening to a oneOf', object({ a: { type: 'string' } }), object({ a: { oneOf: [{ type: 'null' }, { type: 'string' }] } }), [true, false, false]],
    ['loosening to any value', object({ a: { type: 'string' } }), object({ a: {} }), [true, false, false]],
    ['changing array items', object({ a: { type: 'array', items: { type: 'integer' } } }), object({ a: { type: 'array', items: { type: 'number' } } }), [true, false, false]],
  ])('%s', async (_name, before, after, expected) => {
    expect(await matrix('JSON', before, after)).toEqual(expected);
  });

  it('follows $refs, recursive ones included', async () => {
    const tree = (valueType: string) =>
      JSON.stringify({ $ref: '#/definitions/node', definitions: { node: { type: 'object', properties: { v: { type: valueType }, child: { $ref: '#/definitions/node' } } } } });
    expect(await matrix('JSON', tree('integer'), tree('number'))).toEqual([true, false, false]);
  });

  it('refuses a change of schema type within a subject', async () => {
    expect(await accepts('JSON', 'BACKWARD', [JSON.stringify({ type: 'string' })], JSON.stringify({ type: 'string' }))).toBe(true);
    const registry = await SchemaRegistry.open(new InMemorySchemaStore());
    await registry.register('s', '"string"');
    const result = await registry.testCompatibility('s', { schema: '{"type": "string"}', schemaType: 'JSON' });
    expect(result.messages[0]).toMatch(/different schema type/);
  });
});
