/**
 * SASL/PLAIN (RFC 4616): the client sends one message,
 *
 *   [authzid] NUL authcid NUL passwd        (UTF-8)
 *
 * and the server accepts it or not. Kafka accepts an authorization id only when it equals the
 * authentication id; so does this.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export const PLAIN = 'PLAIN';

export type PlainResult = { ok: true; user: string } | { ok: false; reason: string };

/** Compares digests, so neither the length nor the content of a password leaks through timing. */
function sameSecret(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}

export function verifyPlain(token: Buffer, users: Readonly<Record<string, string>>): PlainResult {
  const first = token.indexOf(0);
  const second = first < 0 ? -1 : token.indexOf(0, first + 1);
  if (first < 0 || second < 0 || token.indexOf(0, second + 1) >= 0) {
    return { ok: false, reason: 'Invalid SASL/PLAIN message: expected [authzid] NUL username NUL password.' };
  }
  const authzid = token.toString('utf8', 0, first);
  const user = token.toString('utf8', first + 1, second);
  const password = token.toString('utf8', second + 1);
  if (user === '' || password === '') return { ok: false, reason: 'Invalid SASL/PLAIN message: the username and password must not be empty.' };
  if (authzid !== '' && authzid !== user) return { ok: false, reason: 'Authentication failed: the authorization id must be empty or equal the username.' };
  const expected = Object.prototype.hasOwnProperty.call(users, user) ? users[user]! : undefined;
  // Compare even for an unknown user, so its absence does not show in the timing.
  const match = sameSecret(password, expected ?? '\u0000no such user');
  if (expected === undefined || !match) return { ok: false, reason: 'Authentication failed: Invalid username or password' };
  return { ok: true, user };
}
