/**
 * The schema registry's REST API on a port of its own (Confluent's is 8081), for clients
 * configured with `schema.registry.url` that expect the registry at the root of a server:
 *
 *   const server = await startSchemaRegistryServer({ registry, host: '127.0.0.1', port: 8081 });
 *   ...
 *   await server.close();   // stops listening; the registry stays open (its owner closes it)
 */
import Fastify from 'fastify';
import type { SchemaRegistry } from '../../sql/schema-registry/schema-registry.js';
import { FreshetError } from '../../storage/errors.js';
import { schemaRegistryRoutes } from './schema-registry-routes.js';

export interface SchemaRegistryServerOptions {
  readonly registry: SchemaRegistry;
  /** Default 127.0.0.1; 0.0.0.0 to accept connections from other machines. */
  readonly host?: string;
  /** Default 8081, as Confluent's; 0 picks a free port. */
  readonly port?: number;
  /** Log requests with fastify's logger (pino). Default off. */
  readonly logRequests?: boolean;
}

export interface RunningSchemaRegistryServer {
  readonly host: string;
  /** The bound port (the one picked, when 0 was asked for). */
  readonly port: number;
  /** http://host:port, for clients' `schema.registry.url`. */
  readonly url: string;
  close(): Promise<void>;
}

export class SchemaRegistryServerError extends FreshetError {}

export async function startSchemaRegistryServer(options: SchemaRegistryServerOptions): Promise<RunningSchemaRegistryServer> {
  const host = options.host ?? '127.0.0.1';
  const app = Fastify({ logger: options.logRequests ?? false, routerOptions: { ignoreTrailingSlash: true } });
  await app.register(schemaRegistryRoutes(options.registry));
  try {
    await app.listen({ host, port: options.port ?? 8081 });
  } catch (err) {
    await app.close();
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new SchemaRegistryServerError(
      'SCHEMA_REGISTRY_BIND_FAILED',
      `The schema registry cannot listen on ${host}:${options.port ?? 8081} (${code}): pick another port or stop whatever holds it.`,
      { cause: err },
    );
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 8081);
  let closed: Promise<void> | undefined;
  return {
    host,
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () => (closed ??= app.close()),
  };
}
