/**
 * The Kafka wire-protocol listener: a TCP server in front of the integrated broker, so any Kafka
 * client (kcat/librdkafka, kafkajs, the Java client) can produce, consume, join groups, run
 * transactions and administer topics. Each accepted socket is a KafkaConnection; this class owns
 * what they share: the broker, the advertised address, fetch sessions, SASL users and the
 * ApiVersions list.
 *
 *   const listener = new KafkaListener(broker, { port: 9092 });
 *   const { host, port } = await listener.start();
 *   ...
 *   await listener.close();   // stops accepting and closes every connection; the broker stays open
 */
import { createServer, type Server } from 'node:net';
import { hostname } from 'node:os';
import type { Broker } from '../../storage/broker/broker.js';
import type { Logger } from '../../storage/logger.js';
import { KafkaConnection } from './connection.js';
import { KafkaListenerError } from './errors.js';
import { FetchSessionCache } from './fetch-sessions.js';
import type { ListenerState, SaslOptions } from './handlers/handler.js';
import { advertisedApiVersions } from './handlers/index.js';
import { DEFAULT_MAX_FRAME_BYTES } from './protocol/index.js';

export interface KafkaListenerOptions {
  /** Interface to bind. Default 127.0.0.1. */
  host?: string;
  /** Port to bind; 0 picks a free one (see start()'s result). Default 9092. */
  port?: number;
  /** Host clients are told to connect to (Metadata, FindCoordinator). Default: the bound host. */
  advertisedHost?: string;
  /** Port clients are told to connect to. Default: the bound port. */
  advertisedPort?: number;
  /** socket.request.max.bytes: a larger request closes its connection. Default 100 MiB. */
  maxRequestBytes?: number;
  /** SASL/PLAIN users; when set, every connection must authenticate first. Off by default. */
  sasl?: SaslOptions;
  /** max.incremental.fetch.session.cache.slots. Default 1000. */
  fetchSessionCacheSlots?: number;
  /** Default: the broker's logger. */
  logger?: Logger;
}

const WILDCARDS = new Set(['', '0.0.0.0', '::']);

function invalid(message: string): KafkaListenerError {
  return new KafkaListenerError('KAFKA_LISTENER_INVALID_OPTION', message);
}

function validPort(p: number | undefined, what: string, allowZero: boolean): void {
  if (p === undefined) return;
  if (!Number.isInteger(p) || p < (allowZero ? 0 : 1) || p > 65535) throw invalid(`${what} ${p} is not a TCP port: use ${allowZero ? '0 (any free port) or ' : ''}1-65535.`);
}

export class KafkaListener implements ListenerState {
  readonly broker: Broker;
  readonly logger: Logger;
  readonly sasl: SaslOptions | null;
  readonly fetchSessions: FetchSessionCache;
  readonly apiVersions = advertisedApiVersions();
  private readonly host: string;
  private readonly port: number;
  private readonly maxRequestBytes: number;
  private readonly options: KafkaListenerOptions;
  private readonly connections = new Set<KafkaConnection>();
  private server: Server | null = null;
  private boundPort = -1;
  private state: 'new' | 'running' | 'closed' = 'new';

  constructor(broker: Broker, options: KafkaListenerOptions = {}) {
    validPort(options.port, 'port', true);
    validPort(options.advertisedPort, 'advertisedPort', false);
    const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (!Number.isInteger(maxRequestBytes) || maxRequestBytes < 8 || maxRequestBytes > 0x7fffffff) {
      throw invalid(`maxRequestBytes ${maxRequestBytes} must be a whole number from 8 to 2147483647.`);
    }
    if (options.sasl && Object.keys(options.sasl.users).length === 0) {
      throw invalid('sasl.users is empty, so nobody could connect: add a user, or leave sasl out to turn authentication off.');
    }
    this.broker = broker;
    this.logger = options.logger ?? broker.logger;
    this.sasl = options.sasl ?? null;
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? 9092;
    this.maxRequestBytes = maxRequestBytes;
    this.options = options;
    this.fetchSessions = new FetchSessionCache({ maxSessions: options.fetchSessionCacheSlots });
  }

  get advertisedHost(): string {
    return this.options.advertisedHost ?? (WILDCARDS.has(this.host) ? hostname() : this.host);
  }

  get advertisedPort(): number {
    return this.options.advertisedPort ?? this.boundPort;
  }

  /** Open connections (for tests and metrics). */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Binds and starts accepting; resolves with the bound address (the real port when 0 was asked). */
  start(): Promise<{ host: string; port: number }> {
    if (this.state !== 'new') return Promise.reject(new KafkaListenerError('KAFKA_LISTENER_STATE', `The Kafka listener is ${this.state}; create a new one to listen again.`));
    this.state = 'running';
    const server = createServer((socket) => {
      if (this.state !== 'running') {
        socket.destroy();
        return;
      }
      const conn = new KafkaConnection(socket, this, this.maxRequestBytes, (c) => this.connections.delete(c));
      this.connections.add(conn);
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        this.state = 'closed';
        this.server = null;
        reject(new KafkaListenerError('KAFKA_LISTENER_BIND_FAILED', `The Kafka listener cannot listen on ${this.host}:${this.port} (${err.code ?? err.message}): pick another port or stop whatever holds it.`, { cause: err }));
      };
      server.once('error', onError);
      server.listen({ host: this.host, port: this.port }, () => {
        server.off('error', onError);
        server.on('error', (err) => this.logger.error('Kafka listener: server error', { error: err.message }));
        const addr = server.address();
        this.boundPort = typeof addr === 'object' && addr !== null ? addr.port : this.port;
        this.logger.info(`Kafka listener on ${this.host}:${this.boundPort}`, { advertised: `${this.advertisedHost}:${this.advertisedPort}`, sasl: this.sasl ? 'PLAIN' : 'off' });
        resolve({ host: this.host, port: this.boundPort });
      });
    });
  }

  /** Stops accepting, closes every connection and forgets fetch sessions. The broker stays open. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    const server = this.server;
    this.server = null;
    for (const c of this.connections) c.destroy();
    this.connections.clear();
    this.fetchSessions.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.logger.info('Kafka listener closed', { port: this.boundPort });
  }
}
