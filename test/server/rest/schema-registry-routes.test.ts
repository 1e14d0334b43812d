/**
 * Confluent's Schema Registry REST API as Freshet serves it: a real server on loopback, spoken to
 * with fetch and with the HTTP client formats use against a remote registry.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpSchemaRegistryClient } from '../../../sql/schema-registry/http-client.js';
import { SchemaRegistry } from '../../../sql/schema-registry/schema-registry.js';
import { InMemorySchemaStore, type StoreRecord } from '../../../sql/schema-registry/store.js';
import { startSchemaRegistryServer, type RunningSchemaRegistryServer } from '../../../server/rest/schema-registry-server.js';

const V1_JSON = 'application/vnd.schemaregistry.v1+json';
const DEFAULT_JSON = 'application/vnd.schemaregistry+json';

const record = (fields: unknown[], name = 'R'): string => JSON.stringify({ type: 'record', name, fields });
const A = record([{ name: 'a', type: 'int' }]);
const A_B_DEFAULT = record([{ name: 'a', type: 'int' }, { name: 'b', type: 'string', default: '' }]);
const A_B_NO_DEFAULT = record([{ name: 'a', type: 'int' }, { name: 'b', type: 'string' }]);
const A_AS_STRING = record([{ name: 'a', type: 'string' }]);
const EMPTY = record([]);
const PROTO = 'syntax = "proto3";\nmessage Event {\n  int64 ts = 1;\n}\n';

/** A store that can be made to fail, to see the registry's 50001. */
class FlakyStore extends InMemorySchemaStore {
  failing = false;

  override async append(r: StoreRecord): Promise<void> {
    if (this.failing) throw new Error('disk full');
    return super.append(r);
  }
}

interface Answer {
  readonly status: number;
  readonly contentType: string | null;
  readonly text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
  readonly body: any;
}

let store: FlakyStore;
let registry: SchemaRegistry;
let server: RunningSchemaRegistryServer;

beforeEach(async () => {
  store = new FlakyStore();
  registry = await SchemaRegistry.open(store);
  server = await startSchemaRegistryServer({ registry, host: '127.0.0.1', port: 0 });
});

afterEach(async () => {
  await server.close();
  await registry.close();
});

/** One request; an object body goes as JSON with Confluent's content type unless `headers` names one. */
async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const h: Record<string, string> = { ...headers };
  let payload: string | undefined;
  if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['content-type'] = V1_JSON;
  }
  const response = await fetch(`${server.url}${path}`, { method, headers: h, body: payload });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, contentType: response.headers.get('content-type'), text, body: parsed };
}

const register = (subject: string, body: unknown) => call('POST', `/subjects/${encodeURIComponent(subject)}/versions`, body);

/** Asserts Confluent's error answer: the status is the code's first three digits. */
function expectError(answer: Answer, errorCode: number, message?: RegExp | string): void {
  expect(answer.status).toBe(Number(String(errorCode).slice(0, 3)));
  expect(answer.body).toEqual({ error_code: errorCode, message: expect.any(String) });
  if (message !== undefined) expect(answer.body.message).toMatch(message);
}

