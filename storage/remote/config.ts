/**
 * How a remote client reaches its cluster, and the options every library client it creates
 * shares. The engine only ever sees `RemoteClientConfig`; everything the Kafka library needs is
 * derived here, so one place decides timeouts, retries and authentication.
 */
import type { BaseOptions } from '@platformatic/kafka';
import { KafkaError } from '../errors.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';

export interface RemoteClientConfig {
  /** Bootstrap servers as `host:port`. */
  brokers: string[];
  /** client.id sent with every request, unless a producer or consumer config sets its own. */
  clientId?: string;
  /** SASL/PLAIN credentials, when the cluster asks for authentication. */
  sasl?: { mechanism: 'plain'; username: string; password: string };
  logger?: Logger;
}

export interface ResolvedRemoteConfig {
  brokers: string[];
  clientId: string;
  sasl: RemoteClientConfig['sasl'] | null;
  logger: Logger;
}

export function resolveRemoteConfig(config: RemoteClientConfig): ResolvedRemoteConfig {
  if (!Array.isArray(config.brokers) || config.brokers.length === 0) {
    throw new KafkaError('INVALID_CONFIG', 'A remote client needs at least one bootstrap broker: pass brokers: ["host:port"].');
  }
  for (const b of config.brokers) {
    const at = b.lastIndexOf(':');
    const port = Number(b.slice(at + 1));
    if (at <= 0 || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new KafkaError('INVALID_CONFIG', `Bootstrap broker '${b}' is not host:port (for example 127.0.0.1:9092).`);
    }
  }
  if (config.sasl && config.sasl.mechanism !== 'plain') {
    throw new KafkaError('UNSUPPORTED_SASL_MECHANISM', `SASL mechanism '${String(config.sasl.mechanism)}' is not supported by the remote client: use 'plain'.`);
  }
  return { brokers: [...config.brokers], clientId: config.clientId ?? 'freshet', sasl: config.sasl ?? null, logger: config.logger ?? silentLogger };
}

/**
 * Options for one library client. Retries are short and few: the library's own retry loop only
 * covers transient errors of single requests, while Freshet's callers (the engine's commit loop,
 * the consumer's poll) already retry at their level, so a long library back-off would only delay
 * the error they need to see.
 */
export function libraryOptions(config: ResolvedRemoteConfig, clientId: string, extra: { requestTimeoutMs?: number } = {}): BaseOptions {
  return {
    clientId,
    bootstrapBrokers: config.brokers,
    retries: 5,
    retryDelay: 100,
    connectTimeout: 5000,
    requestTimeout: extra.requestTimeoutMs ?? 30_000,
    // Metadata is refreshed on errors (stale leader, unknown topic) and by the consumer's pattern
    // subscription; a short age keeps partition counts current after createPartitions.
    metadataMaxAge: 1000,
    autocreateTopics: false,
    ...(config.sasl ? { sasl: { mechanism: 'PLAIN' as const, username: config.sasl.username, password: config.sasl.password } } : {}),
  };
}
