/**
 * The library's errors as Freshet's `KafkaError`s. The library wraps a broker's error code in a
 * ProtocolError (`apiCode`), possibly nested in a ResponseError or a MultipleErrors of retries;
 * the code is what counts, so the first one found anywhere in the tree decides, and it is read
 * by number through Freshet's own catalogue (the same table the broker and listener use).
 * Errors that never reached a broker (connection, timeout, authentication) map onto the Kafka
 * codes a Java client would report for them.
 */
import { TimeoutError } from '@platformatic/kafka';
import { KafkaError, kafkaErrorName } from '../errors.js';
import type { KafkaErrorCode } from '../errors.js';

interface LibraryError {
  code?: unknown;
  apiCode?: unknown;
  serverErrorMessage?: unknown;
  errors?: unknown;
  cause?: unknown;
}

/** The broker error codes in a library error, depth first, without duplicates. */
export function protocolCodesOf(err: unknown): number[] {
  const out: number[] = [];
  const seen = new Set<unknown>();
  const walk = (e: unknown): void => {
    if (e === null || typeof e !== 'object' || seen.has(e)) return;
    seen.add(e);
    const le = e as LibraryError;
    if (typeof le.apiCode === 'number' && le.apiCode !== 0 && !out.includes(le.apiCode)) out.push(le.apiCode);
    if (Array.isArray(le.errors)) for (const inner of le.errors) walk(inner);
    walk(le.cause);
  };
  walk(err);
  return out;
}

function serverMessageOf(err: unknown): string | null {
  const seen = new Set<unknown>();
  const walk = (e: unknown): string | null => {
    if (e === null || typeof e !== 'object' || seen.has(e)) return null;
    seen.add(e);
    const le = e as LibraryError;
    if (typeof le.serverErrorMessage === 'string' && le.serverErrorMessage !== '') return le.serverErrorMessage;
    if (Array.isArray(le.errors)) {
      for (const inner of le.errors) {
        const m = walk(inner);
        if (m !== null) return m;
      }
    }
    return walk(le.cause);
  };
  return walk(err);
}

/** Codes of errors raised by the library itself (not by a broker), by the library's error code. */
const LIBRARY_CODES: Record<string, KafkaErrorCode> = {
  PLT_KFK_NETWORK: 'NETWORK_EXCEPTION',
  PLT_KFK_TIMEOUT: 'REQUEST_TIMED_OUT',
  PLT_KFK_AUTHENTICATION: 'SASL_AUTHENTICATION_FAILED',
  PLT_KFK_UNSUPPORTED_API: 'UNSUPPORTED_VERSION',
  PLT_KFK_UNSUPPORTED: 'UNSUPPORTED_VERSION',
  PLT_KFK_UNSUPPORTED_COMPRESSION: 'UNSUPPORTED_COMPRESSION_TYPE',
  PLT_KFK_UNSUPPORTED_FORMAT: 'CORRUPT_MESSAGE',
  PLT_KFK_OUT_OF_BOUNDS: 'CORRUPT_MESSAGE',
  PLT_KFK_UNEXPECTED_CORRELATION_ID: 'NETWORK_EXCEPTION',
  PLT_KFK_USER: 'INVALID_REQUEST',
};

function libraryCodeOf(err: unknown): KafkaErrorCode | null {
  const seen = new Set<unknown>();
  const walk = (e: unknown): KafkaErrorCode | null => {
    if (e === null || typeof e !== 'object' || seen.has(e)) return null;
    seen.add(e);
    const le = e as LibraryError;
    // The library's TimeoutError reuses the network error code; only its class tells them apart.
    if (e instanceof TimeoutError) return 'REQUEST_TIMED_OUT';
    if (typeof le.code === 'string' && le.code !== 'PLT_KFK_MULTIPLE' && le.code !== 'PLT_KFK_RESPONSE' && le.code in LIBRARY_CODES) return LIBRARY_CODES[le.code]!;
    if (Array.isArray(le.errors)) {
      for (const inner of le.errors) {
        const c = walk(inner);
        if (c !== null) return c;
      }
    }
    return walk(le.cause);
  };
  return walk(err);
}

/**
 * Any error thrown while talking to the cluster, as a `KafkaError`. `action` says what was being
 * done ("Creating topic 'orders'"), for the message.
 */
export function toKafkaError(err: unknown, action: string): KafkaError {
  if (err instanceof KafkaError) return err;
  const codes = protocolCodesOf(err);
  const detail = err instanceof Error ? err.message : String(err);
  if (codes.length > 0) {
    const name = kafkaErrorName(codes[0]!);
    const server = serverMessageOf(err);
    return new KafkaError(name, `${action} failed: the broker answered ${name} (${codes[0]})${server ? `: ${server}` : '.'}`, { cause: err });
  }
  const mapped = libraryCodeOf(err);
  if (mapped !== null) return new KafkaError(mapped, `${action} failed: ${detail}${hintFor(mapped)}`, { cause: err });
  return new KafkaError('UNKNOWN_SERVER_ERROR', `${action} failed: ${detail}`, { cause: err });
}

function hintFor(code: KafkaErrorCode): string {
  switch (code) {
    case 'NETWORK_EXCEPTION':
      return ' (check that the brokers are reachable at the configured addresses).';
    case 'SASL_AUTHENTICATION_FAILED':
      return ' (check the SASL username and password).';
    case 'REQUEST_TIMED_OUT':
      return ' (the broker did not answer in time; it may be overloaded or unreachable).';
    default:
      return '';
  }
}

/** The error for a non-zero error code read from a response. */
export function errorFromCode(errorCode: number, action: string, serverMessage?: string | null): KafkaError {
  const name = kafkaErrorName(errorCode);
  return new KafkaError(name, `${action} failed: the broker answered ${name} (${errorCode})${serverMessage ? `: ${serverMessage}` : '.'}`);
}