describe('schema registry REST API', () => {
  describe('registering and reading', () => {
    it('registers a schema, returns its id, and serves it by subject, version and id', async () => {
      const registered = await register('orders-value', { schema: A });
      expect(registered.status).toBe(200);
      expect(registered.body).toEqual({ id: 1 });

      expect((await call('GET', '/subjects')).body).toEqual(['orders-value']);
      expect((await call('GET', '/subjects/orders-value/versions')).body).toEqual([1]);
      // AVRO is the default type and there are no references, so neither field is in the answer.
      const v1 = { subject: 'orders-value', version: 1, id: 1, schema: A };
      expect((await call('GET', '/subjects/orders-value/versions/1')).body).toEqual(v1);
      expect((await call('GET', '/subjects/orders-value/versions/latest')).body).toEqual(v1);
      expect((await call('GET', '/subjects/orders-value/versions/-1')).body).toEqual(v1);
      expect((await call('GET', '/schemas/ids/1')).body).toEqual({ schema: A });
      expect((await call('GET', '/schemas/ids/1/versions')).body).toEqual([{ subject: 'orders-value', version: 1 }]);
      expect((await call('GET', '/schemas/ids/1/subjects')).body).toEqual(['orders-value']);
    });

    it('serves the bare schema text at .../schema', async () => {
      await register('orders-value', { schema: A });
      const raw = await call('GET', '/subjects/orders-value/versions/1/schema');
      expect(raw.status).toBe(200);
      expect(raw.text).toBe(A);
      expect((await call('GET', '/schemas/ids/1/schema')).text).toBe(A);
      await register('events-value', { schemaType: 'PROTOBUF', schema: PROTO });
      expect((await call('GET', '/subjects/events-value/versions/latest/schema')).text).toBe(PROTO);
    });

    it('is idempotent, gives one schema one id across subjects, and numbers versions per subject', async () => {
      expect((await register('a-value', { schema: A })).body).toEqual({ id: 1 });
      // Same schema, other layout: same id, no new version.
      expect((await register('a-value', { schema: '{"fields":[{"type":"int","name":"a"}],"type":"record","name":"R"}' })).body).toEqual({ id: 1 });
      expect((await call('GET', '/subjects/a-value/versions')).body).toEqual([1]);
      expect((await register('b-value', { schema: A })).body).toEqual({ id: 1 });
      expect((await register('a-value', { schema: A_B_DEFAULT })).body).toEqual({ id: 2 });
      expect((await call('GET', '/subjects/a-value/versions')).body).toEqual([1, 2]);
      expect((await call('GET', '/schemas/ids/1/versions')).body).toEqual([
        { subject: 'a-value', version: 1 },
        { subject: 'b-value', version: 1 },
      ]);
      expect((await call('GET', '/subjects?subjectPrefix=b')).body).toEqual(['b-value']);
    });

    it('keeps schemaType and references for Protobuf and JSON Schema', async () => {
      const event = await register('event-value', { schemaType: 'PROTOBUF', schema: PROTO });
      const refs = [{ name: 'event.proto', subject: 'event-value', version: 1 }];
      const logistics = await register('logistics-value', {
        schemaType: 'PROTOBUF',
        schema: 'syntax = "proto3";\nimport "event.proto";\nmessage Logistics {\n  Event event = 1;\n}\n',
        references: refs,
      });
      expect(logistics.status).toBe(200);
      const byId = await call('GET', `/schemas/ids/${logistics.body.id}`);
      expect(byId.body).toEqual({ schemaType: 'PROTOBUF', references: refs, schema: expect.stringContaining('import "event.proto"') });
      expect((await call('GET', '/subjects/logistics-value/versions/1')).body).toMatchObject({ schemaType: 'PROTOBUF', references: refs });
      expect((await call('GET', '/subjects/event-value/versions/1/referencedby')).body).toEqual([logistics.body.id]);
      expect((await call('GET', `/schemas/ids/${event.body.id}`)).body).toEqual({ schemaType: 'PROTOBUF', schema: PROTO });

      const json = await register('doc-value', { schemaType: 'JSON', schema: '{ "type": "object", "properties": { "n": { "type": "number" } } }' });
      expect((await call('GET', `/schemas/ids/${json.body.id}`)).body).toEqual({ schemaType: 'JSON', schema: '{"type":"object","properties":{"n":{"type":"number"}}}' });
    });

    it('lists every schema, or the latest of each subject, at /schemas', async () => {
      await register('a-value', { schema: A });
      await register('a-value', { schema: A_B_DEFAULT });
      await register('b-value', { schemaType: 'PROTOBUF', schema: PROTO });
      expect((await call('GET', '/schemas')).body.map((s: { subject: string; version: number }) => `${s.subject}/${s.version}`)).toEqual(['a-value/1', 'a-value/2', 'b-value/1']);
      expect((await call('GET', '/schemas?latestOnly=true&subjectPrefix=a')).body).toEqual([{ subject: 'a-value', version: 2, id: 2, schema: A_B_DEFAULT }]);
    });

    it('lists the schema types it supports', async () => {
      const types = await call('GET', '/schemas/types');
      expect(types.status).toBe(200);
      expect([...types.body].sort()).toEqual(['AVRO', 'JSON', 'PROTOBUF']);
    });

    it('answers the root with an empty object, as Confluent does', async () => {
      expect((await call('GET', '/')).body).toEqual({});
    });

    it('takes subject names that need escaping in a URL', async () => {
      const subject = 'team a/orders:value';
      expect((await register(subject, { schema: A })).body).toEqual({ id: 1 });
      expect((await call('GET', '/subjects')).body).toEqual([subject]);
      expect((await call('GET', `/subjects/${encodeURIComponent(subject)}/versions/1`)).body.subject).toBe(subject);
    });
  });

  describe('lookup (POST /subjects/{subject})', () => {
    it('finds the version holding a schema', async () => {
      await register('s-value', { schema: A });
      await register('s-value', { schema: A_B_DEFAULT });
      const found = await call('POST', '/subjects/s-value', { schema: A_B_DEFAULT });
      expect(found.status).toBe(200);
      expect(found.body).toEqual({ subject: 's-value', version: 2, id: 2, schema: A_B_DEFAULT });
      const proto = await register('p-value', { schemaType: 'PROTOBUF', schema: PROTO });
      expect((await call('POST', '/subjects/p-value', { schemaType: 'PROTOBUF', schema: PROTO })).body).toEqual({
        subject: 'p-value',
        version: 1,
        id: proto.body.id,
        schemaType: 'PROTOBUF',
        schema: PROTO,
      });
    });

    it('answers 40401 for an unknown subject and 40403 for a schema the subject does not hold', async () => {
      await register('s-value', { schema: A });
      expectError(await call('POST', '/subjects/nope-value', { schema: A }), 40401, "Subject 'nope-value' not found.");
      expectError(await call('POST', '/subjects/s-value', { schema: A_AS_STRING }), 40403, 'Schema not found');
    });

    it('finds soft-deleted versions only with ?deleted=true', async () => {
      await register('s-value', { schema: A });
      await register('s-value', { schema: A_B_DEFAULT });
      await call('DELETE', '/subjects/s-value/versions/1');
      expectError(await call('POST', '/subjects/s-value', { schema: A }), 40403);
      expect((await call('POST', '/subjects/s-value?deleted=true', { schema: A })).body).toMatchObject({ version: 1, id: 1 });
    });
  });

  describe('deletion', () => {
    beforeEach(async () => {
      await register('s-value', { schema: A });
      await register('s-value', { schema: A_B_DEFAULT });
    });

    it('soft-deletes a version: hidden from listings, its id still resolves, ?deleted=true shows it', async () => {
      const deleted = await call('DELETE', '/subjects/s-value/versions/1');
      expect(deleted.status).toBe(200);
      expect(deleted.body).toBe(1);
      expect((await call('GET', '/subjects/s-value/versions')).body).toEqual([2]);
      expect((await call('GET', '/subjects/s-value/versions?deleted=true')).body).toEqual([1, 2]);
      expectError(await call('GET', '/subjects/s-value/versions/1'), 40402, 'Version 1 not found.');
      expect((await call('GET', '/subjects/s-value/versions/1?deleted=true')).body).toMatchObject({ version: 1, id: 1 });
      expect((await call('GET', '/schemas/ids/1')).body).toEqual({ schema: A });
      expect((await call('GET', '/schemas/ids/1/versions')).body).toEqual([]);
      expect((await call('GET', '/schemas/ids/1/versions?deleted=true')).body).toEqual([{ subject: 's-value', version: 1 }]);
    });

    it('deletes a version permanently only after a soft delete (40407, then 40406 for a second soft delete)', async () => {
      expectError(await call('DELETE', '/subjects/s-value/versions/1?permanent=true'), 40407, /was not deleted first/);
      await call('DELETE', '/subjects/s-value/versions/1');
      expectError(await call('DELETE', '/subjects/s-value/versions/1'), 40406, /was soft deleted/);
      expect((await call('DELETE', '/subjects/s-value/versions/1?permanent=true')).body).toBe(1);
      expect((await call('GET', '/subjects/s-value/versions?deleted=true')).body).toEqual([2]);
      expectError(await call('GET', '/schemas/ids/1'), 40403, 'Schema 1 not found');
    });

    it('soft-deletes a subject and then deletes it permanently (40404, 40405 out of order)', async () => {
      expectError(await call('DELETE', '/subjects/s-value?permanent=true'), 40405, /not deleted first/);
      expect((await call('DELETE', '/subjects/s-value')).body).toEqual([1, 2]);
      expect((await call('GET', '/subjects')).body).toEqual([]);
      expect((await call('GET', '/subjects?deleted=true')).body).toEqual(['s-value']);
      expectError(await call('GET', '/subjects/s-value/versions'), 40401);
      expectError(await call('DELETE', '/subjects/s-value'), 40404, /was soft deleted/);
      expect((await call('DELETE', '/subjects/s-value?permanent=true')).body).toEqual([1, 2]);
      expect((await call('GET', '/subjects?deleted=true')).body).toEqual([]);
      expectError(await call('DELETE', '/subjects/s-value'), 40401);
    });

    it('refuses to delete a schema another references (42206)', async () => {
      await register('event-value', { schemaType: 'PROTOBUF', schema: PROTO });
      await register('logistics-value', {
        schemaType: 'PROTOBUF',
        schema: 'syntax = "proto3";\nimport "event.proto";\nmessage Logistics {\n  Event event = 1;\n}\n',
        references: [{ name: 'event.proto', subject: 'event-value', version: 1 }],
      });
      expectError(await call('DELETE', '/subjects/event-value'), 42206, /references exist/);
      expectError(await call('DELETE', '/subjects/event-value/versions/1'), 42206);
    });

    it('answers 40401 and 40402 for what is not there', async () => {
      expectError(await call('DELETE', '/subjects/nope-value/versions/1'), 40401);
      expectError(await call('DELETE', '/subjects/s-value/versions/9'), 40402);
    });
  });

  describe('compatibility on registration', () => {
    it('BACKWARD (the default) rejects a new field without a default with 409, and accepts one with a default', async () => {
      await register('s-value', { schema: A });
      const rejected = await register('s-value', { schema: A_B_NO_DEFAULT });
      expectError(rejected, 409, /^Schema being registered is incompatible with an earlier schema for subject "s-value"/);
      expect(rejected.body.message).toMatch(/version 1/);
      expect((await register('s-value', { schema: A_B_DEFAULT })).status).toBe(200);
      expectError(await register('s-value', { schema: A_AS_STRING }), 409);
      // Removing a field is backward compatible: the new reader ignores it.
      expect((await register('s-value', { schema: A })).status).toBe(200);
    });

    it('FORWARD rejects removing a field that has no default', async () => {
      await call('PUT', '/config/s-value', { compatibility: 'FORWARD' });
      await register('s-value', { schema: A });
      expectError(await register('s-value', { schema: EMPTY }), 409);
      // An added field is fine: the old reader ignores it.
      expect((await register('s-value', { schema: A_B_NO_DEFAULT })).status).toBe(200);
    });

    it('FULL wants both directions; NONE checks nothing', async () => {
      await call('PUT', '/config/full-value', { compatibility: 'FULL' });
      await register('full-value', { schema: A });
      expectError(await register('full-value', { schema: A_B_NO_DEFAULT }), 409);
      expect((await register('full-value', { schema: A_B_DEFAULT })).status).toBe(200);

      await call('PUT', '/config/none-value', { compatibility: 'NONE' });
      await register('none-value', { schema: A });
      expect((await register('none-value', { schema: A_AS_STRING })).status).toBe(200);
      expect((await call('GET', '/subjects/none-value/versions')).body).toEqual([1, 2]);
    });

    it('BACKWARD checks the latest version only; BACKWARD_TRANSITIVE checks them all', async () => {
      const C = record([{ name: 'c', type: 'int' }]);
      const C_A = record([{ name: 'c', type: 'int' }, { name: 'a', type: 'string', default: '' }]);
      for (const [subject, level] of [['b-value', 'BACKWARD'], ['bt-value', 'BACKWARD_TRANSITIVE']]) {
        await call('PUT', `/config/${subject}`, { compatibility: level });
        await register(subject!, { schema: A });
        await call('PUT', `/config/${subject}`, { compatibility: 'NONE' });
        await register(subject!, { schema: C });
        await call('PUT', `/config/${subject}`, { compatibility: level });
      }
      // C_A reads C's data, but reads version 1's int "a" as a string: only the transitive level sees that.
      expect((await register('b-value', { schema: C_A })).status).toBe(200);
      expectError(await register('bt-value', { schema: C_A }), 409);
    });
  });

  describe('compatibility checks (POST /compatibility/subjects/{subject}/versions[/{version}])', () => {
    beforeEach(async () => {
      await register('s-value', { schema: A });
    });

    it('says whether a schema could be registered, without registering it', async () => {
      const ok = await call('POST', '/compatibility/subjects/s-value/versions/latest', { schema: A_B_DEFAULT });
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ is_compatible: true });
      expect((await call('POST', '/compatibility/subjects/s-value/versions/1', { schema: A_B_NO_DEFAULT })).body).toEqual({ is_compatible: false });
      expect((await call('POST', '/compatibility/subjects/s-value/versions', { schema: A_AS_STRING })).body).toEqual({ is_compatible: false });
      expect((await call('GET', '/subjects/s-value/versions')).body).toEqual([1]);
    });

    it('explains with ?verbose=true', async () => {
      const bad = await call('POST', '/compatibility/subjects/s-value/versions/latest?verbose=true', { schema: A_AS_STRING });
      expect(bad.body.is_compatible).toBe(false);
      expect(bad.body.messages).toHaveLength(1);
      expect(bad.body.messages[0]).toMatch(/TYPE_MISMATCH.*version 1/);
      expect((await call('POST', '/compatibility/subjects/s-value/versions/1?verbose=true', { schema: A_B_DEFAULT })).body).toEqual({ is_compatible: true, messages: [] });
    });

    it('follows the subject level', async () => {
      await call('PUT', '/config/s-value', { compatibility: 'NONE' });
      expect((await call('POST', '/compatibility/subjects/s-value/versions/latest', { schema: A_AS_STRING })).body).toEqual({ is_compatible: true });
    });

    it('finds anything compatible with the latest version of a subject that has none', async () => {
      expect((await call('POST', '/compatibility/subjects/new-value/versions/latest', { schema: A })).body).toEqual({ is_compatible: true });
      expect((await call('POST', '/compatibility/subjects/new-value/versions', { schema: A })).body).toEqual({ is_compatible: true });
    });

    it('answers 40401, 40402, 42202 and 42201', async () => {
      expectError(await call('POST', '/compatibility/subjects/new-value/versions/1', { schema: A }), 40401);
      expectError(await call('POST', '/compatibility/subjects/s-value/versions/7', { schema: A }), 40402, 'Version 7 not found.');
      expectError(await call('POST', '/compatibility/subjects/s-value/versions/first', { schema: A }), 42202);
      expectError(await call('POST', '/compatibility/subjects/s-value/versions/latest', { schema: '{"type":"record"}' }), 42201);
    });
  });

  describe('configuration', () => {
    it('has a global level, BACKWARD by default, set with PUT and reset with DELETE', async () => {
      expect((await call('GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
      const put = await call('PUT', '/config', { compatibility: 'full_transitive' });
      expect(put.status).toBe(200);
      expect(put.body).toEqual({ compatibility: 'FULL_TRANSITIVE' });
      expect((await call('GET', '/config')).body).toEqual({ compatibilityLevel: 'FULL_TRANSITIVE' });
      expect((await call('DELETE', '/config')).body).toEqual({ compatibilityLevel: 'FULL_TRANSITIVE' });
      expect((await call('GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    });

    it('has per-subject levels, with 40408 (or the global level with ?defaultToGlobal=true) where none is set', async () => {
      await register('s-value', { schema: A });
      expectError(await call('GET', '/config/s-value'), 40408, "Subject 's-value' does not have subject-level compatibility configured");
      expect((await call('GET', '/config/s-value?defaultToGlobal=true')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
      expect((await call('PUT', '/config/s-value', { compatibility: 'NONE' })).body).toEqual({ compatibility: 'NONE' });
      expect((await call('GET', '/config/s-value')).body).toEqual({ compatibilityLevel: 'NONE' });
      expect((await call('GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
      expect((await call('DELETE', '/config/s-value')).body).toEqual({ compatibilityLevel: 'NONE' });
      expect((await call('GET', '/config/s-value?defaultToGlobal=true')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
      expectError(await call('DELETE', '/config/s-value'), 40408);
    });

    it('sets a level for a subject before its first schema; deleting one of an unknown subject is 40401', async () => {
      expect((await call('PUT', '/config/later-value', { compatibility: 'FORWARD' })).body).toEqual({ compatibility: 'FORWARD' });
      expect((await call('GET', '/config/later-value')).body).toEqual({ compatibilityLevel: 'FORWARD' });
      expect((await call('DELETE', '/config/later-value')).body).toEqual({ compatibilityLevel: 'FORWARD' });
      expectError(await call('DELETE', '/config/never-value'), 40401, "Subject 'never-value' not found.");
    });

    it('answers 42203 for a level it does not know, or none', async () => {
      expectError(await call('PUT', '/config', { compatibility: 'SIDEWAYS' }), 42203, /Invalid compatibility level/);
      expectError(await call('PUT', '/config/s-value', { compatibilityLevel: 'FULL' }), 42203);
      expectError(await call('PUT', '/config', '[]'), 42203);
      expect((await call('GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    });
  });

  describe('errors', () => {
    it('answers 40401 for an unknown subject, 40402 for an unknown version, 40403 for an unknown id', async () => {
      await register('s-value', { schema: A });
      expectError(await call('GET', '/subjects/nope-value/versions'), 40401, "Subject 'nope-value' not found.");
      expectError(await call('GET', '/subjects/nope-value/versions/latest'), 40401);
      expectError(await call('GET', '/subjects/s-value/versions/2'), 40402, 'Version 2 not found.');
      expectError(await call('GET', '/subjects/s-value/versions/2/schema'), 40402);
      expectError(await call('GET', '/schemas/ids/99'), 40403, 'Schema 99 not found');
      expectError(await call('GET', '/schemas/ids/99/versions'), 40403);
      expectError(await call('GET', '/schemas/ids/one'), 40403);
    });

    it('answers 42202 for a version that is not a number, "latest" or in range', async () => {
      await register('s-value', { schema: A });
      expectError(await call('GET', '/subjects/s-value/versions/abc'), 42202, "The specified version 'abc' is not a valid version id");
      expectError(await call('GET', '/subjects/s-value/versions/0'), 42202);
      expectError(await call('GET', '/subjects/s-value/versions/-2'), 42202);
      expectError(await call('GET', '/subjects/s-value/versions/99999999999'), 42202);
      expectError(await call('DELETE', '/subjects/s-value/versions/1.5'), 42202);
    });

    it('answers 42201 for an invalid schema, a missing one, an unknown schemaType or bad references', async () => {
      expectError(await register('s-value', { schema: '{"type": "record", "name": "1bad", "fields": []}' }), 42201, /Invalid schema of type AVRO/);
      expectError(await register('s-value', { schema: '{"type": ' }), 42201);
      expectError(await register('s-value', { schemaType: 'PROTOBUF', schema: 'message {' }), 42201, /PROTOBUF/);
      expectError(await register('s-value', { schemaType: 'JSON', schema: '{"type": "bogus"}' }), 42201, /JSON/);
      expectError(await register('s-value', { schemaType: 'XML', schema: '<a/>' }), 42201, /Invalid schema type "XML"/);
      expectError(await register('s-value', {}), 42201, /"schema" must be/);
      expectError(await register('s-value', { schema: { type: 'string' } }), 42201);
      expectError(await register('s-value', '"just a string"'), 42201);
      expectError(await register('s-value', { schema: A, references: 'event.proto' }), 42201, /"references" must be an array/);
      expectError(await register('s-value', { schema: A, references: [{ name: 'x' }] }), 42201, /reference 0/);
      expectError(await register('s-value', { schemaType: 'PROTOBUF', schema: PROTO, references: [{ name: 'x.proto', subject: 'gone', version: 1 }] }), 42201, /does not exist/);
      expectError(await call('POST', '/subjects/s-value', { schemaType: 'AVRO', schema: 'nonsense{' }), 42201);
      expect((await call('GET', '/subjects')).body).toEqual([]);
    });

    it('answers 400 with error_code 400 for a body that is not JSON, never a 500', async () => {
      const answer = await register('s-value', '{"schema": "int"');
      expectError(answer, 400, /not valid JSON/);
      expectError(await call('PUT', '/config', 'compatibility=FULL', { 'content-type': 'application/json' }), 400);
    });

    it('answers 415 for a body in a content type it does not read', async () => {
      expectError(await call('POST', '/subjects/s-value/versions', JSON.stringify({ schema: A }), { 'content-type': 'text/plain' }), 415, /Unsupported Media Type/);
      expectError(await call('PUT', '/config', 'compatibility=FULL', { 'content-type': 'application/x-www-form-urlencoded' }), 415);
    });

    it('answers 50001 when the store fails, and keeps working once it recovers', async () => {
      store.failing = true;
      expectError(await register('s-value', { schema: A }), 50001, /Error in the backend data store: disk full/);
      expectError(await call('PUT', '/config', { compatibility: 'NONE' }), 50001);
      store.failing = false;
      expect((await call('GET', '/subjects')).body).toEqual([]);
      expect((await register('s-value', { schema: A })).body).toEqual({ id: 1 });
    });

    it('answers unknown paths with a 404 error body', async () => {
      expectError(await call('GET', '/nothing/here'), 404, /HTTP 404 Not Found/);
      expectError(await call('PATCH', '/subjects'), 404);
    });
  });

  describe('content types', () => {
    it('reads bodies sent as either vnd type, application/json or application/octet-stream', async () => {
      for (const [i, type] of [V1_JSON, DEFAULT_JSON, 'application/json', 'application/json; charset=utf-8', 'application/octet-stream'].entries()) {
        const answer = await call('POST', `/subjects/s${i}-value/versions`, JSON.stringify({ schema: A }), { 'content-type': type });
        expect(answer.status, type).toBe(200);
        expect(answer.body).toEqual({ id: 1 });
      }
    });

    it('answers in application/vnd.schemaregistry.v1+json unless Accept prefers another JSON type', async () => {
      const typeFor = async (accept?: string) => (await call('GET', '/config', undefined, accept === undefined ? {} : { accept })).contentType;
      expect(await typeFor()).toBe(V1_JSON);
      expect(await typeFor('*/*')).toBe(V1_JSON);
      expect(await typeFor(V1_JSON)).toBe(V1_JSON);
      expect(await typeFor(DEFAULT_JSON)).toBe(DEFAULT_JSON);
      expect(await typeFor('application/json')).toBe('application/json');
      expect(await typeFor('application/json, application/vnd.schemaregistry+json')).toBe(DEFAULT_JSON);
      expect(await typeFor('application/vnd.schemaregistry.v1+json;q=0.1, application/json')).toBe('application/json');
      expect(await typeFor('text/html,application/xhtml+xml,*/*;q=0.8')).toBe(V1_JSON);
      // Errors and bare schemas come in the negotiated type too.
      expect((await call('GET', '/subjects/nope/versions', undefined, { accept: 'application/json' })).contentType).toBe('application/json');
      await register('s-value', { schema: A });
      expect((await call('GET', '/subjects/s-value/versions/1/schema')).contentType).toBe(V1_JSON);
    });

    it('answers 406 when Accept allows none of its types', async () => {
      expectError(await call('GET', '/subjects', undefined, { accept: 'text/html' }), 406, /Not Acceptable/);
      expectError(await call('GET', '/subjects', undefined, { accept: 'application/json;q=0' }), 406);
    });
  });

  describe('HttpSchemaRegistryClient against it', () => {
    it('registers, looks up and reads back, as formats do against a remote registry', async () => {
      const client = new HttpSchemaRegistryClient({ url: server.url });
      const id = await client.register('orders-value', { schema: A });
      expect(id).toBe(1);
      expect(client.peekById(id)).toMatchObject({ id, schema: A, schemaType: 'AVRO', references: [] });
      expect(await client.getLatest('orders-value')).toEqual({ subject: 'orders-value', version: 1, id, schema: A, schemaType: 'AVRO', references: [] });
      expect(await client.getVersion('orders-value', 1)).toMatchObject({ id });
      expect(await client.lookup('orders-value', { schema: A })).toMatchObject({ subject: 'orders-value', version: 1, id });
      expect(await client.lookup('orders-value', { schema: A_AS_STRING })).toBeNull();
      expect(await client.lookup('nothing-value', { schema: A })).toBeNull();
      expect(await client.getLatest('nothing-value')).toBeNull();
      // What the client registered is what the registry (and plain HTTP) holds.
      expect(registry.getVersionSync('orders-value', 1).id).toBe(id);
      expect((await call('GET', `/schemas/ids/${id}`)).body).toEqual({ schema: A });
    });

    it('resolves references and surfaces the registry errors with their codes', async () => {
      const client = new HttpSchemaRegistryClient({ url: server.url });
      await client.register('event-value', { schemaType: 'PROTOBUF', schema: PROTO });
      const id = await client.register('logistics-value', {
        schemaType: 'PROTOBUF',
        schema: 'syntax = "proto3";\nimport "event.proto";\nmessage Logistics {\n  Event event = 1;\n}\n',
        references: [{ name: 'event.proto', subject: 'event-value', version: 1 }],
      });
      const resolved = await client.getById(id);
      expect(resolved.schemaType).toBe('PROTOBUF');
      expect(resolved.referenced.get('event.proto')).toEqual({ schema: PROTO, schemaType: 'PROTOBUF', references: [] });

      await expect(client.getById(99)).rejects.toMatchObject({ code: 'SCHEMA_NOT_FOUND', errorCode: 40403 });
      await expect(client.getVersion('event-value', 5)).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND', errorCode: 40402 });
      await expect(client.register('event-value', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3"; message Event { string ts = 1; }' })).rejects.toMatchObject({
        code: 'INCOMPATIBLE_SCHEMA',
        errorCode: 409,
      });
      await expect(client.register('x-value', { schema: '{"type": "nope"}' })).rejects.toMatchObject({ code: 'INVALID_SCHEMA', errorCode: 42201 });
    });
  });
});
