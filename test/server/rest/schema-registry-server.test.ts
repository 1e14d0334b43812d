/**
 * The schema registry REST API on its own port, and mounted under a prefix of another fastify
 * server without changing how that server treats its own routes.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpSchemaRegistryClient } from '../../../sql/schema-registry/http-client.js';
import { SchemaRegistry } from '../../../sql/schema-registry/schema-registry.js';
import { InMemorySchemaStore } from '../../../sql/schema-registry/store.js';
import { schemaRegistryRoutes } from '../../../server/rest/schema-registry-routes.js';
import { startSchemaRegistryServer } from '../../../server/rest/schema-registry-server.js';

const SCHEMA = JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }] });

let registry: SchemaRegistry;

beforeEach(async () => {
  registry = await SchemaRegistry.open(new InMemorySchemaStore());
});

afterEach(async () => {
  await registry.close();
});

describe('startSchemaRegistryServer', () => {
  it('listens on the port it is given (0: a free one) and stops on close, leaving the registry open', async () => {
    const server = await startSchemaRegistryServer({ registry, host: '127.0.0.1', port: 0 });
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const response = await fetch(`${server.url}/config/`);
    expect(await response.json()).toEqual({ compatibilityLevel: 'BACKWARD' });
    await server.close();
    await server.close();
    await expect(fetch(`${server.url}/config`)).rejects.toThrow();
    expect(await registry.register('still-open-value', SCHEMA)).toBe(1);
  });

  it('fails with a typed error when the port is taken', async () => {
    const first = await startSchemaRegistryServer({ registry, host: '127.0.0.1', port: 0 });
    try {
      await expect(startSchemaRegistryServer({ registry, host: '127.0.0.1', port: first.port })).rejects.toMatchObject({
        code: 'SCHEMA_REGISTRY_BIND_FAILED',
        message: expect.stringContaining(`127.0.0.1:${first.port} (EADDRINUSE)`),
      });
    } finally {
      await first.close();
    }
  });
});

describe('schemaRegistryRoutes mounted under a prefix', () => {
  let app: FastifyInstance;
  let base: string;

  beforeEach(async () => {
    app = Fastify();
    app.post('/echo', async (request) => ({ body: request.body }));
    app.setNotFoundHandler((_request, reply) => reply.code(404).send({ host: 'not found' }));
    await app.register(schemaRegistryRoutes(registry), { prefix: '/schema-registry' });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterEach(async () => {
    await app.close();
  });

  it('serves the API under the prefix, to fetch and to the HTTP client', async () => {
    const client = new HttpSchemaRegistryClient({ url: `${base}/schema-registry` });
    const id = await client.register('orders-value', { schema: SCHEMA });
    expect((await client.getVersion('orders-value', 1)).id).toBe(id);
    const response = await fetch(`${base}/schema-registry/subjects`);
    expect(response.headers.get('content-type')).toBe('application/vnd.schemaregistry.v1+json');
    expect(await response.json()).toEqual(['orders-value']);
    const missing = await fetch(`${base}/schema-registry/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error_code: 404 });
  });

  it('leaves the host server its own body parsers, content types and not-found handler', async () => {
    const text = await fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(text.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await text.json()).toEqual({ body: 'hello' });
    const badJson = await fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).not.toHaveProperty('error_code');
    const vnd = await fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' }, body: '{}' });
    expect(vnd.status).toBe(415);
    const missing = await fetch(`${base}/elsewhere`);
    expect(await missing.json()).toEqual({ host: 'not found' });
  });
});
