/**
 * Single protocol requests through the Kafka library: the remote consumer and parts of the
 * producer speak some APIs themselves (group membership, fetch, offsets) because the library's
 * high-level clients decide things Freshet must decide (see README.md). They still use the
 * library for everything below that: its connection pool (with SASL), its metadata cache, its
 * ApiVersions negotiation and its request and response codecs.
 */
import type { API, Base, ClusterMetadata, Connection } from '@platformatic/kafka';
import { FindCoordinatorKeyTypes, kGetApi } from '@platformatic/kafka';
import { KafkaError, kafkaErrorName } from '../errors.js';
import { errorFromCode, toKafkaError } from './errors.js';
import type { findCoordinatorV6 } from '@platformatic/kafka';

type FindCoordinatorResponse = findCoordinatorV6.FindCoordinatorResponse;

// Broker errors after which a request goes to a freshly looked-up coordinator.
const COORDINATOR_MOVED = new Set(['NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS', 'NETWORK_EXCEPTION', 'REQUEST_TIMED_OUT']);

export type CoordinatorKind = 'group' | 'transaction';

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class Wire {
  private readonly coordinators = new Map<string, number>();
  private readonly apis = new Map<string, API<unknown[], unknown>>();

  constructor(readonly lib: Base) {}

  /** The library's implementation of `name` at the highest version the broker and library share. */
  async api<Res>(name: string): Promise<API<unknown[], Res>> {
    const cached = this.apis.get(name);
    if (cached) return cached as API<unknown[], Res>;
    const api = await new Promise<API<unknown[], Res>>((resolve, reject) => {
      this.lib[kGetApi]<unknown[], Res>(name, (err, found) => (err || !found ? reject(toKafkaError(err, `Choosing a version of ${name}`)) : resolve(found)));
    });
    this.apis.set(name, api as API<unknown[], unknown>);
    return api;
  }

  async metadata(topics: string[], forceUpdate = false): Promise<ClusterMetadata> {
    try {
      return await this.lib.metadata({ topics, forceUpdate });
    } catch (err) {
      // The library turns UNKNOWN_TOPIC_OR_PARTITION into a plain "Unknown topic" error.
      if (err instanceof Error && /^Unknown topic/.test(err.message)) {
        throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `${err.message.replace(/\.$/, '')}: it does not exist on the cluster (create it first).`);
      }
      throw toKafkaError(err, `Reading metadata${topics.length > 0 ? ` of ${topics.join(', ')}` : ''}`);
    }
  }

  async partitionCount(topic: string): Promise<number> {
    const md = await this.metadata([topic]);
    return md.topics.get(topic)!.partitionsCount;
  }

  async connection(nodeId: number): Promise<Connection> {
    let md = await this.metadata([]);
    let broker = md.brokers.get(nodeId);
    if (!broker) {
      md = await this.metadata([], true);
      broker = md.brokers.get(nodeId);
    }
    if (!broker) throw new KafkaError('LEADER_NOT_AVAILABLE', `Broker ${nodeId} is not in the cluster metadata.`);
    try {
      return await this.lib.connections.get(broker);
    } catch (err) {
      throw toKafkaError(err, `Connecting to broker ${nodeId} (${broker.host}:${broker.port})`);
    }
  }

  /**
   * Sends one request. A response that carries error codes is returned as it is (the library
   * throws it; the caller reads the codes where they belong); anything else that fails throws.
   */
  async request<Res>(api: API<unknown[], Res>, connection: Connection, args: unknown[], action: string): Promise<Res> {
    try {
      return await api.async(connection, ...args);
    } catch (err) {
      const response = (err as { response?: unknown }).response;
      if (response !== undefined && response !== null && (err as { code?: unknown }).code === 'PLT_KFK_RESPONSE') return response as Res;
      throw toKafkaError(err, action);
    }
  }

  /** The node coordinating a consumer group or a transactional id. */
  async coordinator(kind: CoordinatorKind, key: string, refresh = false): Promise<number> {
    const cacheKey = `${kind}\u0000${key}`;
    const known = this.coordinators.get(cacheKey);
    if (known !== undefined && !refresh) return known;
    const api = await this.api<FindCoordinatorResponse>('FindCoordinator');
    const md = await this.metadata([]);
    const nodes = [...md.brokers.keys()];
    const connection = await this.connection(nodes[Math.floor(Math.random() * nodes.length)]!);
    const keyType = kind === 'group' ? FindCoordinatorKeyTypes.GROUP : FindCoordinatorKeyTypes.TRANSACTION;
    const res = await this.request(api, connection, [keyType, [key]], `Finding the ${kind} coordinator of '${key}'`);
    const c = res.coordinators.find((x) => x.key === key) ?? res.coordinators[0];
    if (!c) throw new KafkaError('COORDINATOR_NOT_AVAILABLE', `The broker named no ${kind} coordinator for '${key}'.`);
    if (c.errorCode !== 0) throw errorFromCode(c.errorCode, `Finding the ${kind} coordinator of '${key}'`, c.errorMessage);
    this.coordinators.set(cacheKey, c.nodeId);
    return c.nodeId;
  }

  /**
   * Runs `send` against the coordinator of `key`, looking it up again and retrying (a few times,
   * with a short back-off) while the connection fails or the answer says the coordinator moved or
   * is still loading. Any other answer, error codes included, goes back to the caller, which
   * knows what they mean for its request; `codeOf` reads the code that decides.
   */
  async withCoordinator<T>(kind: CoordinatorKind, key: string, action: string, send: (connection: Connection) => Promise<T>, codeOf: (result: T) => number): Promise<T> {
    let lastError: KafkaError | null = null;
    for (let attempt = 0; attempt < 8; attempt++) {
      if (attempt > 0) await sleep(Math.min(1000, 50 * 2 ** (attempt - 1)));
      let result: T;
      try {
        const node = await this.coordinator(kind, key, attempt > 0);
        result = await send(await this.connection(node));
      } catch (err) {
        const error = toKafkaError(err, action);
        if (!COORDINATOR_MOVED.has(error.code)) throw error;
        lastError = error;
        continue;
      }
      const code = codeOf(result);
      if (code === 0 || !COORDINATOR_MOVED.has(kafkaErrorName(code))) return result;
      lastError = errorFromCode(code, action);
    }
    throw lastError!;
  }

  async close(): Promise<void> {
    try {
      await this.lib.close();
    } catch {
      // Closing is best effort: the sockets are gone either way.
    }
  }
}
