/**
 * The library's errors, as the remote client's callers see them: KafkaErrors named by the
 * broker's numeric code (through Freshet's catalogue), wherever the library nested that code.
 */
import { describe, expect, it } from 'vitest';
import { AuthenticationError, MultipleErrors, NetworkError, ProtocolError, ResponseError, TimeoutError, UnsupportedApiError, UserError } from '@platformatic/kafka';
import { KafkaError, kafkaErrorCode } from '../../../storage/errors.js';
import { errorFromCode, protocolCodesOf, toKafkaError } from '../../../storage/remote/errors.js';

describe('remote client error mapping', () => {
  it('names a broker error by its numeric code', () => {
    const err = toKafkaError(new ProtocolError(36, 'Topic orders already exists.'), 'Creating topic orders');
    expect(err).toBeInstanceOf(KafkaError);
    expect(err).toMatchObject({ code: 'TOPIC_ALREADY_EXISTS', errorCode: 36, retriable: false });
    expect(err.message).toContain('Creating topic orders failed');
    expect(err.message).toContain('Topic orders already exists.');
  });

  it('finds the code inside a response error and inside the retries the library gave up on', () => {
    const response = new ResponseError(19, 7, { '/topics/0': [kafkaErrorCode('INVALID_PARTITIONS'), 'partitions must be > 0'] }, { topics: [] });
    expect(toKafkaError(response, 'Creating topics')).toMatchObject({ code: 'INVALID_PARTITIONS' });
    const retried = new MultipleErrors('endTransaction failed 3 times.', [new NetworkError('socket hang up'), new ProtocolError(kafkaErrorCode('INVALID_PRODUCER_EPOCH'))]);
    expect(toKafkaError(retried, 'Committing')).toMatchObject({ code: 'INVALID_PRODUCER_EPOCH', errorCode: 47 });
    expect(protocolCodesOf(retried)).toEqual([47]);
  });

  it('reads the code by number, so it agrees with the broker and listener behind the same catalogue', () => {
    for (const name of ['NOT_COORDINATOR', 'REBALANCE_IN_PROGRESS', 'CONCURRENT_TRANSACTIONS', 'NON_EMPTY_GROUP', 'UNKNOWN_TOPIC_ID'] as const) {
      const err = toKafkaError(new ProtocolError(kafkaErrorCode(name)), 'A request');
      expect(err.code).toBe(name);
    }
  });

  it('maps failures that never reached a broker onto the codes a Java client reports', () => {
    expect(toKafkaError(new NetworkError('Connection refused'), 'Connecting')).toMatchObject({ code: 'NETWORK_EXCEPTION', retriable: true });
    expect(toKafkaError(new TimeoutError('Request timed out'), 'Fetching')).toMatchObject({ code: 'REQUEST_TIMED_OUT', retriable: true });
    expect(toKafkaError(new AuthenticationError('SASL authentication failed'), 'Connecting')).toMatchObject({ code: 'SASL_AUTHENTICATION_FAILED' });
    expect(toKafkaError(new UnsupportedApiError('Unsupported API Fetch.'), 'Fetching')).toMatchObject({ code: 'UNSUPPORTED_VERSION' });
    expect(toKafkaError(new UserError('Bad options'), 'Sending')).toMatchObject({ code: 'INVALID_REQUEST' });
    expect(toKafkaError(new MultipleErrors('retries', [new NetworkError('reset')]), 'Sending').message).toMatch(/reachable/);
  });

  it('passes KafkaErrors through and wraps anything else as UNKNOWN_SERVER_ERROR with its cause', () => {
    const own = new KafkaError('INVALID_TXN_STATE', 'no');
    expect(toKafkaError(own, 'x')).toBe(own);
    const odd = new Error('something else');
    const wrapped = toKafkaError(odd, 'Doing it');
    expect(wrapped).toMatchObject({ code: 'UNKNOWN_SERVER_ERROR', message: 'Doing it failed: something else' });
    expect(wrapped.cause).toBe(odd);
  });

  it('turns an error code read from a response into a KafkaError with the server message', () => {
    const err = errorFromCode(kafkaErrorCode('GROUP_ID_NOT_FOUND'), "Describing group 'g'", 'no such group');
    expect(err).toMatchObject({ code: 'GROUP_ID_NOT_FOUND' });
    expect(err.message).toBe("Describing group 'g' failed: the broker answered GROUP_ID_NOT_FOUND (69): no such group");
  });
});
