import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRowSerde } from '../../../sql/formats/index.js';
import { HttpSchemaRegistryClient } from '../../../sql/schema-registry/http-client.js';
import { SchemaRegistryError } from '../../../sql/schema-registry/errors.js';
import { SchemaRegistry } from '../../../sql/schema-registry/schema-registry.js';
import { InMemorySchemaStore } from '../../../sql/schema-registry/store.js';
import { Types } from '../../../sql/types/sql-type.js';

/**
 * A stand-in for Confluent's REST API over the embedded registry: just the endpoints the client
 * calls, answering as Confluent does (errors as {error_code, message}).
 */
let registry: SchemaRegistry;
let server: Server;
let url: string;

beforeAll(async () => {
  registry = await SchemaRegistry.open(new InMemorySchemaStore());
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', async () => {
      const path = decodeURIComponent(req.url ?? '');
      const input = body === '' ? undefined : JSON.parse(body);
      const answer = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
        res.end(JSON.stringify(json));
      };
      try {
        let m: RegExpMatchArray | null;
        if (req.method === 'POST' && (m = /^\/subjects\/(.+)\/versions$/.exec(path))) return answer(200, { id: await registry.register(m[1]!, input) });
        if (req.method === 'POST' && (m = /^\/subjects\/(.+)$/.exec(path))) return answer(200, await registry.lookupSchema(m[1]!, input));
        if (req.method === 'GET' && (m = /^\/schemas\/ids\/(\d+)$/.exec(path))) {
          const s = registry.getByIdSync(Number(m[1]));
          return answer(200, { schema: s.schema, ...(s.schemaType === 'AVRO' ? {} : { schemaType: s.schemaType }), references: s.references });
        }
        if (req.method === 'GET' && (m = /^\/subjects\/(.+)\/versions\/(\w+)$/.exec(path))) {
          return answer(200, await registry.getVersion(m[1]!, m[2] === 'latest' ? 'latest' : Number(m[2])));
        }
        answer(404, { error_code: 404, message: 'HTTP 404 Not Found' });
      } catch (e) {
        const err = e as SchemaRegistryError;
        answer(err.httpStatus ?? 500, { error_code: err.errorCode ?? 50001, message: err.message });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('HttpSchemaRegistryClient', () => {
  it('registers, looks up and fetches through the REST API, caching schemas by id', async () => {
    const client = new HttpSchemaRegistryClient({ url });
    const schema = JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }] });
    const id = await client.register('http-value', { schema });
    expect(id).toBe(1);
    expect(client.peekById(id)?.schema).toBe(schema);
    expect(await client.lookup('http-value', { schema })).toMatchObject({ subject: 'http-value', version: 1, id });
    expect(await client.lookup('nothing-value', { schema })).toBeNull();
    expect(await client.getLatest('nothing-value')).toBeNull();
    expect((await client.getVersion('http-value', 1)).schema).toBe(schema);
    await expect(client.getById(99)).rejects.toMatchObject({ code: 'SCHEMA_NOT_FOUND', errorCode: 40403 });
    await expect(client.register('http-value', { schema: '{"type": "nope"}' })).rejects.toBeInstanceOf(SchemaRegistryError);
  });

  it('serves serdes, which read what a serde on the embedded registry wrote', async () => {
    const columns = [{ name: 'ID', type: Types.BIGINT }];
    const embedded = await createRowSerde('PROTOBUF', columns, { isKey: false, topic: 'shared', registry });
    const bytes = embedded.serialize('shared', [5n]);
    const remote = await createRowSerde('PROTOBUF', columns, { isKey: false, topic: 'shared', registry: new HttpSchemaRegistryClient({ url }) });
    expect(remote.deserialize('shared', bytes)).toEqual([5n]);
    // A schema the client has not fetched yet fails the record and is fetched for the next one.
    const other = await createRowSerde('PROTOBUF', [{ name: 'X', type: Types.STRING }], { isKey: false, topic: 'other', registry });
    const fresh = await createRowSerde('PROTOBUF', [{ name: 'X', type: Types.STRING }], { isKey: false, topic: 'other', registry: new HttpSchemaRegistryClient({ url }), autoRegister: false });
    const otherBytes = other.serialize('other', ['x']);
    const reader = await createRowSerde('PROTOBUF', [{ name: 'X', type: Types.STRING }], { isKey: false, registry: new HttpSchemaRegistryClient({ url }) });
    expect(() => reader.deserialize('other', otherBytes)).toThrow(/not known to this schema registry client yet/);
    await expect.poll(() => {
      try {
        return reader.deserialize('other', otherBytes);
      } catch {
        return undefined;
      }
    }).toEqual(['x']);
    expect(fresh.deserialize('other', otherBytes)).toEqual(['x']);
  });
});
