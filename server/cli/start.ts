/**
 * `freshet start`: runs everything in this process on a data directory, until Ctrl-C or SIGTERM,
 * then shuts down cleanly: the broker, its Kafka protocol listener, the SQL engine with its
 * persistent queries (restored from the command log) and the ksqlDB-compatible REST API.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Broker, type BrokerOptions } from '../../storage/broker/broker.js';
import { consoleLogger } from '../../storage/logger.js';
import { KafkaListener, type KafkaListenerOptions } from '../kafka/index.js';
import { SchemaRegistry } from '../../sql/schema-registry/schema-registry.js';
import { TopicSchemaStore } from '../../sql/schema-registry/topic-store.js';
import { KsqlServer } from '../ksql/ksql-server.js';
import { buildRestServer } from '../rest/rest-server.js';
import { schemaRegistryRoutes } from '../rest/schema-registry-routes.js';
import { startSchemaRegistryServer } from '../rest/schema-registry-server.js';

export interface StartOptions {
  dataDir: string;
  host: string;
  kafkaPort: number;
  httpPort: number;
  /** The schema registry's own port (it is also served under /schema-registry on the REST port); absent: none. */
  schemaRegistryPort?: number;
  config?: string;
}


/**
 * The config file: broker options, plus `kafka` for the listener (e.g. advertisedHost, sasl) and
 * `ksql` for the SQL engine's properties (e.g. {"ksql.persistence.default.format.value": "JSON"})
 * and `rest` for the REST API ({"users": {"name": "password"}} requires HTTP basic authentication).
 */
type ConfigFile = Partial<BrokerOptions> & {
  kafka?: Partial<KafkaListenerOptions>;
  ksql?: Record<string, string | number | boolean>;
  /** The REST API: `users` (name -> password) turns on HTTP basic authentication. */
  rest?: { users?: Record<string, string>; maxStatementLength?: number };
};

function readConfig(path: string | undefined): ConfigFile {
  if (!path) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ConfigFile;
  } catch (err) {
    throw new Error(`Cannot read the config file ${path}: ${(err as Error).message}`);
  }
}

export interface Running {
  broker: Broker;
  kafka: { host: string; port: number };
  http: { host: string; port: number };
  /** The schema registry's own listener, when started. */
  schemaRegistry?: { host: string; port: number };
  ksql: KsqlServer;
  stop(): Promise<void>;
}

/** Opens the broker and starts its servers. */
export async function start(opts: StartOptions): Promise<Running> {
  const logger = consoleLogger();
  const dataDir = resolve(opts.dataDir);
  const { kafka: kafkaOptions, ksql: ksqlProperties, rest: restOptions, ...brokerOptions } = readConfig(opts.config);
  const broker = await Broker.open({ ...brokerOptions, dataDir, logger });
  const cleanups: (() => Promise<unknown>)[] = [() => broker.close()];
  const stop = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    const listener = new KafkaListener(broker, { ...kafkaOptions, host: opts.host, port: opts.kafkaPort, logger });
    const kafka = await listener.start();
    cleanups.push(() => listener.close());
    const client = broker.client();
    const registry = await SchemaRegistry.open(new TopicSchemaStore(client));
    const ksql = await KsqlServer.open({ client, dataDir, logger, registry, ...(ksqlProperties ? { properties: ksqlProperties } : {}) });
    cleanups.push(() => ksql.close());
    const rest = await buildRestServer({
      ksql,
      logger,
      kafkaClusterId: broker.clusterId,
      ...(restOptions?.users ? { users: restOptions.users } : {}),
      ...(restOptions?.maxStatementLength !== undefined ? { maxStatementLength: restOptions.maxStatementLength } : {}),
      plugins: [(app) => app.register(schemaRegistryRoutes(registry), { prefix: '/schema-registry' })],
    });
    await rest.listen({ host: opts.host, port: opts.httpPort });
    cleanups.push(() => rest.close());
    const address = rest.server.address();
    const http = { host: opts.host, port: typeof address === 'object' && address ? address.port : opts.httpPort };
    let schemaRegistry: { host: string; port: number } | undefined;
    if (opts.schemaRegistryPort !== undefined) {
      const sr = await startSchemaRegistryServer({ registry, host: opts.host, port: opts.schemaRegistryPort });
      cleanups.push(() => sr.close());
      schemaRegistry = { host: sr.host, port: sr.port };
    }
    const topics = broker.listTopics();
    process.stdout.write(
      [
        `Freshet broker ${broker.nodeId} (cluster ${broker.clusterId}) is running.`,
        `  data directory: ${dataDir}`,
        `  Kafka protocol: ${kafka.host}:${kafka.port}   (e.g. kcat -b ${kafka.host}:${kafka.port} -L)`,
        `  ksqlDB REST:    http://${http.host}:${http.port}   (e.g. freshet ksql --server http://${http.host}:${http.port})`,
        `  schema registry: ${schemaRegistry ? `http://${schemaRegistry.host}:${schemaRegistry.port} and ` : ''}http://${http.host}:${http.port}/schema-registry`,
        `  topics:         ${topics.length === 0 ? '(none yet)' : topics.join(', ')}`,
        `  queries:        ${ksql.engine.queries().length} persistent`,
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
    return { broker, kafka, http, ...(schemaRegistry ? { schemaRegistry } : {}), ksql, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
