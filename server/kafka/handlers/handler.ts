/**
 * What every API handler is: the versions it serves, a function from the decoded request to the
 * response body, and the response that reports one error for the whole request (Kafka's
 * `AbstractRequest.getErrorResponse`), which the connection sends for an unsupported version or
 * an unexpected exception. Handlers map wire requests onto the broker and its results back;
 * they hold no state of their own (fetch sessions and SASL state live in the context).
 */
import type { Broker } from '../../../storage/broker/broker.js';
import { KafkaError, kafkaErrorCode, type KafkaErrorCode } from '../../../storage/errors.js';
import type { Logger } from '../../../storage/logger.js';
import type { FetchSessionCache } from '../fetch-sessions.js';
import type { ApiKey, EncodeInput, RequestBodies, RequestHeader, ResponseBodies, VersionRange } from '../protocol/index.js';

export type Reply<K extends ApiKey> = EncodeInput<ResponseBodies[K]>;

/** A handler's answer when Kafka sends none (Produce with acks=0). */
export const NO_RESPONSE: unique symbol = Symbol('no response');

export interface SaslOptions {
  /** PLAIN credentials: user name -> password. */
  users: Record<string, string>;
}

/** What the listener shares with every request. */
export interface ListenerState {
  readonly broker: Broker;
  readonly logger: Logger;
  readonly advertisedHost: string;
  readonly advertisedPort: number;
  readonly fetchSessions: FetchSessionCache;
  readonly sasl: SaslOptions | null;
  /** The ApiVersions answer: every served API with its advertised range. */
  readonly apiVersions: readonly { apiKey: number; minVersion: number; maxVersion: number }[];
}

/** Per-connection state a handler may read or change (SASL). */
export interface ConnectionState {
  /** As Kafka shows it in DescribeGroups: `/127.0.0.1`. */
  readonly clientHost: string;
  authenticated: boolean;
  /** The mechanism agreed by SaslHandshake, until authentication completes. */
  saslMechanism: string | null;
  /** SaslHandshake v0: the next frame is a bare SASL token, not a Kafka request. */
  saslRawTokenNext: boolean;
  principal: string | null;
  /** Send the response, then close (failed authentication, acks=0 produce errors). */
  closeAfterResponse: string | null;
}

export interface RequestContext {
  readonly listener: ListenerState;
  readonly conn: ConnectionState;
  readonly header: RequestHeader;
  readonly apiVersion: number;
}

export interface Handler<K extends ApiKey> {
  readonly apiKey: K;
  readonly name: string;
  /** The versions advertised in ApiVersions and served. */
  readonly versions: VersionRange;
  handle(req: RequestBodies[K], ctx: RequestContext): Reply<K> | typeof NO_RESPONSE | Promise<Reply<K> | typeof NO_RESPONSE>;
  /**
   * The response carrying `errorCode` everywhere the schema has room for it; NO_RESPONSE when
   * the request expects none (the connection is then closed, the one signal left).
   */
  errorResponse(req: RequestBodies[K], errorCode: number, ctx: RequestContext): Reply<K> | typeof NO_RESPONSE;
}

/** Identity with inference: `defineHandler({ apiKey: 3, ... })` types `req` as MetadataRequest. */
export function defineHandler<K extends ApiKey>(handler: Handler<K>): Handler<K> {
  return handler;
}

/**
 * The wire error code of a thrown value. A KafkaError is the client's business (a per-partition
 * or per-resource error); anything else is a bug worth a log line, sent as UNKNOWN_SERVER_ERROR.
 */
export function wireError(err: unknown, ctx: RequestContext, what: string): { code: number; message: string } {
  if (err instanceof KafkaError) return { code: err.errorCode, message: err.message };
  ctx.listener.logger.error(`Kafka listener: unexpected error in ${what}`, { error: err instanceof Error ? (err.stack ?? err.message) : String(err), clientId: ctx.header.clientId });
  return { code: -1, message: 'Unexpected server error; see the broker log.' };
}

/** The wire code of an error name a coordinator returned (null = NONE). */
export function codeOf(name: KafkaErrorCode | null): number {
  return name === null ? 0 : kafkaErrorCode(name);
}

/** int64 fields arrive as bigints; offsets and producer ids are JS numbers in the broker. */
export function num(v: bigint): number {
  return Number(v);
}
