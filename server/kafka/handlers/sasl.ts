/**
 * SaslHandshake and SaslAuthenticate (PLAIN only). The handshake picks the mechanism; v1 says the
 * token follows in SaslAuthenticate requests, v0 that it follows as a bare size-prefixed frame
 * (the connection reads that one itself). A failed authentication is answered, then the
 * connection is closed, as Kafka does. Without SASL configured both are out of place
 * (ILLEGAL_SASL_STATE), as on Kafka's PLAINTEXT listener.
 */
import { kafkaErrorCode } from '../../../storage/errors.js';
import { PLAIN, verifyPlain } from '../sasl-plain.js';
import { EMPTY_BUFFER } from '../protocol/index.js';
import type { ConnectionState, ListenerState } from './handler.js';
import { defineHandler } from './handler.js';

export const saslHandshake = defineHandler({
  apiKey: 17,
  name: 'SaslHandshake',
  versions: { min: 0, max: 1 },
  handle(req, ctx) {
    const { conn, listener } = ctx;
    if (!listener.sasl || conn.authenticated || conn.saslMechanism !== null) {
      return { errorCode: kafkaErrorCode('ILLEGAL_SASL_STATE'), mechanisms: listener.sasl ? [PLAIN] : [] };
    }
    if (req.mechanism !== PLAIN) return { errorCode: kafkaErrorCode('UNSUPPORTED_SASL_MECHANISM'), mechanisms: [PLAIN] };
    conn.saslMechanism = PLAIN;
    conn.saslRawTokenNext = ctx.apiVersion === 0;
    return { errorCode: 0, mechanisms: [PLAIN] };
  },
  errorResponse(_req, errorCode) {
    return { errorCode, mechanisms: [PLAIN] };
  },
});

/** Checks a PLAIN token and updates the connection; returns the error message, or null on success. */
export function authenticate(listener: ListenerState, conn: ConnectionState, token: Buffer): string | null {
  const result = verifyPlain(token, listener.sasl?.users ?? {});
  conn.saslMechanism = null;
  conn.saslRawTokenNext = false;
  if (!result.ok) {
    conn.closeAfterResponse = `SASL/PLAIN authentication failed (${result.reason})`;
    return result.reason;
  }
  conn.authenticated = true;
  conn.principal = result.user;
  return null;
}

export const saslAuthenticate = defineHandler({
  apiKey: 36,
  name: 'SaslAuthenticate',
  versions: { min: 0, max: 2 },
  handle(req, ctx) {
    const { conn, listener } = ctx;
    if (!listener.sasl || conn.authenticated || conn.saslMechanism === null || conn.saslRawTokenNext) {
      conn.closeAfterResponse = 'SaslAuthenticate out of sequence';
      return { errorCode: kafkaErrorCode('ILLEGAL_SASL_STATE'), errorMessage: 'SaslAuthenticate is only valid right after a successful SaslHandshake v1.', authBytes: EMPTY_BUFFER };
    }
    const failure = authenticate(listener, conn, req.authBytes);
    if (failure !== null) return { errorCode: kafkaErrorCode('SASL_AUTHENTICATION_FAILED'), errorMessage: failure, authBytes: EMPTY_BUFFER };
    return { errorCode: 0, errorMessage: null, authBytes: EMPTY_BUFFER, sessionLifetimeMs: 0 };
  },
  errorResponse(_req, errorCode) {
    return { errorCode, errorMessage: null, authBytes: EMPTY_BUFFER };
  },
});
