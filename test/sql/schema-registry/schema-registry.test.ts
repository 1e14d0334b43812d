import { beforeEach, describe, expect, it } from 'vitest';
import { SchemaRegistry } from '../../../sql/schema-registry/schema-registry.js';
import { SchemaRegistryError } from '../../../sql/schema-registry/errors.js';
import { InMemorySchemaStore } from '../../../sql/schema-registry/store.js';

const record = (fields: unknown[], name = 'R') => JSON.stringify({ type: 'record', name, fields });
const V1 = record([{ name: 'a', type: 'int' }]);
const V2 = record([{ name: 'a', type: 'int' }, { name: 'b', type: ['null', 'string'], default: null }]);
const INCOMPATIBLE = record([{ name: 'a', type: 'string' }]);

let store: InMemorySchemaStore;
let registry: SchemaRegistry;

beforeEach(async () => {
  store = new InMemorySchemaStore();
  registry = await SchemaRegistry.open(store);
});

async function failure(promise: Promise<unknown> | (() => unknown)): Promise<SchemaRegistryError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (e) {
    if (e instanceof SchemaRegistryError) return e;
    throw e;
  }
  throw new Error('expected a SchemaRegistryError');
}

describe('SchemaRegistry', () => {
  describe('registration', () => {
    it('is idempotent: the same schema under the same subject returns its id without a new version', async () => {
      expect(await registry.register('s-value', V1)).toBe(1);
      expect(await registry.register('s-value', V1)).toBe(1);
      // Layout and key order do not make a different schema.
      expect(await registry.register('s-value', `  {"fields": [{"type": "int", "name": "a"}], "name": "R", "type": "record"}`)).toBe(1);
      expect(registry.listVersions('s-value')).toEqual([1]);
    });

    it('imports a schema under a given id, and refuses an id another schema holds', async () => {
      expect(await registry.register('s-value', V1, { id: 101 })).toBe(101);
      expect((await registry.getById(101)).schema).toContain('"a"');
      // New schemas continue after the highest id.
      expect(await registry.register('t-value', V2)).toBe(102);
      expect((await failure(registry.register('u-value', INCOMPATIBLE, { id: 101 }))).code).toBe('OPERATION_NOT_PERMITTED');
      expect((await failure(registry.register('u-value', V1, { id: 7 }))).code).toBe('OPERATION_NOT_PERMITTED');
    });

    it('gives the same schema the same global id in every subject', async () => {
      const id = await registry.register('a-value', V1);
      expect(await registry.register('b-value', V1)).toBe(id);
      expect(registry.getVersionSync('b-value', 'latest')).toMatchObject({ subject: 'b-value', version: 1, id });
      expect(registry.getSubjectsById(id)).toEqual(['a-value', 'b-value']);
      expect(registry.getVersionsById(id)).toEqual([{ subject: 'a-value', version: 1 }, { subject: 'b-value', version: 1 }]);
    });

    it('numbers versions per subject and ids globally', async () => {
      await registry.register('x-value', record([{ name: 'z', type: 'int' }], 'X'));
      expect(await registry.register('s-value', V1)).toBe(2);
      expect(await registry.register('s-value', V2)).toBe(3);
      expect(registry.listVersions('s-value')).toEqual([1, 2]);
      expect((await registry.getLatest('s-value'))!.schema).toBe(V2);
      expect((await registry.getVersion('s-value', 1)).id).toBe(2);
      expect(registry.getByIdSync(3)).toMatchObject({ id: 3, schemaType: 'AVRO', schema: V2, references: [] });
      expect(registry.listSubjects()).toEqual(['s-value', 'x-value']);
      expect(registry.listSubjects({ prefix: 's' })).toEqual(['s-value']);
    });

    it('tells Protobuf and JSON schemas apart by content, not layout', async () => {
      const proto = await registry.register('p-value', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3"; message M { int32 a = 1; }' });
      expect(await registry.register('p-value', { schemaType: 'PROTOBUF', schema: '// a comment\nsyntax = "proto3";\n\nmessage M {\n  int32 a = 1;\n}\n' })).toBe(proto);
      expect(await registry.register('p-value', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3"; message M { int32 a = 1; int32 b = 2; }' })).not.toBe(proto);
      const json = await registry.register('j-value', { schemaType: 'JSON', schema: '{ "type": "object" }' });
      expect(await registry.register('j-value', { schemaType: 'JSON', schema: '{"type":"object"}' })).toBe(json);
      expect(registry.getByIdSync(json).schema).toBe('{"type":"object"}');
    });

    it('stores Avro schemas canonically', async () => {
      const id = await registry.register('s-value', '{ "type" : "int" }');
      expect(registry.getByIdSync(id).schema).toBe('"int"');
    });

    it('serialises concurrent registrations, so ids are unique', async () => {
      const ids = await Promise.all(Array.from({ length: 10 }, (_, i) => registry.register(`s${i}-value`, record([{ name: `f${i}`, type: 'int' }]))));
      expect(new Set(ids).size).toBe(10);
    });

    it('rejects invalid schemas with 42201', async () => {
      const err = await failure(registry.register('s-value', '{"type": "record", "name": "1bad", "fields": []}'));
      expect(err).toMatchObject({ code: 'INVALID_SCHEMA', errorCode: 42201, httpStatus: 422 });
      expect(err.message).toContain('Illegal initial character: 1bad');
      await expect(registry.register('s-value', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3"; message M { Missing m = 1; }' })).rejects.toMatchObject({
        errorCode: 42201,
      });
      await expect(registry.register('s-value', { schemaType: 'JSON', schema: '{"type": "bogus"}' })).rejects.toMatchObject({ errorCode: 42201 });
    });

    it('rejects schemas incompatible with the subject under its level with 409', async () => {
      await registry.register('s-value', V1);
      const err = await failure(registry.register('s-value', INCOMPATIBLE));
      expect(err).toMatchObject({ code: 'INCOMPATIBLE_SCHEMA', errorCode: 409, httpStatus: 409 });
      expect(err.message).toMatch(/^Schema being registered is incompatible with an earlier schema for subject "s-value", details: \[TYPE_MISMATCH/);
      await registry.setCompatibility('NONE', 's-value');
      expect(await registry.register('s-value', INCOMPATIBLE)).toBe(2);
    });
  });

  describe('lookup', () => {
    it('finds the version holding a schema, or says what is missing', async () => {
      await registry.register('s-value', V1);
      await registry.register('s-value', V2);
      expect(await registry.lookupSchema('s-value', V1)).toMatchObject({ subject: 's-value', version: 1, id: 1 });
      expect(await registry.lookup('s-value', record([{ name: 'q', type: 'int' }]))).toBeNull();
      expect((await failure(registry.lookupSchema('nope', V1))).errorCode).toBe(40401);
      expect((await failure(registry.lookupSchema('s-value', INCOMPATIBLE))).errorCode).toBe(40403);
      expect((await failure(() => registry.getByIdSync(42))).errorCode).toBe(40403);
      expect((await failure(registry.getVersion('s-value', 7))).errorCode).toBe(40402);
      expect((await failure(registry.getVersion('s-value', 0))).errorCode).toBe(42202);
      expect(await registry.getLatest('nope')).toBeNull();
      expect(registry.peekById(2)?.schema).toBe(V2);
    });
  });

  describe('deletion', () => {
    beforeEach(async () => {
      await registry.register('s-value', V1);
      await registry.register('s-value', V2);
    });

    it('soft-deletes a version: hidden, but its id still resolves', async () => {
      expect(await registry.deleteVersion('s-value', 2)).toBe(2);
      expect(registry.listVersions('s-value')).toEqual([1]);
      expect(registry.listVersions('s-value', { deleted: true })).toEqual([1, 2]);
      expect((await failure(registry.getVersion('s-value', 2))).errorCode).toBe(40402);
      expect((await registry.getVersion('s-value', 2, { deleted: true })).id).toBe(2);
      expect(registry.getByIdSync(2).schema).toBe(V2);
      expect((await failure(registry.deleteVersion('s-value', 2))).errorCode).toBe(40406);
      // Registering it again makes a new version with the same id.
      expect(await registry.register('s-value', V2)).toBe(2);
      expect(registry.listVersions('s-value')).toEqual([1, 3]);
    });

    it('deletes a version permanently only after a soft delete', async () => {
      expect((await failure(registry.deleteVersion('s-value', 1, { permanent: true }))).errorCode).toBe(40407);
      await registry.deleteVersion('s-value', 1);
      expect(await registry.deleteVersion('s-value', 1, { permanent: true })).toBe(1);
      expect(registry.listVersions('s-value', { deleted: true })).toEqual([2]);
      expect((await failure(() => registry.getByIdSync(1))).errorCode).toBe(40403);
    });

    it('soft-deletes and then permanently deletes a subject', async () => {
      expect((await failure(registry.deleteSubject('s-value', { permanent: true }))).errorCode).toBe(40405);
      expect(await registry.deleteSubject('s-value')).toEqual([1, 2]);
      expect(registry.listSubjects()).toEqual([]);
      expect(registry.listSubjects({ deleted: true })).toEqual(['s-value']);
      expect((await failure(registry.deleteSubject('s-value'))).errorCode).toBe(40404);
      expect(await registry.deleteSubject('s-value', { permanent: true })).toEqual([1, 2]);
      expect(registry.listSubjects({ deleted: true })).toEqual([]);
      expect((await failure(registry.deleteSubject('s-value'))).errorCode).toBe(40401);
      // Ids keep growing after a permanent delete; versions start again.
      expect(await registry.register('s-value', record([{ name: 'new', type: 'int' }]))).toBe(3);
      expect(registry.listVersions('s-value')).toEqual([1]);
    });

    it('keeps schemas that others reference', async () => {
      await registry.register('event-value', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3";\nmessage Event {\n int64 TIMESTAMP = 1;\n}' });
      const id = await registry.register('logistics-value', {
        schemaType: 'PROTOBUF',
        schema: 'syntax = "proto3";\nimport "event.proto";\nmessage Logistics {\n Event EVENT = 1;\n}',
        references: [{ name: 'event.proto', subject: 'event-value', version: 1 }],
      });
      const resolved = registry.getByIdSync(id);
      expect([...resolved.referenced.keys()]).toEqual(['event.proto']);
      expect(registry.getReferencedBy('event-value', 1)).toEqual([id]);
      expect((await failure(registry.deleteSubject('event-value'))).errorCode).toBe(42206);
      expect((await failure(registry.register('x-value', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3"; import "e.proto"; message X { Event e = 1; }', references: [{ name: 'e.proto', subject: 'event-value', version: 9 }] }))).errorCode).toBe(42201);
    });
  });

  describe('compatibility configuration', () => {
    it('has a global level, BACKWARD by default, and per-subject levels', async () => {
      expect(registry.getCompatibility()).toBe('BACKWARD');
      expect((await failure(() => registry.getCompatibility('s-value'))).errorCode).toBe(40408);
      expect(registry.getCompatibility('s-value', { defaultToGlobal: true })).toBe('BACKWARD');
      expect(await registry.setCompatibility('full_transitive', 's-value')).toBe('FULL_TRANSITIVE');
      expect(registry.getCompatibility('s-value')).toBe('FULL_TRANSITIVE');
      await registry.setCompatibility('NONE');
      expect(registry.getCompatibility()).toBe('NONE');
      expect(await registry.deleteCompatibility('s-value')).toBe('FULL_TRANSITIVE');
      expect(registry.getCompatibility('s-value', { defaultToGlobal: true })).toBe('NONE');
      await registry.deleteCompatibility();
      expect(registry.getCompatibility()).toBe('BACKWARD');
      expect((await failure(() => registry.setCompatibility('SIDEWAYS'))).errorCode).toBe(42203);
    });

    it('tests a schema without registering it', async () => {
      await registry.register('s-value', V1);
      expect(await registry.testCompatibility('s-value', V2)).toEqual({ isCompatible: true, messages: [] });
      const result = await registry.testCompatibility('s-value', INCOMPATIBLE, { version: 'latest' });
      expect(result.isCompatible).toBe(false);
      expect(result.messages[0]).toMatch(/TYPE_MISMATCH at \/fields\/0\/type/);
      expect(registry.listVersions('s-value')).toEqual([1]);
    });
  });

  it('replays its store when reopened', async () => {
    await registry.register('s-value', V1);
    await registry.register('s-value', V2);
    await registry.setCompatibility('FORWARD', 's-value');
    await registry.deleteVersion('s-value', 1);
    const reopened = await SchemaRegistry.open(store);
    expect(reopened.listVersions('s-value', { deleted: true })).toEqual([1, 2]);
    expect(reopened.listVersions('s-value')).toEqual([2]);
    expect(reopened.getCompatibility('s-value')).toBe('FORWARD');
    expect(await reopened.register('t-value', V1)).toBe(1);
    expect(await reopened.register('u-value', record([{ name: 'c', type: 'int' }], 'C'))).toBe(3);
  });
});
